// EntityImage: one entity of a store as it was at a moment (there or not, its component mask,
// its present components' field values). A ClientDB keeps images as the undo of a local write
// and compares images taken before and after a batch to find the changes it reports. Images
// hold values, not rows, so they stay valid while the store changes under them.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "theta_net/data/client_db.hpp"
#include "theta_net/data/store.hpp"

namespace theta_net::data {

using EntityKey = std::pair<std::uint16_t, EntityId>;  // (table index, entity id)

struct EntityImage {
  EntityKey key{};
  bool present = false;
  std::uint64_t mask = 0;
  std::vector<std::vector<Value>> values;  // per present component, in mask order: its fields
};

EntityImage capture_entity(const Store& store, EntityKey key);
// Ops that bring the entity from what `store` holds now back to `image` (none when equal in
// presence and mask and the image has no components; otherwise a restoring upsert).
void append_restore_ops(const Store& store, const EntityImage& image, std::vector<Op>& out);
// The changes between two images of one entity (Change's order: insert, update, remove).
void append_changes(const EntityImage& before, const EntityImage& after, const TableSpec& spec,
                    std::vector<Change>& out);
// The changes between two whole stores of compatible schemas (a snapshot swapped in), in
// (table, entity) order.
void append_store_changes(const Store& before, const Store& after, std::vector<Change>& out);
// The state hash (state_hash.hpp) of the entity an image holds; 0 for an absent one.
std::uint64_t image_state_hash(const TableSpec& spec, const EntityImage& image);
// The entity of every op, appended (repeats included: sort_unique makes a set of them).
void append_touched(const std::vector<Op>& ops, std::vector<EntityKey>& out);
void sort_unique(std::vector<EntityKey>& keys);

}  // namespace theta_net::data
