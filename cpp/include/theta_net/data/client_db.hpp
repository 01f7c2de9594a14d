// ClientDB: a client's mirror of a DataHost's store, sans-I/O (docs/data.md). It answers queries
// from memory, fires subscriptions after each batch is applied whole, and applies local writes
// at once (optimistically), sends them, and rebases them on every batch from the server until
// the server confirms or refuses each (Replicache's model; server-authoritative).
//
//   subscribe()          the first DataSubscribe (or one after a pause / reconnect: from the
//                        version held, so the server can catch it up from its archive)
//   on_message()         DataSyncBegin, DataSnapshotChunk, SyncProgress, DataBatch,
//                        DataWriteResult, DataRefused, DataStateHash
//   take_outgoing()      DataSubscribe, ClientReady, DataWrite, DataAck, DataResync to send
//
// The mirror decodes with the schema the server sent (its canonical TOML), after checking it is
// compatible with the schema the application expects.
//
// Gaps (docs/data.md). A batch based on a version past the one held means batches went
// missing. The mirror keeps it (and those after it, bounded by max_held_back_bytes) and sends
// one NackRequest on the replication lane for exactly the missing versions, from the version
// held to that batch's base; the server answers with those batches from its archive (the kept
// ones then apply in order) or with a resync. A session older than protocol 1.4, a gap the
// bound cannot hold, or a NackRequest unanswered for nack_timeout makes the mirror ask for
// everything after its version instead (DataSubscribe), as does a batch that merges versions
// the mirror partly holds.
//
// A local write is pending from write() until the server answers it: accepted (it leaves the
// pending list once the view's store holds the version that committed it), refused (rolled
// back, listed by take_refused_writes), or lost with the connection (on_reconnect: rolled back,
// listed by take_lost_writes; if the server had committed it, its batches bring the effect).
// Pending writes are undone and re-applied around every server batch that touches the same
// entities, so the view is always the server's state with this client's pending writes on top.
//
// Divergence check (docs/data.md): a DataStateHash of the version the mirror holds is compared,
// table by table, with the state hashes of its confirmed mirror (the view without the pending
// writes). A table that differs is reported (take_divergences, divergences()) and asked for
// again with one DataResync until the server's table sync (DataSyncBegin mode table and that
// table's snapshot chunks) replaces it; the change callbacks then fire for what the repair
// changed.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "theta_net/core/byte_io.hpp"
#include "theta_net/core/time.hpp"
#include "theta_net/data/data_schema.hpp"
#include "theta_net/data/store.hpp"
#include "theta_net/data/transaction.hpp"
#include "theta_net/protocol/messages.hpp"

namespace theta_net::data {

enum class SyncState : std::uint8_t {
  kIdle = 0,        // no subscription sent yet
  kSyncing = 1,     // waiting for / receiving a full snapshot
  kCatchingUp = 2,  // receiving archived batches
  kReady = 3,       // applied everything up to the sync's version; live batches follow
  kRefused = 4,     // the server refused, or the mirror refused the server's schema or snapshot
                    // (refusal() says why); subscribe() tries again
};
std::string_view sync_state_name(SyncState state);

enum class ChangeKind : std::uint8_t { kInsert = 0, kUpdate = 1, kRemove = 2 };

// One change to the mirror's view, reported after a batch (or a local write) is applied whole,
// found by comparing each touched entity before and after. An entity gives up to three, in this
// order: kInsert (components that appeared; all of them when the entity itself appeared),
// kUpdate (fields that changed in components it kept), kRemove (components that went; all it
// had when the entity itself went). Changes come in (table, entity id) order.
struct Change {
  ChangeKind kind = ChangeKind::kUpdate;
  std::uint16_t table = 0;
  EntityId entity = 0;
  std::uint64_t components = 0;  // components inserted, updated or removed
  // Updated fields, per updated component (bit f = field f changed): [component] -> mask.
  // Sized to the table's component count for an update, empty otherwise.
  std::vector<std::uint64_t> fields;
  bool operator==(const Change&) const = default;
};

// A table whose confirmed mirror hashed differently from the server's DataStateHash.
struct Divergence {
  std::uint16_t table = 0;
  Version version = 0;
  std::uint64_t server_hash = 0, local_hash = 0;
  bool operator==(const Divergence&) const = default;
};

// How the view shows a pending local write to a field whose conflict strategy is a merge, once a
// server batch changed the field beneath it: the merge of base (the field beneath the write when
// it was made), mine (what the write set) and theirs (the field beneath it now). nullopt, or a
// value the field does not take, shows mine. The data layer only declares strategies; the
// merges themselves are collab's (collab::MergeRegistry::pending_write_merge), the same the
// server commits with, so the view already shows what the server will hold.
using PendingFieldMerge =
    std::function<std::optional<Value>(const FieldSpec& field, const ConflictStrategy& strategy,
                                       const Value& base, const Value& mine, const Value& theirs)>;

struct SyncStatus {
  SyncState state = SyncState::kIdle;
  std::uint32_t sync_id = 0;
  Version target_version = 0;  // of the current sync
  std::uint64_t entities_done = 0, entities_total = 0;
  std::uint64_t bytes_done = 0, bytes_total = 0;
};

// Dictionaries a mirror can hold (DataSubscribe announces at most this many).
inline constexpr std::size_t kMaxHeldDictionaries = 16;

struct ClientDbConfig {
  std::vector<std::string> tables;  // subscribed; empty = all
  std::vector<protocol::Vec3i> cells;
  Micros ack_interval = std::chrono::milliseconds(100);
  std::size_t max_pending_writes = 256;
  std::size_t max_snapshot_bytes = 512u << 20;
  // Gaps: batch payload bytes kept after a gap while its NackRequest is answered, and how long
  // that answer may take before the mirror resubscribes instead.
  std::size_t max_held_back_bytes = 8u << 20;
  Micros nack_timeout = std::chrono::seconds(2);
};

class ClientDB {
 public:
  using Callback = std::function<void(const Change&)>;
  using SubscriptionId = std::uint64_t;

  // `expected` is the schema the application was written for.
  ClientDB(std::shared_ptr<const DataSchema> expected, ClientDbConfig config = {});
  ~ClientDB();
  ClientDB(const ClientDB&) = delete;
  ClientDB& operator=(const ClientDB&) = delete;

  // Queues a DataSubscribe: from version 0 (a full snapshot) until a sync has completed, then
  // from the version held (the server catches the mirror up from its archive when it can).
  void subscribe(Micros now);
  // Takes one message of the data layer. Refusals (the server's DataRefused, or a server
  // schema that is not compatible with the expected one) are not errors: status() says
  // kRefused and refusal() why. A gap in the versions makes the mirror ask for the missing
  // versions (see "Gaps" above), and a duplicate batch is ignored; neither is an error.
  // Errors: kInvalidArgument (a message the mirror does not take); kCorrupt (a batch whose
  // version is not above its base, a snapshot that breaks its sync's announcement: a chunk
  // index out of order or past the count, a non-upsert op, an entity twice, an entity count
  // other than announced; a schema hash that does not match the schema text), kLimitExceeded
  // (a snapshot past max_snapshot_bytes: the mirror refuses it; a table sync's: it
  // resubscribes), and those of decode_ops, BatchCompressor::decompress and
  // DataSchema::from_toml (for a payload or schema text that fails to decode: the mirror is
  // unchanged and resubscribes, or for the schema refuses);
  // kState (a message out of its sync's order: a chunk or progress without its DataSyncBegin
  // or of another sync, a batch before any sync or during a snapshot, an archive sync for a
  // mirror that holds no store of that schema: it asks for a full sync, an archive sync with
  // no batches to a version past the one held: it asks again, a batch packed with a
  // dictionary it does not hold: it resubscribes, a result for a write that is not pending; a
  // table sync for a mirror with no complete store, of another schema or behind the version
  // held, or a batch during a table sync: it resubscribes); kCorrupt also for a DataStateHash
  // or table sync naming a table past the schema (the latter resubscribes).
  Status on_message(const protocol::AnyMessage& message, Micros now);
  // Queues a DataAck every ack_interval when the version moved since the last one; resubscribes
  // when a NackRequest went unanswered for nack_timeout.
  void handle_timeout(Micros now);
  // The protocol minor the session speaks (the current one until told): below 4 the server
  // cannot answer a NackRequest for versions, so a gap resubscribes.
  void set_protocol_minor(std::uint16_t minor);
  std::vector<protocol::AnyMessage> take_outgoing();
  // The session was lost and came back (or the driver saw a pause): every pending write is
  // rolled back (its fate is unknown: take_lost_writes lists it, and the server's batches carry
  // its effect if it was committed), queued messages are dropped, and the mirror resubscribes
  // from the version held.
  void on_reconnect(Micros now);

  // The view: the server's store with this client's unconfirmed writes on top.
  const Store& view() const { return view_; }
  // The server's schema once a sync began; the expected one before.
  const DataSchema& schema() const { return view_.schema(); }
  // The last server version applied (the view holds it, plus the pending writes).
  Version version() const { return view_.version(); }
  const SyncStatus& status() const { return status_; }
  const std::string& refusal() const { return refusal_; }

  // Loads a zstd dictionary (trained from recorded batches); its id is announced in the next
  // DataSubscribe, and batches packed with it can then be read.
  // Errors: kLimitExceeded (kMaxHeldDictionaries held already), and those of
  // BatchCompressor::set_dictionary.
  Status load_dictionary(Bytes dictionary);

  // Local writes: applied to the view now, sent, rebased until the server answers.
  // Errors: kState (not ready, or max_pending_writes unconfirmed), kInvalidArgument (an empty
  // transaction, or one built on a schema not compatible with the server's), kLimitExceeded (a
  // payload over DataWrite's bound in schemas/theta.toml, 65,536 bytes), and those of
  // Store::check.
  Result<std::uint32_t> write(const Transaction& tx);
  std::size_t pending_writes() const;
  // Sets (or clears, with an empty function) the merge pending writes are re-applied with after
  // each server batch; it applies from the next rebase on.
  void set_pending_merge(PendingFieldMerge merge);
  // Writes the server refused since the last call: (write id, reason text). They are rolled
  // back from the view.
  std::vector<std::pair<std::uint32_t, std::string>> take_refused_writes();
  // Writes rolled back unanswered since the last call (a reconnect, or a DataRefused).
  std::vector<std::uint32_t> take_lost_writes();

  // Callbacks after each applied batch / local write / rollback, for a table, one entity of it,
  // or one field of one component (then only updates that change the field, and inserts and
  // removes of its component). Names are resolved in schema(). A callback may query the view,
  // write, and subscribe or unsubscribe (a subscription added in a callback first hears of the
  // next change).
  // Errors: kInvalidArgument (no such table, component or field in the schema, or an empty
  // callback).
  Result<SubscriptionId> on_table(std::string_view table, Callback callback);
  Result<SubscriptionId> on_entity(std::string_view table, EntityId entity, Callback callback);
  Result<SubscriptionId> on_field(std::string_view table, std::string_view component,
                                  std::string_view field, Callback callback);
  void unsubscribe(SubscriptionId id);

  // Counters and latency samples (commit on the server -> applied here, in the server's clock
  // as the batch carries it; meaningful when both share a clock, as SimNet and loopback do).
  // Samples are taken for batches applied while ready (not for archive catch-up).
  std::uint64_t batches_applied() const { return batches_applied_; }
  std::uint64_t bytes_received() const { return bytes_received_; }  // batch and chunk payloads
  std::vector<Micros> take_latency_samples();
  // Gaps: NackRequests sent for missing versions, and gaps their answers filled.
  std::uint64_t nacks_sent() const;
  std::uint64_t gaps_filled() const;

  // Divergence check. The state hash (state_hash.hpp) of table `table` (an index below
  // schema().tables().size()) in the confirmed mirror: the server's version held, without this
  // client's pending writes on top. DataStateHash is compared with it.
  std::uint64_t confirmed_table_hash(std::size_t table) const;
  // Tables found diverged since the last call (the most recent 1,024), each asked for again.
  std::vector<Divergence> take_divergences();
  std::uint64_t state_hashes_checked() const;  // DataStateHash of the version held, compared
  std::uint64_t divergences() const;           // tables found diverged (a DataResync each)
  std::uint64_t table_resyncs() const;         // table syncs applied
  // Test hook: changes the confirmed mirror behind the server's back, under the pending writes,
  // without moving the version or calling the callbacks, as a lost batch or a bug would.
  // Errors: those of Store::check (nothing is changed then).
  Status corrupt_for_testing(const std::vector<Op>& ops);

 private:
  struct Impl;
  std::shared_ptr<const DataSchema> expected_;
  ClientDbConfig config_;
  Store view_;  // a completed snapshot is moved in: references to it stay valid
  SyncStatus status_;
  std::string refusal_;
  std::uint64_t batches_applied_ = 0, bytes_received_ = 0;
  std::unique_ptr<Impl> impl_;
};

}  // namespace theta_net::data
