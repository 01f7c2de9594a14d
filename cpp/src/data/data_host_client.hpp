// DataHost's per-client state, shared by the files that implement DataHost (data_host.cpp: the
// store side and the queues; data_host_sync.cpp: syncs; data_host_requests.cpp: what clients
// send).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "theta_net/data/data_host.hpp"

namespace theta_net::data {

// Write results kept across a dropped queue, at most (an honest client has at most its
// ClientDbConfig::max_pending_writes unanswered; the oldest go first past this).
inline constexpr std::size_t kMaxRetainedResults = 1024;

struct DataHost::Client {
  enum class Phase : std::uint8_t {
    kIdle = 0,     // no subscription, or refused: nothing flows but answers to what it sends
    kPending = 1,  // a full sync waits for the open batch to close (flush)
    kActive = 2,   // a sync is queued; batches follow it
    kResync = 3,   // the queue was dropped; a sync starts when the client reads again
  };

  explicit Client(const DataSchema& schema) : interest(schema) {}

  Phase phase = Phase::kIdle;
  bool compression = false;     // negotiated by the session
  bool use_dictionary = false;  // it holds the host's dictionary
  DataInterest interest;
  std::uint64_t client_hash = 0;  // its schema hash, for refusals
  std::uint32_t sync_id = 0;
  Version sync_version = 0;
  bool sync_drained = false;  // every message of the current sync handed to the transport
  bool may_write = false;     // ClientReady since its DataSubscribe
  // The version it holds once it has applied everything queued / everything drained (nullopt:
  // in the middle of a snapshot, or nothing known).
  Version queued_version = 0;
  std::optional<Version> delivered;
  Version max_drained = 0;  // the highest version ever drained to it (bounds DataAck)
  DataClientQueue queue;
  std::vector<QueuedData> retained;  // accepted-write results waiting for the next sync
  std::uint16_t protocol_minor = protocol::kProtocolMinor;
  // Divergence check: table resyncs left in the budget (and when it last grew), and the tables
  // whose resync waits for the open batch to close.
  std::uint32_t resync_budget = 0;
  Micros resync_refilled{0};
  std::vector<std::uint16_t> tables_waiting;
  Micros last_progress{0};
  // The gap (from, to] whose NackRequest was answered, until the client acknowledges `to` or a
  // sync begins; a resync meanwhile starts no later than `from` (drop_queue).
  std::optional<std::pair<Version, Version>> gap;
  std::uint32_t lose_batches = 0;  // lose_batches_for_testing
  DataClientStats stats;
  DataSyncStatus sync;  // its state is derived (sync_status); the figures are kept here
};

// `text` cut to `max` bytes without splitting a UTF-8 sequence (wire texts are bounded).
std::string bounded_text(std::string text, std::size_t max = 1024);
// A hash as messages name it, "0x" and 16 hex digits (one definition for the data layer, in
// client_db.cpp; ClientDB's refusals print hashes the same way).
std::string hex64(std::uint64_t value);

}  // namespace theta_net::data
