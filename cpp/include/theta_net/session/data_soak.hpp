// The data layer's soak and load tool (issue 14's contract, like redis-benchmark or pgbench for
// this layer), behind `theta-net data soak`: a DataServer holding E entities (the soak workload's
// schema), N DataClients named c0..c<N-1>, and W writes per second for S seconds, split between
// server transactions and the clients' local writes, every choice from one seed.
//   sim    SimNet in virtual time (a minute runs in seconds); latency and loss are each client's
//          link, both directions; a partition is scheduled on one client's link
//   quic   a QuicServer and QuicClients on 127.0.0.1 for S seconds of wall time; latency, loss
//          and a partition go through one UdpRelay per client when any is given
// After S seconds the writes stop and the run drains, for at most drain_timeout after the later
// of S and the partition's end, until every mirror holds the server's version with no write of
// its own unconfirmed. Converged: every mirror equals the server's store, byte for byte.
// Every client and the server read one clock (virtual, or one steady clock), so the broadcast
// latency (commit on the server to applied at a client) subtracts times of the same clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "theta_net/core/result.hpp"
#include "theta_net/core/time.hpp"
#include "theta_net/data/data_host.hpp"
#include "theta_net/session/client_partition.hpp"
#include "theta_net/session/local_network.hpp"

namespace theta_net::session {

using SoakPartition = ClientPartition;

struct DataSoakConfig {
  std::size_t clients = 4;
  std::uint64_t entities = 1000;
  Micros duration = std::chrono::seconds(10);
  double writes_per_second = 100;
  NetworkKind network = NetworkKind::kSim;
  Micros latency{0};  // one way, each direction
  double loss = 0;    // each direction, 0..1
  std::optional<SoakPartition> partition;
  std::uint64_t seed = 1;
  double server_share = 0.5;                        // of the writes, made by the server
  Micros drain_timeout = std::chrono::seconds(30);  // for every mirror to catch up
  Micros step{0};                                   // 0 = 1 ms (sim), 2 ms (quic)
  Micros flush_interval{0};                         // 0 = every step (DataServerConfig)
  std::uint64_t bytes_per_second = 0;               // per client; 0 = the server's default
  std::uint64_t entities_per_transaction = 1000;    // of the initial population
  // Sees every batch the server closes (raw payloads): a recording to train a dictionary from.
  data::DataBatchRecorder record_batch;
  // A zstd dictionary the server offers and every client holds (empty: none).
  Bytes dictionary;
  // The clients' writes go as signed commands (DataServerConfig/DataClientConfig
  // signed_commands): what signing costs, against the same run without it.
  bool signed_commands = false;
};

struct SoakLatency {
  double p50 = 0, p99 = 0, max = 0;  // milliseconds
  std::uint64_t samples = 0;
  template <class F>
  void visit(F&& f) const {
    f("p50", p50);
    f("p99", p99);
    f("max", max);
    f("samples", samples);
  }
};

struct SoakSyncTimes {
  double p50 = 0, max = 0;  // seconds
  std::uint64_t syncs = 0;
  template <class F>
  void visit(F&& f) const {
    f("p50", p50);
    f("max", max);
    f("syncs", syncs);
  }
};

struct SoakCatchups {
  std::uint64_t archive = 0;  // syncs from the archive (a client came back a little behind)
  std::uint64_t full = 0;     // full syncs after a client's first (too far behind, or overflowed)
  template <class F>
  void visit(F&& f) const {
    f("archive", archive);
    f("full", full);
  }
};

struct SoakWrites {
  std::uint64_t planned = 0;           // W x S
  std::uint64_t server = 0;            // committed by the server's application
  std::uint64_t server_refused = 0;    // server writes its store refused (removing the absent)
  std::uint64_t client = 0;            // local writes the clients' mirrors took
  std::uint64_t client_fallbacks = 0;  // a client's turn it could not take (not ready, or full)
  std::uint64_t accepted = 0;          // client writes the server committed
  std::uint64_t refused = 0;           // client writes the server refused
  std::uint64_t lost = 0;  // client writes rolled back unanswered (their connection was lost)
  template <class F>
  void visit(F&& f) const {
    f("planned", planned);
    f("server", server);
    f("server_refused", server_refused);
    f("client", client);
    f("client_fallbacks", client_fallbacks);
    f("accepted", accepted);
    f("refused", refused);
    f("lost", lost);
  }
};

struct DataSoakReport {
  bool converged = false;
  std::uint64_t clients = 0;
  std::uint64_t clients_converged = 0;
  std::uint64_t server_version = 0;
  SoakLatency broadcast_latency_ms;
  SoakSyncTimes full_sync_s;
  SoakCatchups catchups;
  std::uint64_t peak_queue_bytes = 0;
  std::uint64_t wire_bytes_per_client = 0;  // both directions, on the wire, mean over clients
  std::uint64_t data_bytes_per_client = 0;  // message bodies the server drained, mean
  std::string transport;
  std::uint64_t entities = 0;  // in the server's store at the end
  double seconds = 0;          // of writes
  double drain_s = 0;          // from the end of the writes until settled (or gave up)
  bool settled = false;        // every mirror reached the server's version in time
  SoakWrites writes;
  std::uint64_t batches_sent = 0;  // to all clients
  std::uint64_t overflows = 0;     // client queues that hit their bound
  std::uint64_t stalls = 0;        // clients resynced after making no progress
  std::uint64_t reconnects = 0;    // client connections lost and redialled
  std::uint64_t resumes = 0;       // sessions resumed
  std::uint64_t protocol_violations = 0;
  std::uint64_t packets_dropped = 0;  // by the links or relays
  std::uint64_t server_store_bytes = 0;
  std::uint64_t client_store_bytes = 0;  // mean over clients
  std::uint64_t divergences = 0;         // mirror tables whose state hash differed (docs/data.md)
  std::uint64_t table_resyncs = 0;       // table syncs that repaired them

  template <class F>
  void visit(F&& f) const {
    f("converged", converged);
    f("clients", clients);
    f("clients_converged", clients_converged);
    f("server_version", server_version);
    f("broadcast_latency_ms", broadcast_latency_ms);
    f("full_sync_s", full_sync_s);
    f("catchups", catchups);
    f("peak_queue_bytes", peak_queue_bytes);
    f("wire_bytes_per_client", wire_bytes_per_client);
    f("data_bytes_per_client", data_bytes_per_client);
    f("transport", transport);
    f("entities", entities);
    f("seconds", seconds);
    f("drain_s", drain_s);
    f("settled", settled);
    f("writes", writes);
    f("batches_sent", batches_sent);
    f("overflows", overflows);
    f("stalls", stalls);
    f("reconnects", reconnects);
    f("resumes", resumes);
    f("protocol_violations", protocol_violations);
    f("packets_dropped", packets_dropped);
    f("server_store_bytes", server_store_bytes);
    f("client_store_bytes", client_store_bytes);
    f("divergences", divergences);
    f("table_resyncs", table_resyncs);
  }
};

// Runs a soak to the end (bounded: S seconds, then at most the drain timeout).
// Errors: kInvalidArgument (no clients or more than 1024, no entities, a duration that is not
// positive, a negative or non-finite write rate, a loss or server share outside [0, 1], a
// partition of a client not in the run or of no length), and those of LocalDataSession::create
// and add_client (quic: kIo when a socket cannot be bound).
Result<DataSoakReport> run_data_soak(const DataSoakConfig& config);

}  // namespace theta_net::session
