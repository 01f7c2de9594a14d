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
//                   DataWriteResult after the batch that holds it), DataAck
//   drain(c, credit)  the client's next messages within `credit` bytes: snapshot chunks first
//                   (each followed by SyncProgress), then batches in version order
//
// A client's queue is bounded (bytes): past the bound it is emptied and the client resynced,
// from the archive when the archive still holds what it lacks, else with a full snapshot.
// A client that sends something malformed or out of place gets DataRefused and stays connected;
// nothing it sends touches other clients' state.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "theta_net/core/time.hpp"
#include "theta_net/data/batch_archive.hpp"
#include "theta_net/data/batch_compressor.hpp"
#include "theta_net/data/data_schema.hpp"
#include "theta_net/data/store.hpp"
#include "theta_net/data/transaction.hpp"
#include "theta_net/protocol/messages.hpp"

namespace theta_net::data {

struct DataHostConfig {
  std::size_t snapshot_chunk_bytes = 16 * 1024;
  ArchiveLimits archive;                     // recent batches kept for catch-up
  std::size_t max_queue_bytes = 4u << 20;    // per client, before it is resynced
  std::size_t max_write_bytes = 65536;       // a DataWrite payload
  std::size_t compress_above = 512;          // batches at least this big are zstd'd (if agreed)
  int compression_level = 3;
  Micros stalled_after = std::chrono::seconds(10);  // no DataAck while behind: stalled
};

// What the data layer's figures are made of, per client (visit() like the other metrics).
struct DataClientStats {
  std::uint64_t syncs_full = 0;
  std::uint64_t syncs_archive = 0;
  std::uint64_t overflows = 0;  // queue bound hit (each forces a resync)
  std::uint64_t batches_sent = 0;
  std::uint64_t bytes_sent = 0;  // message bodies on the replication lane
  std::uint64_t writes_accepted = 0;
  std::uint64_t writes_refused = 0;
  std::uint64_t refusals = 0;  // DataRefused sent
  std::size_t queue_bytes = 0;
  std::size_t peak_queue_bytes = 0;
  Version acked_version = 0;
  bool ready = false;  // ClientReady received for the current sync
  Micros sync_started{0}, ready_at{0};
  template <class F>
  void visit(F&& f) const {
    f("syncs_full", syncs_full);
    f("syncs_archive", syncs_archive);
    f("overflows", overflows);
    f("batches_sent", batches_sent);
    f("bytes_sent", bytes_sent);
    f("writes_accepted", writes_accepted);
    f("writes_refused", writes_refused);
    f("refusals", refusals);
    f("queue_bytes", queue_bytes);
    f("peak_queue_bytes", peak_queue_bytes);
    f("acked_version", acked_version);
    f("ready", ready);
  }
};

class DataHost {
 public:
  using ClientId = std::uint64_t;

  DataHost(std::shared_ptr<const DataSchema> schema, DataHostConfig config = {});

  const DataSchema& schema() const { return store_.schema(); }
  const Store& store() const { return store_; }
  // The version the next flush will close (store().version() + 1 when ops are open).
  Version version() const { return store_.version(); }

  // A transaction on this host's schema.
  Transaction transaction() const { return Transaction(store_.schema_ptr()); }
  // Applies a transaction's ops to the store and adds them to the open batch.
  // Errors: those of Store::check (nothing is applied then).
  Status commit(const Transaction& tx);
  // Closes the open batch (if any ops) as the next version; returns it.
  std::optional<Version> flush(Micros now);

  ClientId add_client(Micros now);
  void remove_client(ClientId id);
  std::vector<ClientId> clients() const;
  // Errors: kInvalidArgument (no client `id`, or a message the data layer does not take).
  // Refusals of well-formed but unserviceable requests are not errors: they are queued as
  // DataRefused / DataWriteResult for the client.
  Status on_message(ClientId id, const protocol::AnyMessage& message, Micros now);
  // Checks for stalled clients (queue non-empty, no DataAck for stalled_after).
  void handle_timeout(Micros now);
  std::vector<protocol::AnyMessage> drain(ClientId id, std::size_t credit);
  const DataClientStats* stats(ClientId id) const;
  const BatchArchive& archive() const { return archive_; }
  // Loads a zstd dictionary (BatchCompressor::train or a file); offered to clients holding it.
  Status set_dictionary(Bytes dictionary);

 private:
  struct Client;
  // (members left to the implementation)
  std::shared_ptr<const DataSchema> schema_;
  DataHostConfig config_;
  Store store_;
  std::vector<Op> open_ops_;
  BatchArchive archive_;
  std::map<ClientId, std::unique_ptr<Client>> clients_;
  ClientId next_client_ = 1;
};

}  // namespace theta_net::data
