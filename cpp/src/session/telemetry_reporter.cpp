#include "theta_net/session/telemetry_reporter.hpp"

#include <algorithm>
#include <cmath>

namespace theta_net::session {
namespace {

bool name_char(char c, bool first) {
  const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  if (first) return letter;
  return letter || (c >= '0' && c <= '9') || c == '.' || c == ':' || c == '-';
}

// The q-quantile by nearest rank (the smallest value with at least q of the values at or below
// it): always one of the measured values, and the same on every build.
float nearest_rank(std::vector<float>& sorted, double q) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

Status check_frame_ms(std::string_view field, double ms) {
  if (!std::isfinite(ms) || ms < 0 || ms > kTelemetryFrameMaxMs) {
    return make_error(ErrorCode::kInvalidArgument, field, " of ", ms,
                      " ms is not a frame time (0 to ", kTelemetryFrameMaxMs, " ms)");
  }
  return {};
}

}  // namespace

std::size_t telemetry_counter_limit() {
  // Read from the generated field list, so the schema's `max` is the one number.
  static const std::size_t limit = [] {
    std::size_t max = 0;
    protocol::TelemetryReport report;
    protocol::TelemetryReport::visit(report, [&max](const protocol::FieldInfo& info, auto&) {
      if (info.name == "counters") max = info.max;
    });
    return max;
  }();
  return limit;
}

Status check_counter_name(std::string_view name) {
  if (name.empty()) return make_error(ErrorCode::kInvalidArgument, "a counter name is empty");
  if (name.size() > kTelemetryNameMaxBytes) {
    return make_error(ErrorCode::kInvalidArgument, "counter name '", name.substr(0, 16), "...' is ",
                      name.size(), " bytes (at most ", kTelemetryNameMaxBytes, ")");
  }
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (!name_char(name[i], i == 0)) {
      return make_error(ErrorCode::kInvalidArgument, "counter name '", name,
                        "' has a character outside [A-Za-z0-9_.:-] (or starts with a digit or "
                        "punctuation) at byte ",
                        i);
    }
  }
  return {};
}

Status check_telemetry_report(const protocol::TelemetryReport& r) {
  THETA_TRY(check_frame_ms("frame_ms_p50", r.frame_ms_p50));
  THETA_TRY(check_frame_ms("frame_ms_p99", r.frame_ms_p99));
  if (r.frame_ms_p99 < r.frame_ms_p50) {
    return make_error(ErrorCode::kInvalidArgument, "frame_ms_p99 (", r.frame_ms_p99,
                      ") is below frame_ms_p50 (", r.frame_ms_p50, ")");
  }
  if (r.counters.size() > telemetry_counter_limit()) {
    return make_error(ErrorCode::kLimitExceeded, r.counters.size(), " counters (at most ",
                      telemetry_counter_limit(), ")");
  }
  for (const auto& [name, value] : r.counters) {
    THETA_TRY(check_counter_name(name));
    if (!std::isfinite(value)) {
      return make_error(ErrorCode::kInvalidArgument, "counter '", name, "' is not finite");
    }
  }
  return {};
}

TelemetryReporter::TelemetryReporter(TelemetryReporterConfig config) : config_(config) {
  config_.max_frames = std::max<std::size_t>(config_.max_frames, 1);
}

void TelemetryReporter::set_interval(Micros interval) {
  config_.interval = std::max(interval, Micros{0});
  next_report_.reset();
}

Status TelemetryReporter::add_frame(double ms) {
  if (Status ok = check_frame_ms("a frame time", ms); !ok.ok()) {
    ++stats_.frames_refused;
    return ok;
  }
  if (frames_.size() < config_.max_frames) {
    frames_.push_back(static_cast<float>(ms));
  } else {
    frames_[next_frame_] = static_cast<float>(ms);
  }
  next_frame_ = (next_frame_ + 1) % config_.max_frames;
  ++frames_since_report_;
  ++stats_.frames;
  return {};
}

Status TelemetryReporter::set_counter(std::string_view name, double value) {
  Status ok = check_counter_name(name);
  if (ok.ok() && name == kTelemetryFramesCounter) {
    ok = make_error(ErrorCode::kInvalidArgument, "counter '", name,
                    "' is the reporter's own (the frame count)");
  }
  if (ok.ok() && !std::isfinite(value)) {
    ok = make_error(ErrorCode::kInvalidArgument, "counter '", name, "' is not finite");
  }
  const auto it = counters_.find(name);
  if (ok.ok() && it == counters_.end() && counters_.size() + 1 >= telemetry_counter_limit()) {
    ok = make_error(ErrorCode::kLimitExceeded, "counter '", name, "' would be one past the ",
                    telemetry_counter_limit() - 1, " a report carries besides its frame count");
  }
  if (!ok.ok()) {
    ++stats_.counters_refused;
    return ok;
  }
  if (it != counters_.end()) {
    it->second = value;
  } else {
    counters_.emplace(std::string(name), value);
  }
  return {};
}

bool TelemetryReporter::remove_counter(std::string_view name) {
  const auto it = counters_.find(name);
  if (it == counters_.end()) return false;
  counters_.erase(it);
  return true;
}

std::optional<protocol::TelemetryReport> TelemetryReporter::poll(Micros now,
                                                                 const TelemetryLink& link) {
  if (config_.interval <= Micros{0}) return std::nullopt;
  if (!next_report_) next_report_ = now + config_.interval;
  if (now < *next_report_) return std::nullopt;
  // The next one an interval after this, not after the due time: a client stepped late does
  // not send a burst to catch up.
  next_report_ = now + config_.interval;
  protocol::TelemetryReport report;
  report.tick = link.tick;
  std::vector<float> sorted = frames_;
  std::sort(sorted.begin(), sorted.end());
  report.frame_ms_p50 = nearest_rank(sorted, 0.5);
  report.frame_ms_p99 = nearest_rank(sorted, 0.99);
  const auto us = [](Micros t) {
    return static_cast<std::uint32_t>(std::clamp<Micros::rep>(t.count(), 0, UINT32_MAX));
  };
  report.rtt_us = us(link.rtt);
  report.jitter_us = us(link.jitter);
  report.bytes_in = link.bytes_in;
  report.bytes_out = link.bytes_out;
  report.counters.insert(counters_.begin(), counters_.end());
  // How many frames the quantiles are over (more than were kept when the ring overflowed).
  report.counters[std::string(kTelemetryFramesCounter)] = static_cast<double>(frames_since_report_);
  frames_.clear();
  next_frame_ = 0;
  frames_since_report_ = 0;
  ++stats_.reports;
  return report;
}

}  // namespace theta_net::session
