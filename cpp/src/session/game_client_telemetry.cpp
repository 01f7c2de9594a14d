// GameClient's TelemetryReports: when one is due, the game's own figures are set as counters
// (prediction, interpolation, chunks, the mirror, memory held) beside the application's, and the
// report carries the session's heartbeat RTT and jitter and the message bytes of the current
// connection. The frame times are the application's (it draws the frames): without them the
// quantiles are 0 and the "frames" counter says so.
#include "theta_net/session/game_client.hpp"

namespace theta_net::session {
namespace {

// The message bytes of the current connection each way, over every message type.
std::pair<std::uint64_t, std::uint64_t> message_bytes(const SessionClient& session) {
  std::uint64_t in = 0, out = 0;
  if (const MessageTypeCounters* counters = session.message_counters()) {
    for (const MessageTypeStats& s : *counters) {
      in += s.bytes_received;
      out += s.bytes_sent;
    }
  }
  return {in, out};
}

}  // namespace

void GameClient::send_telemetry(Micros now) {
  if (telemetry_.interval() <= Micros{0}) return;
  const ClientMetrics& m = metrics_;
  // The names are the game's; set_counter cannot refuse them but when an application has taken
  // every slot, and then the application's figures win.
  const std::pair<const char*, double> figures[] = {
      {"predict.corrections", static_cast<double>(m.reconciliations)},
      {"predict.ticks_replayed", static_cast<double>(m.ticks_replayed)},
      {"predict.error_ms_mean", m.reconciliation_error_ms_mean()},
      {"interp.entity_updates", static_cast<double>(m.entity_updates)},
      {"interp.extrapolated", static_cast<double>(m.interpolation_extrapolated)},
      {"interp.remote_players", static_cast<double>(remote_.size())},
      {"chunks.loaded", static_cast<double>(m.chunks_loaded)},
      {"chunks.load_ms_mean", m.chunk_load_ms_mean()},
      {"data.pending_writes", static_cast<double>(data_.pending_writes())},
      {"memory.chunk_bytes", static_cast<double>(chunks_.size() * sizeof(world::Chunk::blocks))},
  };
  for (const auto& [name, value] : figures) (void)telemetry_.set_counter(name, value);
  TelemetryLink link;
  link.tick = last_own_tick_;
  link.rtt = session_.rtt();
  link.jitter = session_.jitter();
  std::tie(link.bytes_in, link.bytes_out) = message_bytes(session_);
  if (std::optional<protocol::TelemetryReport> report = telemetry_.poll(now, link)) {
    if (!session_.send(*report).ok()) ++metrics_.messages_not_sent;
  }
}

}  // namespace theta_net::session
