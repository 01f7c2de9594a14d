#include "pending_writes.hpp"

#include <algorithm>
#include <cassert>
#include <set>
#include <utility>

namespace theta_net::data {

namespace {

// A field's value in the store; its default when the entity or its component is absent.
Value field_value(const Store& store, std::uint16_t table, EntityId entity, std::uint16_t component,
                  std::uint16_t field) {
  const Table& t = store.table(table);
  if (const auto row = t.find(entity)) return t.get(*row, component, field);
  return t.spec().components[component].fields[field].default_value;
}

bool merges(const Store& store, std::uint16_t table, std::uint16_t component, std::uint16_t field) {
  const TableSpec& spec = store.schema().table(table);
  return spec.conflict_strategy(component, field).kind == ConflictKind::kMerge;
}

// What lies beneath each merge-strategy field write of `ops` in `view` (see PendingWrite::bases).
std::vector<std::optional<Value>> bases_beneath(const Store& view, const std::vector<Op>& ops) {
  std::vector<std::optional<Value>> bases;
  for (const Op& op : ops) {
    for (const ComponentWrite& cw : op.writes) {
      for (const FieldWrite& fw : cw.fields) {
        if (merges(view, op.table, cw.component, fw.field)) {
          bases.emplace_back(field_value(view, op.table, op.entity, cw.component, fw.field));
        } else {
          bases.emplace_back();
        }
      }
    }
  }
  return bases;
}

}  // namespace

std::optional<std::size_t> PendingWrites::index_of(std::uint32_t id) const {
  for (std::size_t i = 0; i < writes_.size(); ++i) {
    if (writes_[i].id == id) return i;
  }
  return std::nullopt;
}

bool PendingWrites::merged_ops(const Store& view, const PendingWrite& write,
                               std::vector<Op>& out) const {
  if (!merge_) return false;
  bool changed = false;
  std::size_t index = 0;
  for (std::size_t o = 0; o < write.ops.size(); ++o) {
    const Op& op = write.ops[o];
    for (std::size_t c = 0; c < op.writes.size(); ++c) {
      const ComponentWrite& cw = op.writes[c];
      for (std::size_t f = 0; f < cw.fields.size(); ++f, ++index) {
        const FieldWrite& fw = cw.fields[f];
        if (index >= write.bases.size() || !write.bases[index]) continue;
        if (!merges(view, op.table, cw.component, fw.field)) continue;
        const Value theirs = field_value(view, op.table, op.entity, cw.component, fw.field);
        if (theirs == *write.bases[index]) continue;
        const TableSpec& spec = view.schema().table(op.table);
        const FieldSpec& field = spec.components[cw.component].fields[fw.field];
        auto merged = merge_(field, spec.conflict_strategy(cw.component, fw.field),
                             *write.bases[index], fw.value, theirs);
        if (!merged || *merged == fw.value || !field.check(*merged).ok()) continue;
        if (!changed) out = write.ops;
        changed = true;
        out[o].writes[c].fields[f].value = std::move(*merged);
      }
    }
  }
  return changed;
}

void PendingWrites::apply(Store& view, PendingWrite& write) const {
  std::vector<EntityKey> keys;
  data::append_touched(write.ops, keys);
  sort_unique(keys);
  write.undo.clear();
  write.undo.reserve(keys.size());
  for (const EntityKey& key : keys) write.undo.push_back(capture_entity(view, key));
  std::vector<Op> merged;
  const bool merging = merged_ops(view, write, merged);
  [[maybe_unused]] const Status applied = view.apply_ops(merging ? merged : write.ops);
  assert(applied.ok());  // the ops passed view.check (Store::check looks at the schema only)
}

void PendingWrites::push(Store& view, std::uint32_t id, std::vector<Op> ops) {
  PendingWrite& write = writes_.emplace_back();
  write.id = id;
  write.ops = std::move(ops);
  write.bases = bases_beneath(view, write.ops);
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
