// The collaboration layer's convergence fuzz run, behind `theta-net collab fuzz` (issue 15's
// contract; docs/collaboration.md). A DataServer with signed commands holds the fuzz schema
// (collab_fuzz_workload.hpp: one table per conflict strategy); N DataClients, each with its own
// Ed25519 key, make K random writes in all over SimNet, spread over `duration` of virtual time,
// each by a writer drawn from the seed, against what that writer's mirror shows. The writes go the
// real way: ClientDB local write -> CollabClient signs it -> SimNet (loss, reordering,
// duplication, a partition) -> CollabHost checks signature, sequence and role, orders by Lamport
// clock and author -> ConflictResolver -> DataHost batches back to every mirror.
//
// A write whose writer is not ready (syncing, or reconnecting after the partition) or has too
// many unconfirmed writes waits for it. After the writes and the partition the run drains, for
// at most drain_timeout, until settled (every mirror at the server's version, ready, with no
// write or command of its own unanswered). Converged: settled, and every mirror's canonical bytes
// have the server store's SHA-256 digest (state_hash). Everything runs in virtual time from one
// seed: the same configuration gives the same report, field for field.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "theta_net/core/byte_io.hpp"
#include "theta_net/core/result.hpp"
#include "theta_net/core/time.hpp"
#include "theta_net/session/client_partition.hpp"

namespace theta_net::session {

using CollabFuzzPartition = ClientPartition;

struct CollabFuzzConfig {
  std::size_t clients = 4;
  std::uint64_t ops = 200;                         // writes in all, over every client
  std::uint64_t seed = 1;                          // every random choice (writes, keys, links)
  std::uint64_t entities = 4;                      // per table: few, so writes meet
  Micros duration = std::chrono::seconds(10);      // the writes' times are spread over it
  Micros latency = std::chrono::milliseconds(25);  // one way, each direction (50 ms RTT)
  double loss = 0;                                 // each direction, 0..1
  double reorder = 0;                              // each direction: a packet held back by 10 ms
  double duplicate = 0;                            // each direction: a second copy
  std::optional<CollabFuzzPartition> partition;
  Micros drain_timeout = std::chrono::seconds(60);
  Micros step = std::chrono::milliseconds(1);  // virtual time per driver step
  // The writes go as signed commands (the collab layer); false: the data layer's unsigned
  // DataWrites (no conflicts, no log), the baseline a benchmark compares with.
  bool signed_commands = true;
};

// Conflicts the server's resolver recorded, by the strategy of the field (every strategy of the
// fuzz schema, zero included).
struct CollabFuzzConflicts {
  std::uint64_t server = 0, lww = 0, merge_counter = 0, merge_set = 0, merge_text = 0;
  template <class F>
  void visit(F&& f) const {
    f("server", server);
    f("lww", lww);
    f("merge:counter", merge_counter);
    f("merge:set", merge_set);
    f("merge:text", merge_text);
  }
};

struct CollabFuzzWrites {
  std::uint64_t planned = 0;   // K
  std::uint64_t issued = 0;    // taken by the writers' mirrors
  std::uint64_t waiting = 0;   // planned but never issued (the writer never became ready)
  std::uint64_t accepted = 0;  // confirmed: the server committed them and the mirror holds them
  std::uint64_t refused = 0;   // refused by the server (a `server` conflict) and rolled back
  std::uint64_t lost = 0;      // rolled back unanswered (the connection was lost)
  template <class F>
  void visit(F&& f) const {
    f("planned", planned);
    f("issued", issued);
    f("waiting", waiting);
    f("accepted", accepted);
    f("refused", refused);
    f("lost", lost);
  }
};

// Write to confirmation at the writer, in virtual milliseconds (nearest-rank quantiles).
struct CollabFuzzLatency {
  double p50 = 0, p99 = 0, max = 0;
  std::uint64_t samples = 0;
  template <class F>
  void visit(F&& f) const {
    f("p50", p50);
    f("p99", p99);
    f("max", max);
    f("samples", samples);
  }
};

struct CollabFuzzReport {
  bool converged = false;
  CollabFuzzConflicts conflicts;
  std::uint64_t log_entries = 0;  // accepted commands in the server's log
  std::string state_hash;         // SHA-256 of the server store's canonical bytes, hex
  std::uint64_t clients = 0;
  std::uint64_t clients_converged = 0;  // mirrors with the server's digest
  bool settled = false;
  std::uint64_t server_version = 0;
  CollabFuzzWrites writes;
  CollabFuzzLatency confirm_latency_ms;
  std::uint64_t commands_refused = 0;  // by the CollabHost, any reason (repeats after a resume too)
  std::uint64_t reconnects = 0;
  std::uint64_t packets_dropped = 0;  // lost or partitioned by the links
  double seconds = 0;                 // virtual time the run took
  // The server's command log as a file (collab/command_log_file.hpp; empty unsigned): not in
  // the JSON; `theta-net collab fuzz --log FILE` writes it, replay_collab_fuzz_log reads it.
  Bytes command_log;

  template <class F>
  void visit(F&& f) const {
    f("converged", converged);
    f("conflicts", conflicts);
    f("log_entries", log_entries);
    f("state_hash", state_hash);
    f("clients", clients);
    f("clients_converged", clients_converged);
    f("settled", settled);
    f("server_version", server_version);
    f("writes", writes);
    f("confirm_latency_ms", confirm_latency_ms);
    f("commands_refused", commands_refused);
    f("reconnects", reconnects);
    f("packets_dropped", packets_dropped);
    f("seconds", seconds);
  }
};

// Runs the fuzz to the end (bounded: the writes' duration and the partition, then at most the
// drain timeout).
// Errors: kInvalidArgument (clients not 1..1024, ops over 1,000,000, entities not 1..1000, a
// loss, reorder or duplicate rate outside [0, 1], a duration or step that is not positive, a
// negative latency or drain timeout, a partition of a client not in the run or of no length;
// the message names the setting), and those of LocalDataSession::create.
Result<CollabFuzzReport> run_collab_fuzz(const CollabFuzzConfig& config);

// The command log as a replay source: a fresh DataServer of the fuzz schema, populated as a run
// starts, replays the log file (its conflict resolver deciding again) and returns its store's
// state_hash, which equals the run's (tested, and checked against a golden log in replays/).
// Errors: kInvalidArgument (entities not 1..1000), those of decode_command_log (a log file that
// is not one) and of CollabHost::replay (an entry the store refuses).
Result<std::string> replay_collab_fuzz_log(ByteSpan log_file, std::uint64_t entities = 4);

}  // namespace theta_net::session
