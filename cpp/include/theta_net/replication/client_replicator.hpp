// ClientReplicator: the server side of the entities lane for one client. At the entity update
// rate (10 Hz by default) it compares the world, seen through the client's interest, with the
// newest view the client acknowledged; ranks the differences with a PriorityAccumulator; and
// codes as many of them as fit the datagram and the client's token-bucket budget into one
// EntityDelta. What does not fit waits (and gains priority); every packet's resulting view is
// recorded as a future baseline.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "theta_net/protocol/messages.hpp"
#include "theta_net/replication/baseline_history.hpp"
#include "theta_net/replication/entity_codec.hpp"
#include "theta_net/replication/interest_grid.hpp"
#include "theta_net/replication/priority_accumulator.hpp"
#include "theta_net/replication/token_bucket.hpp"

namespace theta_net::replication {

// The largest payload that keeps an EntityDelta datagram frame within 1,149 bytes whatever its
// tick and sequence numbers: 1,149 - 16 (frame: magic, version, flags, type, 5-byte sequence,
// 2-byte length, CRC) - 19 (body: array header, three 5-byte u32s, 3-byte bin header).
inline constexpr std::size_t kMaxEntityPayloadBytes = 1114;
// What a packet costs besides its payload, charged to the budget (frame, fields, lane byte).
inline constexpr std::size_t kEntityPacketOverhead = 36;

struct ClientReplicatorConfig {
  Micros update_interval{std::chrono::milliseconds(100)};  // 10 Hz
  std::size_t max_payload_bytes = kMaxEntityPayloadBytes;
  std::uint64_t bytes_per_second = kDefaultBytesPerSecond;
  std::uint64_t burst_bytes = 0;  // 0: TokenBucket's default
  std::size_t history = kDefaultBaselineHistory;
  PriorityConfig priority;
};

struct ClientReplicatorStats {
  std::uint64_t packets = 0;
  std::uint64_t payload_bytes = 0;
  std::uint64_t entities_sent = 0;       // changes carried
  std::uint64_t deferred = 0;            // changes that had to wait, summed over packets
  std::uint64_t full_state_packets = 0;  // coded against nothing
  std::uint64_t budget_waits = 0;        // updates skipped for want of budget
  std::uint64_t encodes = 0;             // payloads coded to find what fits (1 or more a packet)
};

class ClientReplicator {
 public:
  explicit ClientReplicator(std::shared_ptr<const Schema> schema,
                            ClientReplicatorConfig config = {});

  // The client's acknowledgement (InputBundle.last_server_tick).
  bool acknowledge(std::uint32_t tick) { return history_.acknowledge(tick); }
  bool due(Micros now) const { return !started_ || now >= next_due_; }

  // The client's next packet, if one is due at `now` and the budget allows: the world as the
  // client sees it (`visible`, from InterestGrid::visible), against the newest acknowledged
  // view. server_tick must increase from call to call.
  std::optional<protocol::EntityDelta> update(const WorldState& world,
                                              std::span<const VisibleEntity> visible,
                                              std::uint32_t server_tick, Micros now,
                                              std::uint32_t last_input_sequence = 0);

  // Caps the payload of the next packets below the configured maximum (a server shedding load:
  // the highest-priority changes go, the rest keep accumulating priority); SIZE_MAX: no cap.
  void set_payload_cap(std::size_t bytes) { payload_cap_ = bytes; }
  // Changes that did not fit the last packet.
  std::size_t pending() const { return pending_; }
  const BaselineHistory& history() const { return history_; }
  const ClientReplicatorStats& stats() const { return stats_; }
  const PriorityAccumulator& priorities() const { return priority_; }
  // Forgets what the client holds (it reconnected): the next packet is full state.
  void reset() { history_.clear(); }

 private:
  std::shared_ptr<const Schema> schema_;
  ClientReplicatorConfig config_;
  EntityCodec codec_;
  BaselineHistory history_;
  PriorityAccumulator priority_;
  std::size_t payload_cap_ = SIZE_MAX;
  TokenBucket bucket_;
  bool started_ = false;
  Micros next_due_{0};
  std::size_t pending_ = 0;
  // The last packet's bytes per entity in 1/16 bytes, to guess how many fit.
  static constexpr std::size_t kPerEntityScale = 16;
  std::size_t sixteenths_per_entity_ = 8 * kPerEntityScale;
  ClientReplicatorStats stats_;
  // Scratch, kept to avoid reallocating every update.
  std::vector<EntityId> visible_ids_;
  std::vector<EntityChange> changes_;
  std::vector<PriorityCandidate> candidates_;
  std::vector<EntityChange> selected_, best_selected_;  // update's tries
  std::vector<std::size_t> picked_;
  Bytes payload_;
};

}  // namespace theta_net::replication
