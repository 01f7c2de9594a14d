#include "theta_net/replication/component_registry.hpp"

#include <algorithm>
#include <utility>

#include "theta_net/core/siphash.hpp"

namespace theta_net::replication {
namespace {

// Merges `type` into `types`: a no-op for an identical type, an error for a conflicting one.
Result<bool> merge_type(std::vector<ComponentType>& types, ComponentType type) {
  for (const auto& existing : types) {
    if (existing.id() != type.id()) continue;
    if (existing.name() != type.name()) {
      return make_error(ErrorCode::kInvalidArgument, "component ids collide: '", existing.name(),
                        "' and '", type.name(), "'");
    }
    if (existing.fields() != type.fields()) {
      return make_error(ErrorCode::kInvalidArgument, "component '", type.name(),
                        "' registered twice with different fields");
    }
    return false;
  }
  if (types.size() >= kMaxComponentTypes) {
    return make_error(ErrorCode::kLimitExceeded, "at most ", kMaxComponentTypes,
                      " component types; cannot add '", type.name(), "'");
  }
  types.push_back(std::move(type));
  return true;
}

}  // namespace

Result<std::shared_ptr<const Schema>> Schema::make(std::vector<ComponentType> types) {
  std::vector<ComponentType> merged;
  for (auto& t : types) THETA_TRY(merge_type(merged, std::move(t)));
  std::sort(merged.begin(), merged.end(),
            [](const ComponentType& a, const ComponentType& b) { return a.id() < b.id(); });
  auto schema = std::make_shared<Schema>();
  Bytes canonical;
  ByteWriter w(canonical);
  for (const auto& t : merged) {
    schema->row_offsets_.push_back(schema->row_slots_);
    schema->row_slots_ += t.slots();
    w.u64le(t.id());
    const Bytes layout = t.layout();
    w.u32le(static_cast<std::uint32_t>(layout.size()));
    w.bytes(layout);
  }
  schema->fingerprint_ = siphash24(SipKey{0, 0}, canonical);
  schema->types_ = std::move(merged);
  return std::shared_ptr<const Schema>(std::move(schema));
}

Result<std::shared_ptr<const Schema>> Schema::from_descriptors(
    std::span<const protocol::ComponentDescriptor> descriptors) {
  if (descriptors.size() > kMaxComponentTypes) {
    return make_error(ErrorCode::kLimitExceeded, descriptors.size(),
                      " component descriptors; at most ", kMaxComponentTypes);
  }
  std::vector<ComponentType> types;
  for (const auto& d : descriptors) {
    THETA_TRY_ASSIGN(auto type, ComponentType::from_descriptor(d));
    types.push_back(std::move(type));
  }
  return make(std::move(types));
}

std::optional<std::size_t> Schema::index_of(ComponentId id) const {
  auto it = std::lower_bound(types_.begin(), types_.end(), id,
                             [](const ComponentType& t, ComponentId v) { return t.id() < v; });
  if (it == types_.end() || it->id() != id) return std::nullopt;
  return static_cast<std::size_t>(it - types_.begin());
}

std::optional<std::size_t> Schema::index_of_name(std::string_view name) const {
  return index_of(component_id(name));
}

Status Schema::check_descriptor(const protocol::ComponentDescriptor& descriptor) const {
  const auto index = index_of(descriptor.component);
  if (!index) {
    return make_error(ErrorCode::kCorrupt, "descriptor of unknown component '", descriptor.name,
                      "' (id ", descriptor.component, ")");
  }
  const ComponentType& local = types_[*index];
  if (descriptor.name != local.name() || descriptor.layout != local.layout()) {
    return make_error(ErrorCode::kCorrupt, "descriptor of component '", descriptor.name,
                      "' differs from this side's layout of it");
  }
  return {};
}

Result<ComponentId> ComponentRegistry::add(ComponentType type) {
  const ComponentId id = type.id();
  THETA_TRY(merge_type(types_, std::move(type)));
  return id;
}

Result<ComponentId> ComponentRegistry::add(std::string name, std::vector<FieldDescriptor> fields) {
  THETA_TRY_ASSIGN(auto type, ComponentType::make(std::move(name), std::move(fields)));
  return add(std::move(type));
}

const ComponentType* ComponentRegistry::find(ComponentId id) const {
  for (const auto& t : types_) {
    if (t.id() == id) return &t;
  }
  return nullptr;
}

std::shared_ptr<const Schema> ComponentRegistry::schema() const {
  // Every type here was merged already, so making the schema cannot fail.
  return Schema::make(types_).value();
}

}  // namespace theta_net::replication
