// BroadcastQueue: one client's outbound replication messages, bounded, drained at the pace the
// client's connection allows (the caller passes the credit: e.g. a window minus the transport's
// unacknowledged bytes). A slow or stalled client therefore never stalls the others (each has
// its own queue and credit) and never grows memory without limit:
//   - entity deltas (unreliable, each complete against an acknowledged baseline) are
//     superseded: only the newest few wait;
//   - reliable messages (snapshot chunks, component deltas) wait in order up to a byte bound;
//     a message past the bound empties the queue and flags the client for resynchronisation
//     (a fresh snapshot once it drains), instead of queueing forever.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "theta_net/protocol/frame_messages.hpp"
#include "theta_net/protocol/messages.hpp"

namespace theta_net::replication {

struct QueuedMessage {
  protocol::LaneId lane = protocol::LaneId::kReplication;
  protocol::EncodedMessage message;  // type and msgpack body
  std::uint32_t tick = 0;
};

struct BroadcastQueueLimits {
  std::size_t max_reliable_bytes = 1u << 20;  // per client
  std::size_t max_unreliable = 2;             // newest entity deltas kept
};

struct BroadcastQueueStats {
  std::uint64_t sent_messages = 0;
  std::uint64_t sent_bytes = 0;
  std::uint64_t superseded = 0;  // entity deltas dropped for newer ones
  std::uint64_t overflows = 0;   // times the reliable bound was hit (each forces a resync)
  std::size_t peak_bytes = 0;
};

class BroadcastQueue {
 public:
  explicit BroadcastQueue(BroadcastQueueLimits limits = {}) : limits_(limits) {}

  // Queues a reliable message. false when it would pass the bound: the queue is emptied of
  // reliable messages and needs_resync() is set; nothing more is queued until clear_resync().
  bool push_reliable(QueuedMessage message);
  // Queues an entity delta; the oldest waiting one goes when more than the limit wait.
  void push_unreliable(QueuedMessage message);

  // Messages in order within `credit` bytes of bodies (entity deltas first: they are small and
  // the freshest state). A reliable message larger than any credit still goes out when the
  // credit is at least that message (never split; never skipped).
  std::vector<QueuedMessage> drain(std::size_t credit);

  bool needs_resync() const { return resync_; }
  void clear_resync() { resync_ = false; }
  bool empty() const { return reliable_.empty() && unreliable_.empty(); }
  std::size_t bytes() const { return reliable_bytes_ + unreliable_bytes_; }
  std::size_t reliable_messages() const { return reliable_.size(); }
  const BroadcastQueueStats& stats() const { return stats_; }

 private:
  BroadcastQueueLimits limits_;
  std::deque<QueuedMessage> reliable_, unreliable_;
  std::size_t reliable_bytes_ = 0, unreliable_bytes_ = 0;
  bool resync_ = false;
  BroadcastQueueStats stats_;
};

}  // namespace theta_net::replication
