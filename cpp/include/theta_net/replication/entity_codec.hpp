// EntityCodec: the entity delta bitstream, the payload of protocol::EntityDelta on the
// unreliable entities lane. It codes a WorldState against a baseline WorldState that the client
// is known to hold (an acknowledged snapshot, or the empty state for full state); the client
// decodes it against the same baseline into exactly the server's codes.
//
// The payload is one adaptive range-coded stream (bit_model_coder.hpp), models fresh per packet:
//   1. which baseline entities changed or left: a context-coded bitmask over the baseline, or
//      Elias-gamma gaps between their indices (relative indices), whichever costs less (1 bit
//      says which; the cost is counted exactly before choosing);
//   2. spawned entity ids: a count, then gaps (ids ascending, none in the baseline);
//   3. per changed entity: despawn flag, or per component touched / removed / inserted flags
//      and, per field, a change flag (the field change mask) and the delta from the baseline:
//      sign and Elias-gamma magnitude, whose contexts follow the entity's previous delta;
//      quaternions (smallest three) as deltas of the three components when the largest
//      component stays, else absolute;
//   4. per spawned entity: present components, each field as a delta from the value coded
//      before it in this packet (neighbouring entities are alike).
// A packet in which nothing changed is the empty payload's 1-2 bytes at most.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <vector>

#include "theta_net/core/byte_io.hpp"
#include "theta_net/replication/world_state.hpp"

namespace theta_net::replication {

// One entity that differs between baseline and current: present in either or both.
struct EntityChange {
  static constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
  std::uint32_t baseline = kNone;  // index in the baseline
  std::uint32_t current = kNone;   // index in the current state
  bool spawn() const { return baseline == kNone; }
  bool despawn() const { return current == kNone; }
  bool operator==(const EntityChange&) const = default;
};

struct EntityCodecLimits {
  std::size_t max_entities = 1u << 16;  // entities a decoded state may hold
};

namespace detail {
struct PacketModels;
}

class EntityCodec {
 public:
  explicit EntityCodec(std::shared_ptr<const Schema> schema, EntityCodecLimits limits = {});

  const Schema& schema() const { return *schema_; }

  // Every entity that differs, in id order. With `visible` (sorted ids), the current state is
  // seen through it: entities outside are absent (so a baseline entity outside despawns).
  static void diff(const WorldState& baseline, const WorldState& current,
                   std::vector<EntityChange>& out,
                   const std::span<const EntityId>* visible = nullptr);

  // Codes `changes` (a subset of diff(), in id order) and appends the payload to `out`.
  void encode(const WorldState& baseline, const WorldState& current,
              std::span<const EntityChange> changes, Bytes& out) const;
  // Codes every difference.
  Bytes encode(const WorldState& baseline, const WorldState& current) const;

  // What the client holds after decoding encode(baseline, current, changes): the baseline with
  // those changes applied. The server keeps it as that client's view.
  static WorldState apply(const WorldState& baseline, const WorldState& current,
                          std::span<const EntityChange> changes);
  // The same into `out` (cleared first; its buffers are reused).
  static void apply_into(const WorldState& baseline, const WorldState& current,
                         std::span<const EntityChange> changes, WorldState& out);

  // Border: decodes a payload against `baseline`. Any inconsistency (an index or id out of
  // range or order, a code outside its field, more entities than the limit, a payload that ends
  // early) is an error naming it, and nothing is returned.
  // Errors: kInvalidArgument (a baseline of another schema), kCorrupt (more changed entities
  // than the baseline holds, a spawned id the baseline has, bytes after the end), kOutOfRange (a
  // changed index past the baseline, a spawned id out of range, a delta of 2^62 or more, a code
  // leaving its field's range), kLimitExceeded (more entities than the limits allow),
  // kTruncated (the payload ends before its last entity).
  Result<WorldState> decode(const WorldState& baseline, ByteSpan payload) const;

 private:
  std::shared_ptr<const Schema> schema_;
  EntityCodecLimits limits_;
  // Every packet starts from fresh adaptive models: built once, copied per packet.
  std::shared_ptr<const detail::PacketModels> fresh_models_;
};

}  // namespace theta_net::replication
