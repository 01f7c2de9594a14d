// TelemetryAggregator: what a server keeps of its clients' TelemetryReports, per session, and
// the slow-frame alerts it raises. Sans-I/O: a report comes in with `now`; nothing reads a
// clock, so the same reports at the same times give the same alerts (the alerts go into the
// event stream, which must replay byte for byte).
//
// Per client: reports arriving sooner than min_report_interval after the last one taken are
// dropped (a flood costs a counter, not memory or alerts); a report check_telemetry_report
// refuses is counted and changes nothing else; a taken report replaces the client's last one
// (its counters included: at most the schema's 128) and updates the running figures. A report
// whose frame_ms_p99 is above slow_frame_ms is slow; a slow report raises an alert unless the
// client had one less than alert_cooldown ago. Memory is bounded by the sessions the caller
// reports for and forgets.
#pragma once

#include <cstdint>
#include <map>
#include <optional>

#include "theta_net/core/result.hpp"
#include "theta_net/core/time.hpp"
#include "theta_net/protocol/messages.hpp"

namespace theta_net::session {

struct TelemetryAggregatorConfig {
  double slow_frame_ms = 50;  // a p99 frame time above this is slow; 0 or less: never
  Micros min_report_interval = std::chrono::milliseconds(250);
  Micros alert_cooldown = std::chrono::seconds(10);  // per client, between two alerts
};

// One client's figures.
struct ClientTelemetry {
  std::uint64_t reports = 0;       // taken
  std::uint64_t dropped = 0;       // sooner than min_report_interval after the last taken
  std::uint64_t refused = 0;       // broke check_telemetry_report's rules
  std::uint64_t slow_reports = 0;  // taken with a p99 above the threshold
  std::uint64_t alerts = 0;        // slow-frame alerts raised
  double frame_ms_p99_max = 0;     // the worst p99 taken
  double frame_ms_p50_sum = 0;     // over the reports taken
  Micros last_time{0};             // when the last report was taken
  std::optional<Micros> last_alert;
  protocol::TelemetryReport last;  // the last report taken

  double frame_ms_p50_mean() const {
    return reports ? frame_ms_p50_sum / static_cast<double>(reports) : 0.0;
  }
};

// A slow-frame alert: which session, and the report that raised it.
struct SlowFrameAlert {
  std::uint64_t session_id = 0;
  std::uint32_t client_tick = 0;  // the report's tick
  double frame_ms_p50 = 0, frame_ms_p99 = 0;
  double threshold_ms = 0;
};

// Every client's reports together, since the start (forgotten clients included).
struct TelemetryTotals {
  std::uint64_t reports = 0, dropped = 0, refused = 0, alerts = 0;

  template <class F>
  void visit(F&& f) const {
    f("telemetry_reports", reports);
    f("telemetry_dropped", dropped);
    f("telemetry_refused", refused);
    f("slow_frame_alerts", alerts);
  }
};

class TelemetryAggregator {
 public:
  explicit TelemetryAggregator(TelemetryAggregatorConfig config = {}) : config_(config) {}

  // Takes (or drops, see above) a report from `session_id` at `now`; returns the alert it
  // raises, if any.
  // Errors: those of check_telemetry_report (the report is refused: counted, nothing else
  // changes).
  Result<std::optional<SlowFrameAlert>> on_report(std::uint64_t session_id,
                                                  const protocol::TelemetryReport& report,
                                                  Micros now);
  // The session is gone for good: its figures go (the totals keep them).
  void forget(std::uint64_t session_id) { clients_.erase(session_id); }

  // A session's figures (null before its first report, taken or not).
  const ClientTelemetry* client(std::uint64_t session_id) const;
  const TelemetryTotals& totals() const { return totals_; }
  std::size_t size() const { return clients_.size(); }
  const TelemetryAggregatorConfig& config() const { return config_; }

 private:
  TelemetryAggregatorConfig config_;
  std::map<std::uint64_t, ClientTelemetry> clients_;
  TelemetryTotals totals_;
};

}  // namespace theta_net::session
