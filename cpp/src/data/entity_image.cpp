#include "entity_image.hpp"

#include <algorithm>
#include <bit>

#include "theta_net/data/state_hash.hpp"

namespace theta_net::data {
namespace {

EntityImage capture_row(const Table& table, std::size_t row, EntityKey key) {
  EntityImage image;
  image.key = key;
  image.present = true;
  image.mask = table.mask(row);
  const auto& components = table.spec().components;
  for (std::size_t c = 0; c < components.size(); ++c) {
    if (!table.has(row, c)) continue;
    auto& fields = image.values.emplace_back();
    fields.reserve(components[c].fields.size());
    for (std::size_t f = 0; f < components[c].fields.size(); ++f) {
      fields.push_back(table.get(row, c, f));
    }
  }
  return image;
}

// Where component `c`'s values are in an image: the count of present components before it.
std::size_t slot(std::uint64_t mask, std::size_t component) {
  return static_cast<std::size_t>(std::popcount(mask & ((std::uint64_t{1} << component) - 1)));
}

std::uint64_t changed_fields(const std::vector<Value>& before, const std::vector<Value>& after) {
  // Compatible schemas may differ by appended fields: a field only one side has counts as
  // changed.
  std::uint64_t mask = 0;
  const std::size_t count = std::max(before.size(), after.size());
  for (std::size_t f = 0; f < count; ++f) {
    if (f >= before.size() || f >= after.size() || before[f] != after[f]) {
      mask |= std::uint64_t{1} << f;
    }
  }
  return mask;
}

}  // namespace

EntityImage capture_entity(const Store& store, EntityKey key) {
  const Table& table = store.table(key.first);
  if (auto row = table.find(key.second)) return capture_row(table, *row, key);
  EntityImage image;
  image.key = key;
  return image;
}

void append_restore_ops(const Store& store, const EntityImage& image, std::vector<Op>& out) {
  const Table& table = store.table(image.key.first);
  const auto row = table.find(image.key.second);
  Op op;
  op.table = image.key.first;
  op.entity = image.key.second;
  if (!image.present) {
    if (!row) return;
    op.kind = OpKind::kRemoveEntity;
    out.push_back(std::move(op));
    return;
  }
  const std::uint64_t extra = row ? table.mask(*row) & ~image.mask : 0;
  if (extra != 0) {
    Op drop = op;
    drop.kind = OpKind::kRemoveComponents;
    drop.components = extra;
    out.push_back(std::move(drop));
  }
  // An entity without components that is there already needs nothing more; one that is gone is
  // created by an upsert with no writes.
  if (image.mask == 0 && row) return;
  op.kind = OpKind::kUpsert;
  std::size_t next = 0;
  for (std::uint16_t c = 0; c < 64; ++c) {
    if (!((image.mask >> c) & 1)) continue;
    ComponentWrite write;
    write.component = c;
    const auto& values = image.values[next++];
    write.fields.reserve(values.size());
    for (std::size_t f = 0; f < values.size(); ++f) {
      write.fields.push_back(FieldWrite{static_cast<std::uint16_t>(f), values[f]});
    }
    op.writes.push_back(std::move(write));
  }
  out.push_back(std::move(op));
}

void append_changes(const EntityImage& before, const EntityImage& after, const TableSpec& spec,
                    std::vector<Change>& out) {
  if (!before.present && !after.present) return;
  Change change;
  change.table = after.key.first;
  change.entity = after.key.second;
  if (!before.present) {
    change.kind = ChangeKind::kInsert;
    change.components = after.mask;
    out.push_back(std::move(change));
    return;
  }
  if (!after.present) {
    change.kind = ChangeKind::kRemove;
    change.components = before.mask;
    out.push_back(std::move(change));
    return;
  }
  if (const std::uint64_t appeared = after.mask & ~before.mask; appeared != 0) {
    out.push_back(Change{ChangeKind::kInsert, change.table, change.entity, appeared, {}});
  }
  const std::uint64_t kept = before.mask & after.mask;
  Change update{ChangeKind::kUpdate, change.table, change.entity, 0, {}};
  for (std::size_t c = 0; c < spec.components.size(); ++c) {
    if (!((kept >> c) & 1)) continue;
    const std::uint64_t fields =
        changed_fields(before.values[slot(before.mask, c)], after.values[slot(after.mask, c)]);
    if (fields == 0) continue;
    if (update.fields.empty()) update.fields.assign(spec.components.size(), 0);
    update.fields[c] = fields;
    update.components |= std::uint64_t{1} << c;
  }
  if (update.components != 0) out.push_back(std::move(update));
  if (const std::uint64_t gone = before.mask & ~after.mask; gone != 0) {
    out.push_back(Change{ChangeKind::kRemove, change.table, change.entity, gone, {}});
  }
}

void append_store_changes(const Store& before, const Store& after, std::vector<Change>& out) {
  const std::size_t tables = std::max(before.table_count(), after.table_count());
  for (std::size_t t = 0; t < tables; ++t) {
    const auto table_index = static_cast<std::uint16_t>(t);
    const Table* old_table = t < before.table_count() ? &before.table(t) : nullptr;
    const Table* new_table = t < after.table_count() ? &after.table(t) : nullptr;
    const auto old_ids = old_table ? old_table->ids() : std::span<const EntityId>{};
    const auto new_ids = new_table ? new_table->ids() : std::span<const EntityId>{};
    const TableSpec& spec = new_table ? new_table->spec() : old_table->spec();
    // Both id lists are sorted: walk them together.
    std::size_t i = 0, j = 0;
    while (i < old_ids.size() || j < new_ids.size()) {
      const bool take_old = i < old_ids.size() && (j == new_ids.size() || old_ids[i] <= new_ids[j]);
      const bool take_new = j < new_ids.size() && (i == old_ids.size() || new_ids[j] <= old_ids[i]);
      const EntityKey key{table_index, take_old ? old_ids[i] : new_ids[j]};
      EntityImage was, now;
      was.key = now.key = key;
      if (take_old) was = capture_row(*old_table, i++, key);
      if (take_new) now = capture_row(*new_table, j++, key);
      append_changes(was, now, spec, out);
    }
  }
}

std::uint64_t image_state_hash(const TableSpec& spec, const EntityImage& image) {
  if (!image.present) return 0;
  Bytes record;
  ByteWriter out(record);
  write_entity_record(
      spec, image.key.second, image.mask,
      [&](std::size_t c, std::size_t f) -> const Value& {
        return image.values[slot(image.mask, c)][f];
      },
      out);
  return entity_record_hash(record);
}

void append_touched(const std::vector<Op>& ops, std::vector<EntityKey>& out) {
  for (const Op& op : ops) out.emplace_back(op.table, op.entity);
}

void sort_unique(std::vector<EntityKey>& keys) {
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
}

}  // namespace theta_net::data
