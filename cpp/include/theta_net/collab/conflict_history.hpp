// FieldHistory: the recent committed writes of each field that went through a ConflictResolver,
// bounded, so that the resolver can tell whether a write is concurrent with another author's and
// find the value its author based it on (docs/collaboration.md, "Conflicts").
//
// Per field it keeps the last `max_writes_per_field` writes in commit order, and how far back it
// is complete: `reach_from`, the oldest version whose value it knows (every write after it is
// kept), and the value the field held from reach_from until the oldest kept write (the anchor).
// A field seen for the first time is complete from the resolver's start (or from the newest
// version of a field evicted for room, which is as far as the resolver can vouch that nothing
// unseen happened); dropping its oldest write for room moves reach_from to that write.
// Past `max_fields` fields or `max_bytes` of kept values, the field whose last write is oldest
// is forgotten whole.
#pragma once

#include <compare>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "theta_net/core/ed25519.hpp"
#include "theta_net/data/data_schema.hpp"
#include "theta_net/data/ops.hpp"

namespace theta_net::collab {

using AuthorKey = Ed25519PublicKey;

struct FieldKey {
  std::uint16_t table = 0;
  data::EntityId entity = 0;
  std::uint16_t component = 0;
  std::uint16_t field = 0;
  auto operator<=>(const FieldKey&) const = default;
};

struct FieldWriteRecord {
  data::Version version = 0;
  AuthorKey author{};
  std::uint64_t lamport = 0;
  data::Value value;     // what was committed
  data::Value intended;  // what the author wrote (differs from value when it was merged)
  bool removal = false;  // the field went with its component or entity (value: its default)
};

struct FieldHistoryEntry {
  data::Version reach_from = 0;
  std::optional<data::Value> anchor;  // the value from reach_from to the first write; unknown: none
  std::deque<FieldWriteRecord> writes;
};

struct FieldHistoryLimits {
  std::size_t max_writes_per_field = 8;
  std::size_t max_fields = 65536;
  std::size_t max_bytes = 64u << 20;  // values and overhead, approximately
};

class FieldHistory {
 public:
  FieldHistory(FieldHistoryLimits limits, data::Version start_version);

  const FieldHistoryEntry* find(const FieldKey& key) const;
  // The newest write to the field by an author other than `author`, made after `base_version`
  // (removals do not count): the write `author`'s write is concurrent with, if any.
  const FieldWriteRecord* concurrent_with(const FieldKey& key, const AuthorKey& author,
                                          data::Version base_version) const;
  // The value `author` saw beneath its write based on `base_version`: its own newest write after
  // that version if it made one (what it intended), else the field's value at that version.
  // nullopt when the history does not reach back that far.
  std::optional<data::Value> base_for(const FieldKey& key, const AuthorKey& author,
                                      data::Version base_version) const;

  // Records a committed write. `before` is the field's value beneath it, used as the anchor when
  // the field has no history yet (nullopt: not known).
  void record(const FieldKey& key, FieldWriteRecord write, std::optional<data::Value> before);
  // Records the removal, at `version`, of every kept field of the entity's components in
  // `components` (every component: an entity removed), as a write of each field's default.
  void record_removal(std::uint16_t table, data::EntityId entity, std::uint64_t components,
                      const data::TableSpec& spec, data::Version version, const AuthorKey& author,
                      std::uint64_t lamport);

  // Every field a write could have been missed for: a write to a field without history based
  // before this version may be concurrent with a forgotten one.
  data::Version forgotten_through() const { return forgotten_through_; }
  data::Version start_version() const { return start_version_; }
  const FieldHistoryLimits& limits() const { return limits_; }
  std::size_t fields() const { return entries_.size(); }
  std::size_t bytes() const { return bytes_; }
  std::uint64_t evicted_fields() const { return evicted_fields_; }

 private:
  void evict_oldest();
  static std::size_t cost(const FieldWriteRecord& write);
  static std::size_t cost(const std::optional<data::Value>& value);

  FieldHistoryLimits limits_;
  data::Version start_version_;
  data::Version forgotten_through_ = 0;
  std::map<FieldKey, FieldHistoryEntry> entries_;
  std::set<std::pair<data::Version, FieldKey>> by_last_write_;  // eviction order
  std::size_t bytes_ = 0;
  std::uint64_t evicted_fields_ = 0;
};

}  // namespace theta_net::collab
