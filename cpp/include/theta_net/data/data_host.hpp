// DataHost: the server side of the data layer, sans-I/O and transport-agnostic (docs/data.md).
// It owns the authoritative Store, takes writes through transactions, closes them into versioned
// batches, keeps an archive of recent batches, and keeps one outbound queue per client:
//
//   commit(tx)      checks and applies a transaction to the store at once; its ops join the
//                   open batch
//   flush(now)      closes the open batch as the next version (a version per batch, never
//                   reused), archives it, and queues it for every synced client that is
//                   interested in a table or cell it touches (per-tick batching: the game calls
//                   flush once per tick; a latency-first server calls it every driver step)
//   on_message      DataSubscribe (full sync or catch-up from the archive), ClientReady,
//                   DataWrite (committed as the server's own transaction, answered with
//                   DataWriteResult after the batch that holds it), DataAck, DataResync (a
//                   table sync: see "Divergence check" below), NackRequest (see "Gaps")
//   drain(c, credit)  the client's next messages within `credit` bytes: snapshot chunks first
//                   (each followed by SyncProgress), then batches in version order
//
// Syncs. DataSubscribe.from_version 0 asks for a full snapshot: DataSyncBegin (mode full, the
// schema's canonical TOML, totals), then each DataSnapshotChunk followed by a SyncProgress. A
// snapshot is of a closed version: while the open batch holds ops it waits for flush. Clients
// that take everything share one snapshot per version. from_version N > 0 is served from the
// archive when it reaches back to N (DataSyncBegin mode archive, then the batches after N), else
// with a snapshot; a client restricted by cells always gets a snapshot (its view at N depends on
// where entities were, which the archive does not keep). Batches closed during a sync follow it
// in the same queue: nothing lost, nothing twice. ClientReady for the sync, once all of it was
// sent, makes the client ready; only a ready client's writes are committed.
//
// Interest (data_interest.hpp): a client taking every table and cell gets the flush's batch,
// encoded (and packed) once and shared; others get their own filtered batch, based on the last
// version sent to them (versions with nothing for them are skipped, unless one of their writes
// must be confirmed at it).
//
// Bounds. A client's queue is bounded (max_queue_bytes of messages other than its sync's, which
// are the shared snapshot's or archive's): past the bound, or when it holds bytes and nothing
// was drained or acknowledged for stalled_after, it is emptied and the client resynced when it
// next reads, from the archive when the archive still holds the version last drained to it,
// else with a snapshot. Answers to accepted writes survive (they follow the resync).
// A client that sends something malformed or out of place gets DataRefused (its sync stops until
// it subscribes again) or a refused DataWriteResult; nothing it sends touches other clients'
// queues, and it changes the store only through writes the checks and the write policy accept.
//
// Gaps (docs/data.md). A client that finds versions missing on the way (ClientDB, "Gaps") sends
// a NackRequest on the replication lane for the versions after from_version up to to_version.
// A client that is not restricted by cells gets exactly those versions again from the archive
// (its own filtered batch when it takes only some tables), queued behind what is already on its
// way (the client keeps what came after the gap). When the archive no longer reaches back, or
// the answer would not fit the client's queue bound, the client is resynced from from_version
// as for an overflow (a snapshot, or a catch-up); any resync while the gap is open (until the
// client acknowledges to_version) starts no later than from_version too. A request for an empty
// range or for versions never sent to the client is refused (bad_version); the same gap asked
// for again while its answer is on its way is answered once; a request from a client between
// syncs only moves where its coming resync starts.
//
// Divergence check (docs/data.md). A flush that closes a version publishes DataStateHash
// (state_hash_every) to every synced client, after that version's batch in its queue: the
// state hashes (state_hash.hpp) of the tables it mirrors whole (taken, not restricted by cells),
// at the version it holds once it has applied what is queued before. A client whose mirror of a
// table hashes differently sends DataResync; the host answers with a table sync (DataSyncBegin
// mode table, then the snapshot chunks of that table only, at the store's closed version, after
// flush when the open batch holds ops), and batches go on after it: the client's other tables
// are not resent. A DataResync of a table the client does not mirror whole, of a version the
// server has not closed, from a client without a sync, or past its budget (table_resync_burst,
// one more every table_resync_refill) is refused with DataRefused.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "theta_net/core/time.hpp"
#include "theta_net/data/batch_archive.hpp"
#include "theta_net/data/batch_compressor.hpp"
#include "theta_net/data/data_client_queue.hpp"
#include "theta_net/data/data_interest.hpp"
#include "theta_net/data/data_schema.hpp"
#include "theta_net/data/data_snapshot.hpp"
#include "theta_net/data/store.hpp"
#include "theta_net/data/transaction.hpp"
#include "theta_net/protocol/messages.hpp"

namespace theta_net::data {

using DataClientId = std::uint64_t;

// Whether a client may commit an op (the roles issue plugs in here); default: every op.
using DataWritePolicy = std::function<bool(DataClientId client, const Op& op)>;
// Sees the raw (uncompressed) payload of every batch the host closes: a recording from which
// BatchCompressor::train makes a dictionary.
using DataBatchRecorder = std::function<void(Version version, ByteSpan payload)>;

// The most a batch payload may hold (DataBatch's payload bound); a flush with more is closed as
// several consecutive versions, one per run of whole transactions.
inline constexpr std::size_t kMaxBatchPayloadBytes = 4u << 20;

struct DataHostConfig {
  std::size_t snapshot_chunk_bytes = 16 * 1024;
  ArchiveLimits archive;                   // recent batches kept for catch-up
  std::size_t max_queue_bytes = 4u << 20;  // per client, before it is resynced
  std::size_t max_write_bytes = 65536;     // a DataWrite payload
  std::size_t compress_above = 512;        // batches at least this big are zstd'd (if agreed)
  int compression_level = 3;
  // Full snapshots are also packed with zstd (once per version, shared) for clients that agreed
  // to compression.
  bool compress_snapshots = true;
  Micros stalled_after = std::chrono::seconds(10);  // queued bytes, no progress: stalled
  int cell_blocks = 16;            // interest cell edge (replication::InterestGrid's)
  DataWritePolicy write_policy;    // empty: every write allowed
  DataBatchRecorder record_batch;  // empty: nothing recorded
  // DataStateHash goes out after a flush whose newest version is at least this many versions
  // past the last one published (1: every flush); 0: never.
  Version state_hash_every = 1;
  // DataResync: a client may have this many table resyncs served at once, and one more every
  // table_resync_refill; past that its request is refused (not_allowed).
  std::uint32_t table_resync_burst = 4;
  Micros table_resync_refill = std::chrono::seconds(10);
};

// What the data layer's figures are made of, per client (visit() like the other metrics).
struct DataClientStats {
  std::uint64_t syncs_full = 0;
  std::uint64_t syncs_archive = 0;
  std::uint64_t syncs_table = 0;   // table resyncs served (DataResync)
  std::uint64_t state_hashes = 0;  // DataStateHash queued
  std::uint64_t overflows = 0;     // queue bound hit (each forces a resync)
  std::uint64_t stalls = 0;        // no progress for stalled_after (each forces a resync)
  std::uint64_t batches_sent = 0;
  std::uint64_t bytes_sent = 0;  // message bodies on the replication lane
  std::uint64_t writes_accepted = 0;
  std::uint64_t writes_refused = 0;
  std::uint64_t refusals = 0;        // DataRefused sent
  std::uint64_t nacks_answered = 0;  // NackRequests answered from the archive
  std::uint64_t nack_resyncs = 0;    // NackRequests answered with a resync
  std::size_t queue_bytes = 0;
  std::size_t peak_queue_bytes = 0;
  Version acked_version = 0;
  bool ready = false;  // ClientReady received for the current sync
  Micros sync_started{0}, ready_at{0};
  template <class F>
  void visit(F&& f) const {
    f("syncs_full", syncs_full);
    f("syncs_archive", syncs_archive);
    f("syncs_table", syncs_table);
    f("state_hashes", state_hashes);
    f("overflows", overflows);
    f("stalls", stalls);
    f("batches_sent", batches_sent);
    f("bytes_sent", bytes_sent);
    f("writes_accepted", writes_accepted);
    f("writes_refused", writes_refused);
    f("refusals", refusals);
    f("nacks_answered", nacks_answered);
    f("nack_resyncs", nack_resyncs);
    f("queue_bytes", queue_bytes);
    f("peak_queue_bytes", peak_queue_bytes);
    f("acked_version", acked_version);
    f("ready", ready);
  }
};

// Where a client's sync stands, for status pages: none (no subscription), syncing (a sync is
// queued, waits for a flush, or waits to restart after a dropped queue) or synced (ClientReady
// came for the current sync). The chunk and entity figures are the snapshot's as the client's
// SyncProgress messages give them once handed to the transport (0 of 0 for an archive sync).
struct DataSyncStatus {
  enum class State : std::uint8_t { kNone, kSyncing, kSynced };
  State state = State::kNone;
  std::uint32_t chunks_sent = 0;
  std::uint32_t chunks_total = 0;
  std::uint64_t entities_sent = 0;
  std::uint64_t entities_total = 0;
  Version sync_version = 0;  // the version the current sync brings the client to
  std::uint64_t forced = 0;  // full resyncs forced by the application (DataHost::resync)
};

std::string_view sync_state_name(DataSyncStatus::State state);

class DataHost {
 public:
  using ClientId = DataClientId;

  DataHost(std::shared_ptr<const DataSchema> schema, DataHostConfig config = {});
  ~DataHost();

  const DataSchema& schema() const { return store_.schema(); }
  const Store& store() const { return store_; }
  // The last version closed (the store holds it plus the open batch's ops).
  Version version() const { return store_.version(); }

  // Takes over a predecessor's store (host migration): this host's store becomes `store`, at
  // its version, and the next flush closes the version after it (versions are never reused).
  // The archive starts empty: a client holding that version catches up from it, one holding an
  // older one gets a snapshot.
  // Errors: kState (this host has clients, open ops or a closed version already),
  // kInvalidArgument (a store of another schema object than this host's).
  Status restore(const Store& store);

  // A transaction on this host's schema.
  Transaction transaction() const { return Transaction(store_.schema_ptr()); }
  // Applies a transaction's ops to the store and adds them to the open batch.
  // Errors: kLimitExceeded (its ops encode to more than kMaxBatchPayloadBytes), and those of
  // Store::check (nothing is applied then).
  Status commit(const Transaction& tx);
  // Commits ops on behalf of client `client`'s write `write_id`, checked like a DataWrite
  // (Store::check, then the write policy): they join the open batch, and the client gets an
  // accepted DataWriteResult for the write after the batch that holds it (at once, at the
  // version it will hold, when there are no ops). Without a client (nullopt: a replay, or an
  // author whose session has gone) nothing is answered and no policy applies. Signed commands
  // (collab::CollabHost) reach the store through it, their answers following their batches.
  // Errors: kInvalidArgument (no client `client`), kRejected (the write policy refuses an op:
  // the message names its entity and table), kLimitExceeded (as for commit), and those of
  // Store::check (nothing is applied then).
  Status commit_write(std::optional<ClientId> client, std::uint32_t write_id,
                      const std::vector<Op>& ops);
  // Closes the open batch (if any ops) as the next version, or as several when it is larger
  // than kMaxBatchPayloadBytes; returns the newest version closed. Also starts the full syncs
  // that waited for the open batch to close.
  std::optional<Version> flush(Micros now);

  // `compression`: the session negotiated it (batches of compress_above bytes or more go zstd'd).
  ClientId add_client(Micros now, bool compression = false);
  void remove_client(ClientId id);
  // The protocol minor the client's session speaks (the current one until told): messages newer
  // than it (DataStateHash, since 1.3) are not sent to it.
  void set_client_minor(ClientId id, std::uint16_t minor);
  std::vector<ClientId> clients() const;
  // Errors: kInvalidArgument (no client `id`, or a message the data layer does not take).
  // Refusals of well-formed but unserviceable requests are not errors: they are queued as
  // DataRefused / DataWriteResult for the client.
  Status on_message(ClientId id, const protocol::AnyMessage& message, Micros now);
  // Resyncs stalled clients: bytes queued and nothing drained or acknowledged for
  // stalled_after (the queue is dropped; the resync starts when the client reads again).
  void handle_timeout(Micros now);
  // The client's next messages within `credit` bytes of encoded bodies (see DataClientQueue).
  // A client waiting for a resync starts it here once it reads again (credit > 0).
  std::vector<protocol::AnyMessage> drain(ClientId id, std::size_t credit);
  const DataClientStats* stats(ClientId id) const;
  // Where the client's sync stands (nothing for an unknown client).
  std::optional<DataSyncStatus> sync_status(ClientId id) const;
  // Forces a full resync of a client (an operator's button): its queue is dropped as for a
  // stalled client, and once it reads again it gets a fresh snapshot (never an archive
  // catch-up), whatever it held. Accepted-write results follow the resync. A client whose full
  // sync waits for the open batch already gets one: nothing changes for it.
  // Errors: kInvalidArgument (no client `id`), kState (the client has not subscribed).
  Status resync(ClientId id);
  const BatchArchive& archive() const { return archive_; }
  // Loads a zstd dictionary (BatchCompressor::train or a file); offered to clients holding it
  // (DataSubscribe.dictionary_ids) from their next subscription.
  // Errors: those of BatchCompressor::set_dictionary.
  Status set_dictionary(Bytes dictionary);
  std::uint64_t dictionary_id() const { return compressor_.dictionary_id(); }
  // Test hook for the gap path: the next `count` batches drained to client `id` are left out
  // of what drain returns, as if lost on the way (the host believes them sent).
  void lose_batches_for_testing(ClientId id, std::uint32_t count);

 private:
  struct Client;
  struct OpenTransaction {
    std::size_t ops_end = 0, bytes_end = 0;  // where it ends in open_ops_ / open_payload_
    std::optional<std::pair<ClientId, std::uint32_t>> write;  // a client's DataWrite
  };
  struct Closed;  // one flush's batches

  // Errors: kRejected (the write policy refuses an op of `id`'s: the message names it).
  Status check_policy(ClientId id, const std::vector<Op>& ops) const;
  // Errors: kLimitExceeded, those of Store::check (see commit).
  Status commit_ops(const std::vector<Op>& ops,
                    std::optional<std::pair<ClientId, std::uint32_t>> write);
  void on_subscribe(Client& c, const protocol::DataSubscribe& subscribe, Micros now);
  void on_write(ClientId id, Client& c, const protocol::DataWrite& write);
  void on_ready(Client& c, const protocol::ClientReady& ready, Micros now);
  void on_ack(Client& c, const protocol::DataAck& ack, Micros now);
  void on_resync(Client& c, const protocol::DataResync& resync, Micros now);
  // Gaps (data_host_nacks.cpp): answered from the archive, or with a resync.
  void on_nack(Client& c, const protocol::NackRequest& nack);
  // The archived versions after `from` up to `to` as `c` is sent them (shared batches, or one
  // filtered batch); nullopt when the archive does not reach back to `from` or does not end a
  // batch at `to`, or the filtered batch is too large.
  std::optional<std::vector<SharedBatch>> archived_range(const Client& c, Version from,
                                                         Version to) const;
  void refuse(Client& c, protocol::DataRefuseReason reason, std::string text,
              std::uint64_t client_hash);
  void refuse_write(Client& c, std::uint32_t write_id, protocol::DataRefuseReason reason,
                    std::string text);

  // Queues: push returns false when the bound (for bounded entries) was hit and the queue
  // dropped; push_result queues an accepted write's result, or keeps it for after the resync.
  bool push(Client& c, QueuedData entry, bool bounded);
  void push_batch(Client& c, const SharedBatch& batch);
  void push_result(Client& c, QueuedData result);
  // `counter` counts why (overflows, stalls, forced resyncs).
  void drop_queue(Client& c, std::uint64_t& counter);

  // Syncs: start_sync picks the archive when it covers `from` (the version the client holds),
  // else a snapshot, which waits for flush while the open batch holds ops.
  void start_sync(Client& c, std::optional<Version> from);
  // Starts a sync of `c` to `version` (its state and counters) and gives its DataSyncBegin.
  protocol::DataSyncBegin begin_sync(Client& c, protocol::DataSyncMode mode, Version version);
  void queue_full_sync(Client& c);
  bool queue_archive_sync(Client& c, Version from, std::vector<SharedBatch> batches);
  void queue_retained(Client& c);
  std::uint32_t next_sync_id();
  // Divergence check (data_host_divergence.cpp): the table syncs that waited for the flush, and
  // the DataStateHash of the version it closed.
  void queue_table_sync(Client& c, std::uint16_t table);
  void publish_state_hashes(Version newest);

  // Batches for one client: the flush's shared ones, or its own filtered one.
  void deliver(ClientId id, Client& c, Closed& closed);
  protocol::DataEncoding encoding_for(const Client& c, std::size_t raw_bytes) const;
  SharedBatch pack(const SharedBatch& plain, protocol::DataEncoding encoding) const;
  std::optional<SharedBatch> filtered_batch(const Client& c, Version base, Version version,
                                            Micros committed_at, const std::vector<Op>& ops) const;

  std::shared_ptr<const DataSchema> schema_;
  DataHostConfig config_;
  Store store_;
  std::string schema_toml_;
  std::vector<Op> open_ops_;
  Bytes open_payload_;
  std::vector<OpenTransaction> open_transactions_;
  BatchArchive archive_;
  BatchCompressor compressor_;
  SpatialIndex spatial_;
  std::shared_ptr<const DataSnapshot> snapshot_cache_;  // the newest full snapshot
  std::map<ClientId, std::unique_ptr<Client>> clients_;
  ClientId next_client_ = 1;
  std::uint32_t next_sync_ = 1;
  Version hashes_published_ = 0;  // the version of the last DataStateHash published
  Micros now_{0};                 // the newest time the driver gave (drain takes none)
};

}  // namespace theta_net::data
