// The registry of replicated component types, and the Schema it freezes into.
//
// Registration is deduplicated (registering the same type twice is a no-op; the same name with
// other fields is an error) and independent of order: a Schema lists its types by id, so two
// programs that register the same types in any order agree on every index and every byte.
// A Schema is immutable and shared (std::shared_ptr<const Schema>) by the world states, codecs
// and trackers built on it; a session fixes its schema before replication starts.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "theta_net/replication/component_type.hpp"

namespace theta_net::replication {

inline constexpr std::size_t kMaxComponentTypes = 64;  // a component mask is one u64

class Schema {
 public:
  // Types in any order; duplicates of one type are merged, conflicting ones are an error.
  // Errors: kInvalidArgument (two types with one id but different names, or one type given
  // twice with different fields), kLimitExceeded (more than kMaxComponentTypes distinct types).
  static Result<std::shared_ptr<const Schema>> make(std::vector<ComponentType> types);
  // A schema from descriptors received from a peer (a tool that knows no types itself).
  // Errors: kLimitExceeded (more than kMaxComponentTypes descriptors), and those of
  // ComponentType::from_descriptor and of make.
  static Result<std::shared_ptr<const Schema>> from_descriptors(
      std::span<const protocol::ComponentDescriptor> descriptors);

  std::size_t size() const { return types_.size(); }
  const ComponentType& type(std::size_t index) const { return types_[index]; }
  const std::vector<ComponentType>& types() const { return types_; }
  std::optional<std::size_t> index_of(ComponentId id) const;
  std::optional<std::size_t> index_of_name(std::string_view name) const;
  // A component's first slot in an entity row, and the row width (all components' slots).
  int row_offset(std::size_t index) const { return row_offsets_[index]; }
  int row_slots() const { return row_slots_; }
  // SipHash-2-4 over every type's id and layout, in order: equal schemas, equal fingerprints.
  std::uint64_t fingerprint() const { return fingerprint_; }

  // Checks a received descriptor against this schema's type of the same id.
  // Errors: kCorrupt (no type of that id here, or one with another name or layout).
  Status check_descriptor(const protocol::ComponentDescriptor& descriptor) const;

 private:
  std::vector<ComponentType> types_;
  std::vector<int> row_offsets_;
  int row_slots_ = 0;
  std::uint64_t fingerprint_ = 0;
};

class ComponentRegistry {
 public:
  // Registers a type; returns its id. Idempotent for an identical type.
  // Errors: kInvalidArgument (a registered type with the same id but another name or other
  // fields), kLimitExceeded (kMaxComponentTypes types are registered already).
  Result<ComponentId> add(ComponentType type);
  // The same for a type made from `name` and `fields`.
  // Errors: those of ComponentType::make and of add(ComponentType).
  Result<ComponentId> add(std::string name, std::vector<FieldDescriptor> fields);

  const ComponentType* find(ComponentId id) const;
  std::size_t size() const { return types_.size(); }
  // The registered types, frozen and ordered by id.
  std::shared_ptr<const Schema> schema() const;

 private:
  std::vector<ComponentType> types_;  // in registration order; schema() sorts
};

}  // namespace theta_net::replication
