#include "theta_net/replication/world_state.hpp"

#include <algorithm>
#include <utility>

#include "theta_net/core/siphash.hpp"
#include "theta_net/core/varint.hpp"

namespace theta_net::replication {

WorldState::WorldState(std::shared_ptr<const Schema> schema)
    : schema_(std::move(schema)), slots_(schema_->row_slots()) {}

std::optional<std::size_t> WorldState::find(EntityId id) const {
  auto it = std::lower_bound(ids_.begin(), ids_.end(), id);
  if (it == ids_.end() || *it != id) return std::nullopt;
  return static_cast<std::size_t>(it - ids_.begin());
}

bool WorldState::has(EntityId id, std::size_t component) const {
  const auto index = find(id);
  return index && (masks_[*index] >> component & 1);
}

std::size_t WorldState::insert_at(std::size_t pos, EntityId id) {
  ids_.insert(ids_.begin() + static_cast<std::ptrdiff_t>(pos), id);
  masks_.insert(masks_.begin() + static_cast<std::ptrdiff_t>(pos), 0);
  codes_.insert(codes_.begin() + static_cast<std::ptrdiff_t>(pos * slots_),
                static_cast<std::size_t>(slots_), 0);
  return pos;
}

std::size_t WorldState::add_entity(EntityId id) {
  if (ids_.empty() || ids_.back() < id) return insert_at(ids_.size(), id);
  auto it = std::lower_bound(ids_.begin(), ids_.end(), id);
  const auto pos = static_cast<std::size_t>(it - ids_.begin());
  if (it != ids_.end() && *it == id) return pos;
  return insert_at(pos, id);
}

Status WorldState::set_codes(EntityId id, std::size_t component,
                             std::span<const std::int64_t> codes) {
  if (component >= schema_->size()) {
    return make_error(ErrorCode::kOutOfRange, "component index ", component, " is not below ",
                      schema_->size());
  }
  const ComponentType& type = schema_->type(component);
  if (codes.size() != static_cast<std::size_t>(type.slots())) {
    return make_error(ErrorCode::kInvalidArgument, "component '", type.name(), "' takes ",
                      type.slots(), " codes, got ", codes.size());
  }
  THETA_TRY(type.check_codes(codes));
  set_codes_at(add_entity(id), component, codes);
  return {};
}

void WorldState::set_raw(EntityId id, std::size_t component, std::span<const std::int64_t> raw) {
  const ComponentType& type = schema_->type(component);
  const std::size_t index = add_entity(id);
  std::int64_t* out = codes_.data() + index * slots_ + schema_->row_offset(component);
  type.quantize(raw, {out, static_cast<std::size_t>(type.slots())});
  masks_[index] |= ComponentMask{1} << component;
}

void WorldState::set_codes_at(std::size_t index, std::size_t component,
                              std::span<const std::int64_t> codes) {
  std::copy(codes.begin(), codes.end(),
            codes_.begin() +
                static_cast<std::ptrdiff_t>(index * slots_ + schema_->row_offset(component)));
  masks_[index] |= ComponentMask{1} << component;
}

void WorldState::get_raw(std::size_t index, std::size_t component,
                         std::span<std::int64_t> raw) const {
  schema_->type(component).dequantize(codes(index, component), raw);
}

bool WorldState::remove_component(EntityId id, std::size_t component) {
  const auto index = find(id);
  if (!index || !(masks_[*index] >> component & 1)) return false;
  masks_[*index] &= ~(ComponentMask{1} << component);
  auto begin = codes_.begin() +
               static_cast<std::ptrdiff_t>(*index * slots_ + schema_->row_offset(component));
  std::fill(begin, begin + schema_->type(component).slots(), 0);
  return true;
}

bool WorldState::remove_entity(EntityId id) {
  const auto index = find(id);
  if (!index) return false;
  const auto pos = static_cast<std::ptrdiff_t>(*index);
  ids_.erase(ids_.begin() + pos);
  masks_.erase(masks_.begin() + pos);
  codes_.erase(codes_.begin() + pos * slots_, codes_.begin() + (pos + 1) * slots_);
  return true;
}

void WorldState::clear() {
  ids_.clear();
  masks_.clear();
  codes_.clear();
}

void WorldState::reserve(std::size_t entities) {
  ids_.reserve(entities);
  masks_.reserve(entities);
  codes_.reserve(entities * slots_);
}

void WorldState::append(EntityId id, ComponentMask mask, std::span<const std::int64_t> row) {
  ids_.push_back(id);
  masks_.push_back(mask);
  codes_.insert(codes_.end(), row.begin(), row.end());
}

void WorldState::append_range(const WorldState& from, std::size_t begin, std::size_t end) {
  if (begin >= end) return;
  const auto b = static_cast<std::ptrdiff_t>(begin), e = static_cast<std::ptrdiff_t>(end);
  ids_.insert(ids_.end(), from.ids_.begin() + b, from.ids_.begin() + e);
  masks_.insert(masks_.end(), from.masks_.begin() + b, from.masks_.begin() + e);
  codes_.insert(codes_.end(), from.codes_.begin() + b * slots_, from.codes_.begin() + e * slots_);
}

void WorldState::assign_at(std::size_t index, ComponentMask mask,
                           std::span<const std::int64_t> row) {
  masks_[index] = mask;
  std::copy(row.begin(), row.end(), codes_.begin() + static_cast<std::ptrdiff_t>(index * slots_));
}

Bytes WorldState::canonical_bytes() const {
  Bytes out;
  out.reserve(16 + ids_.size() * (17 + slots_));
  ByteWriter w(out);
  w.u64le(schema_->fingerprint());
  w.u64le(ids_.size());
  for (std::size_t i = 0; i < ids_.size(); ++i) {
    w.u64le(ids_[i]);
    w.u64le(masks_[i]);
    for (std::size_t k = 0; k < schema_->size(); ++k) {
      if (!(masks_[i] >> k & 1)) continue;
      for (std::int64_t code : codes(i, k)) write_svarint(w, code);
    }
  }
  return out;
}

std::uint64_t WorldState::digest() const {
  return siphash24(SipKey{0, 0}, canonical_bytes());
}

std::size_t WorldState::memory_bytes() const {
  return ids_.capacity() * sizeof(EntityId) + masks_.capacity() * sizeof(ComponentMask) +
         codes_.capacity() * sizeof(std::int64_t);
}

bool WorldState::operator==(const WorldState& other) const {
  return schema_->fingerprint() == other.schema_->fingerprint() && ids_ == other.ids_ &&
         masks_ == other.masks_ && codes_ == other.codes_;
}

}  // namespace theta_net::replication
