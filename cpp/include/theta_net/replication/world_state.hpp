// WorldState: the quantized replicated state of a set of entities, as the server sends it and a
// client holds it. Entities are kept sorted by id, each with a component mask (bit k = the
// schema's component k is present) and one row of codes (Schema::row_slots() int64s; the slots
// of absent components are 0). Sorted flat arrays make diffs a linear merge, iteration order
// independent of any hash map, and equal states byte-identical (canonical_bytes()).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "theta_net/replication/component_registry.hpp"

namespace theta_net::replication {

using ComponentMask = std::uint64_t;

class WorldState {
 public:
  explicit WorldState(std::shared_ptr<const Schema> schema);

  const Schema& schema() const { return *schema_; }
  const std::shared_ptr<const Schema>& schema_ptr() const { return schema_; }

  std::size_t size() const { return ids_.size(); }
  bool empty() const { return ids_.empty(); }
  EntityId id(std::size_t index) const { return ids_[index]; }
  ComponentMask mask(std::size_t index) const { return masks_[index]; }
  std::span<const EntityId> ids() const { return ids_; }
  std::span<const std::int64_t> row(std::size_t index) const {
    return {codes_.data() + index * slots_, static_cast<std::size_t>(slots_)};
  }
  std::span<const std::int64_t> codes(std::size_t index, std::size_t component) const {
    return {codes_.data() + index * slots_ + schema_->row_offset(component),
            static_cast<std::size_t>(schema_->type(component).slots())};
  }
  // The entity's index, if present.
  std::optional<std::size_t> find(EntityId id) const;
  bool has(EntityId id, std::size_t component) const;

  // Adds an entity without components (a no-op if present); returns its index.
  std::size_t add_entity(EntityId id);
  // Sets a component from codes, adding the entity if needed.
  // Errors: kOutOfRange (a component index past the schema, or a code outside its field's
  // range), kInvalidArgument (not exactly the component's slot count of codes).
  Status set_codes(EntityId id, std::size_t component, std::span<const std::int64_t> codes);
  // Quantizes raw values (see FieldDescriptor) and sets the component.
  void set_raw(EntityId id, std::size_t component, std::span<const std::int64_t> raw);
  // The same at a known index (the hot path of a game loop filling its state every tick).
  void set_codes_at(std::size_t index, std::size_t component, std::span<const std::int64_t> codes);
  // Dequantized values of a present component.
  void get_raw(std::size_t index, std::size_t component, std::span<std::int64_t> raw) const;
  bool remove_component(EntityId id, std::size_t component);
  bool remove_entity(EntityId id);
  void clear();
  void reserve(std::size_t entities);
  std::size_t capacity() const { return ids_.capacity(); }  // entities held without reallocating

  // Appends an entity whose id is greater than every id present (decoders, bulk builds); the
  // caller guarantees the codes are valid and absent components' slots are zero.
  void append(EntityId id, ComponentMask mask, std::span<const std::int64_t> row);
  // Appends `from`'s entities [begin, end) (ids greater than every id present; same schema).
  void append_range(const WorldState& from, std::size_t begin, std::size_t end);
  // Overwrites the mask and whole row at an index (the caller keeps the invariants).
  void assign_at(std::size_t index, ComponentMask mask, std::span<const std::int64_t> row);

  // Schema fingerprint, count, then per entity: id, mask and the present components' codes
  // (zigzag varints). Equal states have equal bytes.
  Bytes canonical_bytes() const;
  // SipHash-2-4 of canonical_bytes(): a compact fingerprint for logs and convergence checks.
  std::uint64_t digest() const;
  // Heap bytes held (for the memory-per-entity figure).
  std::size_t memory_bytes() const;

  bool operator==(const WorldState& other) const;

 private:
  std::size_t insert_at(std::size_t pos, EntityId id);

  std::shared_ptr<const Schema> schema_;
  int slots_ = 0;
  std::vector<EntityId> ids_;
  std::vector<ComponentMask> masks_;
  std::vector<std::int64_t> codes_;
};

}  // namespace theta_net::replication
