// PendingWrites: a ClientDB's local writes that the server has not confirmed yet, oldest first,
// each with the undo that takes the view back to what it was just before the write. Rebasing
// (Replicache's model) is: undo from some write to the newest, change what lies beneath (apply
// a server batch, drop an answered write), and re-apply them in order, taking fresh undo.
// With a merge hook (ClientDB::set_pending_merge), a re-applied write sets each field whose
// conflict strategy is a merge, and that changed beneath it since it was made, to the hook's
// merge of base (the field beneath the write when it was made), mine and theirs (beneath now).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "entity_image.hpp"
#include "theta_net/data/client_db.hpp"
#include "theta_net/data/store.hpp"

namespace theta_net::data {

struct PendingWrite {
  std::uint32_t id = 0;
  std::vector<Op> ops;
  std::vector<EntityImage> undo;  // what each entity the ops touch was before them
  Version accepted_in = 0;        // the server committed it in this version (0: no answer yet)
  // Per field write of `ops` (in order: ops, components, fields), the value beneath it when the
  // write was made, for fields whose conflict strategy is a merge; nullopt for the others.
  std::vector<std::optional<Value>> bases;
};

class PendingWrites {
 public:
  std::size_t size() const { return writes_.size(); }
  bool empty() const { return writes_.empty(); }
  const PendingWrite& at(std::size_t index) const { return writes_[index]; }
  std::optional<std::size_t> index_of(std::uint32_t id) const;

  // Applies a new write (its ops passed view.check) to the view and keeps it with its undo.
  void push(Store& view, std::uint32_t id, std::vector<Op> ops);
  // Undoes writes [from, size()) newest first: the view is then as it was before write `from`.
  void undo_from(Store& view, std::size_t from);
  // Re-applies writes [from, size()) oldest first, each with fresh undo. A write the view no
  // longer takes (a resync brought a schema without a field it sets) is dropped: it is
  // returned with the reason.
  std::vector<std::pair<PendingWrite, std::string>> redo_from(Store& view, std::size_t from);
  // While undone: removes one write, or every write the server accepted in a version at or
  // below `version` (the view's store holds their effect).
  PendingWrite erase(std::size_t index);
  // The server committed write `index` in `version`, which the view does not hold yet.
  void accept(std::size_t index, Version version) { writes_[index].accepted_in = version; }
  bool any_accepted_through(Version version) const;
  void erase_accepted_through(Version version);
  std::vector<PendingWrite> take_all();

  // Every entity a pending write touches (repeats included).
  void append_touched(std::vector<EntityKey>& out) const;
  // Of every entity of `table` a pending write touches, the undo of the oldest such write:
  // what the view holds for it without the pending writes (the server's state), in no order.
  std::vector<const EntityImage*> confirmed_images(std::uint16_t table) const;

  // The merge that re-applied writes use (none: each shows what it wrote); see above.
  void set_merge(PendingFieldMerge merge) { merge_ = std::move(merge); }

 private:
  void apply(Store& view, PendingWrite& write) const;
  // The write's ops with merged values where the hook merges; false when nothing changes.
  bool merged_ops(const Store& view, const PendingWrite& write, std::vector<Op>& out) const;
  std::vector<PendingWrite> writes_;
  PendingFieldMerge merge_;
};

}  // namespace theta_net::data
