// GameServer's side of telemetry: a client's TelemetryReport goes to the TelemetryAggregator; a
// slow-frame alert it raises is recorded as a slow_frame event (through the session records, so
// a replay of the input log writes it again where it was) and logged for status pages. A report
// the aggregator refuses (frame times out of range, a bad counter name) or drops (too soon) is
// only counted there: telemetry is advice, and a client is not closed for it.
#include <cmath>

#include "game_server_client.hpp"
#include "theta_net/session/game_server.hpp"
#include "theta_net/session/session_control.hpp"

namespace theta_net::session {
namespace {

// Milliseconds at microsecond resolution: the event stream shows 83.125, not the f32's
// 83.12500762939453 (the value is rounded the same way on every build).
double ms3(double ms) {
  return std::round(ms * 1000.0) / 1000.0;
}

}  // namespace

void GameServer::on_telemetry(Client& c, const protocol::TelemetryReport& report) {
  Result<std::optional<SlowFrameAlert>> taken = telemetry_.on_report(c.session_id, report, now_);
  if (!taken.ok() || !*taken) return;
  const SlowFrameAlert& alert = **taken;
  replay::Event record(world_.tick() + 1, "slow_frame");
  record.entity(c.player)
      .set("session", session_hex(c.session_id))
      .set("client_tick", std::int64_t{alert.client_tick})
      .set("frame_ms_p50", ms3(alert.frame_ms_p50))
      .set("frame_ms_p99", ms3(alert.frame_ms_p99))
      .set("threshold_ms", ms3(alert.threshold_ms));
  world_.record_session(record);
  NetworkLogEntry entry = log_entry(NetworkLogKind::kSlowFrame, c.session_id);
  if (entry.name.empty()) entry.name = c.name;
  entry.ok = false;
  entry.detail =
      str_cat("frame p99 ", ms3(alert.frame_ms_p99), " ms over ", ms3(alert.threshold_ms),
              " ms (p50 ", ms3(alert.frame_ms_p50), " ms, client tick ", alert.client_tick, ")");
  network_log_.add(std::move(entry));
}

}  // namespace theta_net::session
