// DataClientQueue: one DataHost client's outbound messages, in order, drained within a credit of
// encoded body bytes (BroadcastQueue's rule: a message goes when the credit covers it, is never
// split, and nothing overtakes it). Messages are shared and immutable: a batch every client
// takes is one object in every queue (and in the archive). Snapshot chunks stay references into
// the shared snapshot until they reach the head of the queue, where the client's own
// DataSnapshotChunk is built; so a full sync costs a client's queue one chunk at a time.
//
// Each entry says what draining it does to what the client holds, so the host knows the last
// version handed to the transport (a resync from the archive starts there).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "theta_net/data/data_snapshot.hpp"
#include "theta_net/protocol/messages.hpp"

namespace theta_net::data {

struct QueuedData {
  enum class Effect : std::uint8_t {
    kNone = 0,
    kSnapshotStarts = 1,  // the client drops what it holds and receives a snapshot
    kDelivers = 2,        // afterwards the client holds `version`
  };
  std::shared_ptr<const protocol::AnyMessage> message;  // null: a chunk not built yet
  std::size_t body_bytes = 0;                           // of the encoded message, once built
  std::shared_ptr<const DataSnapshot> snapshot;         // a chunk: its snapshot and index
  std::uint32_t chunk = 0;
  std::uint32_t sync_id = 0;
  Effect effect = Effect::kNone;
  Version version = 0;
  bool ends_sync = false;  // the last message of a sync
  // Part of a sync: its bytes are the shared snapshot's or archive's, so they do not count
  // against the client's queue bound (live_bytes), only in bytes().
  bool sync = false;
};

// A queued message (shared) with its encoded body size measured once.
QueuedData queued_message(protocol::AnyMessage message);
// Whether a queued message is a DataWriteResult accepting a write (it must follow the batch
// that holds the write).
bool is_accepted_result(const QueuedData& entry);

class DataClientQueue {
 public:
  void push(QueuedData entry);
  // Entries from the head while the credit covers them (building the head chunk first).
  std::vector<QueuedData> drain(std::size_t credit);
  // Empties the queue, returning the answers it held (DataWriteResult, DataRefused), in order.
  std::vector<QueuedData> clear_keeping_answers();

  bool empty() const { return entries_.empty(); }
  std::size_t size() const { return entries_.size(); }
  // Encoded bodies of the built messages waiting (chunks count once built at the head).
  std::size_t bytes() const { return bytes_; }
  // The same for the messages that are not part of a sync (what the queue bound limits).
  std::size_t live_bytes() const { return live_bytes_; }

 private:
  void build_head();
  std::deque<QueuedData> entries_;
  std::size_t bytes_ = 0, live_bytes_ = 0;
};

}  // namespace theta_net::data
