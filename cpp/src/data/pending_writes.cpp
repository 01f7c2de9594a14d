#include "pending_writes.hpp"

#include <algorithm>
#include <cassert>
#include <set>
#include <utility>

namespace theta_net::data {

std::optional<std::size_t> PendingWrites::index_of(std::uint32_t id) const {
  for (std::size_t i = 0; i < writes_.size(); ++i) {
    if (writes_[i].id == id) return i;
  }
  return std::nullopt;
}

void PendingWrites::apply(Store& view, PendingWrite& write) {
  std::vector<EntityKey> keys;
  data::append_touched(write.ops, keys);
  sort_unique(keys);
  write.undo.clear();
  write.undo.reserve(keys.size());
  for (const EntityKey& key : keys) write.undo.push_back(capture_entity(view, key));
  [[maybe_unused]] const Status applied = view.apply_ops(write.ops);
  assert(applied.ok());  // the ops passed view.check (Store::check looks at the schema only)
}

void PendingWrites::push(Store& view, std::uint32_t id, std::vector<Op> ops) {
  PendingWrite& write = writes_.emplace_back();
  write.id = id;
  write.ops = std::move(ops);
  apply(view, write);
}

void PendingWrites::undo_from(Store& view, std::size_t from) {
  std::vector<Op> restore;
  for (std::size_t i = writes_.size(); i-- > from;) {
    restore.clear();
    for (const EntityImage& image : writes_[i].undo) append_restore_ops(view, image, restore);
    [[maybe_unused]] const Status undone = view.apply_ops(restore);
    assert(undone.ok());  // images hold values the same store held
  }
}

std::vector<std::pair<PendingWrite, std::string>> PendingWrites::redo_from(Store& view,
                                                                           std::size_t from) {
  std::vector<std::pair<PendingWrite, std::string>> dropped;
  std::size_t kept = from;
  for (std::size_t i = from; i < writes_.size(); ++i) {
    if (Status fits = view.check(writes_[i].ops); !fits.ok()) {
      dropped.emplace_back(std::move(writes_[i]), fits.error().describe());
      continue;
    }
    if (kept != i) writes_[kept] = std::move(writes_[i]);
    apply(view, writes_[kept++]);
  }
  writes_.resize(kept);
  return dropped;
}

PendingWrite PendingWrites::erase(std::size_t index) {
  PendingWrite write = std::move(writes_[index]);
  writes_.erase(writes_.begin() + static_cast<std::ptrdiff_t>(index));
  return write;
}

void PendingWrites::erase_accepted_through(Version version) {
  std::erase_if(writes_, [version](const PendingWrite& write) {
    return write.accepted_in != 0 && write.accepted_in <= version;
  });
}

bool PendingWrites::any_accepted_through(Version version) const {
  return std::any_of(writes_.begin(), writes_.end(), [version](const PendingWrite& write) {
    return write.accepted_in != 0 && write.accepted_in <= version;
  });
}

std::vector<PendingWrite> PendingWrites::take_all() {
  return std::exchange(writes_, {});
}

void PendingWrites::append_touched(std::vector<EntityKey>& out) const {
  for (const PendingWrite& write : writes_) data::append_touched(write.ops, out);
}

std::vector<const EntityImage*> PendingWrites::confirmed_images(std::uint16_t table) const {
  std::vector<const EntityImage*> out;
  std::set<EntityId> seen;
  for (const PendingWrite& write : writes_) {
    for (const EntityImage& image : write.undo) {
      if (image.key.first == table && seen.insert(image.key.second).second) out.push_back(&image);
    }
  }
  return out;
}

}  // namespace theta_net::data
