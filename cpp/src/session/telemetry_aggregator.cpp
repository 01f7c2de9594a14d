#include "theta_net/session/telemetry_aggregator.hpp"

#include <algorithm>

#include "theta_net/session/telemetry_reporter.hpp"

namespace theta_net::session {

Result<std::optional<SlowFrameAlert>> TelemetryAggregator::on_report(
    std::uint64_t session_id, const protocol::TelemetryReport& report, Micros now) {
  ClientTelemetry& c = clients_[session_id];
  if (Status valid = check_telemetry_report(report); !valid.ok()) {
    ++c.refused;
    ++totals_.refused;
    return std::move(valid).error();
  }
  if (c.reports > 0 && now - c.last_time < config_.min_report_interval) {
    ++c.dropped;
    ++totals_.dropped;
    return std::optional<SlowFrameAlert>{};
  }
  ++c.reports;
  ++totals_.reports;
  c.last_time = now;
  c.last = report;
  c.frame_ms_p50_sum += report.frame_ms_p50;
  c.frame_ms_p99_max = std::max<double>(c.frame_ms_p99_max, report.frame_ms_p99);
  const bool slow = config_.slow_frame_ms > 0 && report.frame_ms_p99 > config_.slow_frame_ms;
  if (!slow) return std::optional<SlowFrameAlert>{};
  ++c.slow_reports;
  if (c.last_alert && now - *c.last_alert < config_.alert_cooldown) {
    return std::optional<SlowFrameAlert>{};
  }
  c.last_alert = now;
  ++c.alerts;
  ++totals_.alerts;
  return std::optional<SlowFrameAlert>{SlowFrameAlert{session_id, report.tick, report.frame_ms_p50,
                                                      report.frame_ms_p99, config_.slow_frame_ms}};
}

const ClientTelemetry* TelemetryAggregator::client(std::uint64_t session_id) const {
  const auto it = clients_.find(session_id);
  return it == clients_.end() ? nullptr : &it->second;
}

}  // namespace theta_net::session
