// ClientDB: a client's mirror of a DataHost's store, sans-I/O (docs/data.md). It answers queries
// from memory, fires subscriptions after each batch is applied whole, and applies local writes
// at once (optimistically), sends them, and rebases them on every batch from the server until
// the server confirms or refuses each (Replicache's model; server-authoritative).
//
//   subscribe()          the first DataSubscribe (or one after a pause / reconnect: from the
//                        version held, so the server can catch it up from its archive)
//   on_message()         DataSyncBegin, DataSnapshotChunk, SyncProgress, DataBatch,
//                        DataWriteResult, DataRefused
//   take_outgoing()      DataSubscribe, ClientReady, DataWrite, DataAck to send
//
// The mirror decodes with the schema the server sent (its canonical TOML), after checking it is
// compatible with the schema the application expects; a batch that does not follow the version
// held (a gap) makes the mirror ask for the batches after its version instead of applying it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "theta_net/core/time.hpp"
#include "theta_net/data/batch_compressor.hpp"
#include "theta_net/data/data_schema.hpp"
#include "theta_net/data/store.hpp"
#include "theta_net/data/transaction.hpp"
#include "theta_net/protocol/messages.hpp"

namespace theta_net::data {

enum class SyncState : std::uint8_t {
  kIdle = 0,      // no subscription sent yet
  kSyncing = 1,   // waiting for / receiving a full snapshot
  kCatchingUp = 2,  // receiving archived batches
  kReady = 3,     // applied everything up to the sync's version; live batches follow
  kRefused = 4,   // the server refused (refusal() says why)
};
std::string_view sync_state_name(SyncState state);

enum class ChangeKind : std::uint8_t { kInsert = 0, kUpdate = 1, kRemove = 2 };

// One change to the mirror's view, reported after a batch (or a local write) is applied whole.
struct Change {
  ChangeKind kind = ChangeKind::kUpdate;
  std::uint16_t table = 0;
  EntityId entity = 0;
  std::uint64_t components = 0;  // components inserted, updated or removed
  // Updated fields, per updated component (bit f = field f changed): [component] -> mask.
  std::vector<std::uint64_t> fields;
};

struct SyncStatus {
  SyncState state = SyncState::kIdle;
  std::uint32_t sync_id = 0;
  Version target_version = 0;  // of the current sync
  std::uint64_t entities_done = 0, entities_total = 0;
  std::uint64_t bytes_done = 0, bytes_total = 0;
};

struct ClientDbConfig {
  std::vector<std::string> tables;  // subscribed; empty = all
  std::vector<protocol::Vec3i> cells;
  Micros ack_interval = std::chrono::milliseconds(100);
  std::size_t max_pending_writes = 256;
  std::size_t max_snapshot_bytes = 512u << 20;
};

class ClientDB {
 public:
  using Callback = std::function<void(const Change&)>;
  using SubscriptionId = std::uint64_t;

  // `expected` is the schema the application was written for.
  ClientDB(std::shared_ptr<const DataSchema> expected, ClientDbConfig config = {});

  void subscribe(Micros now);
  // Errors: kInvalidArgument (a message the mirror does not take), kCorrupt / kTruncated / ...
  // (a payload that fails to decode: the mirror is unchanged and resubscribes), kState (a
  // message out of its sync's order).
  Status on_message(const protocol::AnyMessage& message, Micros now);
  // Periodic DataAck.
  void handle_timeout(Micros now);
  std::vector<protocol::AnyMessage> take_outgoing();
  // The session was lost and came back (or the driver saw a pause): resubscribe from the
  // version held.
  void on_reconnect(Micros now);

  // The view: the server's store with this client's unconfirmed writes on top.
  const Store& view() const { return view_; }
  const DataSchema& schema() const { return view_.schema(); }  // the server's
  Version version() const { return confirmed_version_; }  // last server version applied
  const SyncStatus& status() const { return status_; }
  const std::string& refusal() const { return refusal_; }

  // Local writes: applied to the view now, sent, rebased until the server answers.
  // Errors: kState (not ready, or max_pending_writes unconfirmed), and those of Store::check.
  Result<std::uint32_t> write(const Transaction& tx);
  std::size_t pending_writes() const;
  // Writes the server refused since the last call: (write id, reason text).
  std::vector<std::pair<std::uint32_t, std::string>> take_refused_writes();

  // Callbacks after each applied batch / local write, for a table, one entity of it, or one
  // field of one component (then only updates that change the field, and inserts/removes).
  // Errors: kInvalidArgument (no such table, component or field in the server's schema).
  Result<SubscriptionId> on_table(std::string_view table, Callback callback);
  Result<SubscriptionId> on_entity(std::string_view table, EntityId entity, Callback callback);
  Result<SubscriptionId> on_field(std::string_view table, std::string_view component,
                                  std::string_view field, Callback callback);
  void unsubscribe(SubscriptionId id);

  // Counters and latency samples (commit on the server -> applied here, in the server's clock
  // as the batch carries it; meaningful when both share a clock, as SimNet and loopback do).
  std::uint64_t batches_applied() const { return batches_applied_; }
  std::uint64_t bytes_received() const { return bytes_received_; }
  std::vector<Micros> take_latency_samples();

 private:
  struct Impl;
  std::shared_ptr<const DataSchema> expected_;
  ClientDbConfig config_;
  Store view_;
  Version confirmed_version_ = 0;
  SyncStatus status_;
  std::string refusal_;
  std::uint64_t batches_applied_ = 0, bytes_received_ = 0;
  std::unique_ptr<Impl> impl_;
};

}  // namespace theta_net::data
