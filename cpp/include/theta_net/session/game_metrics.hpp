// What the reference game counts: a client's metrics, the server's, and the server's per client.
// Each names its fields (core/named_fields.hpp) by their public names, the keys of the Python
// dicts (LocalGame.client_metrics, Client.metrics, server_metrics); the means are computed here,
// once, and visited with the fields. How long ticks took is the server driver's (TickTimes).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "theta_net/core/named_fields.hpp"
#include "theta_net/netcode/input_jitter_buffer.hpp"
#include "theta_net/sim/simulation.hpp"

namespace theta_net::session {

struct ClientMetrics {
  std::uint64_t inputs_sent = 0;
  std::uint64_t bundles_sent = 0;
  std::uint64_t reconciliations = 0;  // corrections
  std::uint64_t ticks_replayed = 0;
  double error_blocks_sum = 0;  // over corrections
  double error_blocks_max = 0;
  std::uint64_t own_states = 0;  // OwnPlayerState messages compared
  double error_ms_sum = 0;       // distance / walking speed, over every comparison
  std::uint64_t chunks_loaded = 0;
  std::uint64_t chunk_diffs = 0;
  std::uint64_t chunk_errors = 0;       // blobs or diffs that did not decode or apply
  double chunk_load_ms_sum = 0;         // time a wanted chunk took to arrive
  std::uint64_t chunk_loads_timed = 0;  // wanted chunks that arrived (the sum's count)
  double chunk_load_ms_max = 0;
  std::uint64_t entity_updates = 0;
  std::uint64_t interpolation_extrapolated = 0;
  std::vector<std::string> chat;         // "sender: text"
  std::uint64_t connections = 0;         // handshakes completed
  std::uint64_t resumes = 0;             // of which the server resumed the earlier session
  std::uint64_t pauses = 0;              // times the driver woke from a pause (no burst replayed)
  std::uint64_t messages_not_sent = 0;   // chat or acks while the session was not established
  std::uint64_t event_write_errors = 0;  // lines the event stream could not take
  std::uint64_t data_errors = 0;         // data messages the mirror refused (it resubscribes)
  std::uint64_t asset_errors = 0;        // asset messages that broke the transfer's rules
  std::uint64_t permission_denied = 0;   // messages the server refused for this session's role

  // The mean prediction error in ms over every server state compared (0 before the first).
  double reconciliation_error_ms_mean() const {
    return own_states ? error_ms_sum / static_cast<double>(own_states) : 0.0;
  }
  // The mean time a wanted chunk took to arrive (0 before the first).
  double chunk_load_ms_mean() const {
    return chunk_loads_timed ? chunk_load_ms_sum / static_cast<double>(chunk_loads_timed) : 0.0;
  }

  template <class F>
  void visit(F&& f) const {
    f("inputs_sent", inputs_sent);
    f("bundles_sent", bundles_sent);
    f("reconciliations", reconciliations);
    f("ticks_replayed", ticks_replayed);
    f("reconciliation_error_blocks_sum", error_blocks_sum);
    f("reconciliation_error_blocks_max", error_blocks_max);
    f("server_states", own_states);
    f("reconciliation_error_ms_sum", error_ms_sum);
    f("reconciliation_error_ms_mean", reconciliation_error_ms_mean());
    f("chunks_loaded", chunks_loaded);
    f("chunk_diffs", chunk_diffs);
    f("chunk_errors", chunk_errors);
    f("chunk_load_ms_sum", chunk_load_ms_sum);
    f("chunk_loads_timed", chunk_loads_timed);
    f("chunk_load_ms_mean", chunk_load_ms_mean());
    f("chunk_load_ms_max", chunk_load_ms_max);
    f("entity_updates", entity_updates);
    f("interpolation_extrapolated", interpolation_extrapolated);
    f("chat", chat);
    f("connections", connections);
    f("resumes", resumes);
    f("pauses", pauses);
    f("messages_not_sent", messages_not_sent);
    f("event_write_errors", event_write_errors);
    f("data_errors", data_errors);
    f("asset_errors", asset_errors);
    f("permission_denied", permission_denied);
  }
};

struct ServerClientMetrics {
  std::uint64_t session_id = 0;
  sim::PlayerId player = 0;
  std::string name;
  netcode::InputBufferStats inputs;
  std::uint64_t chunks_sent = 0;
  std::uint64_t chunk_bytes = 0;
  std::uint64_t diffs_sent = 0;
  std::uint64_t entity_bytes = 0;           // entity deltas and replication messages
  std::uint64_t data_bytes = 0;             // data layer messages (sync, batches, results)
  std::uint64_t budget_deferred_ticks = 0;  // ticks when chunks waited for budget

  // The input buffer's stats are inlined: inputs_applied, inputs_starved, ...
  template <class F>
  void visit(F&& f) const {
    f("name", name);
    f("player", player);
    f("session_id", session_id);
    visit_inline("inputs_", inputs, f);
    f("chunks_sent", chunks_sent);
    f("chunk_bytes", chunk_bytes);
    f("diffs_sent", diffs_sent);
    f("entity_bytes", entity_bytes);
    f("data_bytes", data_bytes);
    f("budget_deferred_ticks", budget_deferred_ticks);
  }
};

// How long ticks took on the wall clock is the driver's to measure (ServerDriver::tick_times).
struct ServerMetrics {
  std::uint32_t tick = 0;
  std::size_t clients = 0;
  std::size_t entities = 0;
  std::uint64_t ticks_simulated = 0;
  std::uint64_t sends_refused = 0;        // messages the session would not queue (a lane limit)
  std::uint64_t protocol_violations = 0;  // clients closed for breaking the protocol
  // With a tick budget (GameServerConfig::tick_budget): ticks that took longer, and ticks that
  // shed work after one (no new chunks, a quarter of the entity payload). Always 0 without.
  std::uint64_t tick_overruns = 0;
  std::uint64_t ticks_shed = 0;

  template <class F>
  void visit(F&& f) const {
    f("tick", tick);
    f("clients", clients);
    f("entities", entities);
    f("ticks_simulated", ticks_simulated);
    f("sends_refused", sends_refused);
    f("protocol_violations", protocol_violations);
    f("tick_overruns", tick_overruns);
    f("ticks_shed", ticks_shed);
  }
};

}  // namespace theta_net::session
