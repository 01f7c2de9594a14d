// TelemetryReporter: a client's periodic TelemetryReport (diagnostics lane), sans-I/O. The
// application hands it frame times as it draws frames and named counters (its own figures:
// prediction and interpolation stats, memory, anything); every `interval` of `now`, poll() turns
// the frames since the last report into two quantiles and adds the link figures and the counters.
// Nothing here reads a clock: the caller measures its frames and passes `now`.
//
// The rules a report must keep (check_telemetry_report) live here too, because the server's
// TelemetryAggregator refuses what breaks them: a sender that keeps them is never refused.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "theta_net/core/result.hpp"
#include "theta_net/core/time.hpp"
#include "theta_net/protocol/messages.hpp"

namespace theta_net::session {

// The longest counter name (bytes): names become JSON keys and Prometheus label values.
inline constexpr std::size_t kTelemetryNameMaxBytes = 64;
// A frame time above this (ms) is a caller's bug (a minute per frame), not a measurement.
inline constexpr double kTelemetryFrameMaxMs = 60'000;

// The counter every report carries: how many frames its quantiles are over. The reporter's own
// name: set_counter refuses it.
inline constexpr std::string_view kTelemetryFramesCounter = "frames";

// How many counters a report may carry: the schema's bound on TelemetryReport.counters.
std::size_t telemetry_counter_limit();

// A counter name is 1 to kTelemetryNameMaxBytes of [A-Za-z0-9_.:-], starting with a letter or
// '_' (readable as it is in a JSON key, a Prometheus label and a dashboard column).
// Errors: kInvalidArgument (empty, too long, or a character outside the set; the message
// names it).
Status check_counter_name(std::string_view name);

// What a server takes: frame quantiles finite, 0 <= p50 <= p99 <= kTelemetryFrameMaxMs, every
// counter name check_counter_name's and every value finite, at most telemetry_counter_limit()
// counters (the codec already bounds the count and refuses NaN on the wire; a report built in
// memory is checked here alike).
// Errors: kInvalidArgument (the first field that breaks a rule, named), kLimitExceeded (too many
// counters).
Status check_telemetry_report(const protocol::TelemetryReport& report);

struct TelemetryReporterConfig {
  Micros interval{0};             // between reports; 0: no reports
  std::size_t max_frames = 4096;  // frame times kept between two reports (the newest)
};

// The link and game figures a report carries besides frames and counters (the caller's view:
// a GameClient takes them from its SessionClient).
struct TelemetryLink {
  std::uint32_t tick = 0;  // the client's estimate of the server tick
  Micros rtt{0}, jitter{0};
  std::uint64_t bytes_in = 0, bytes_out = 0;
};

struct TelemetryReporterStats {
  std::uint64_t reports = 0;           // reports poll() gave out
  std::uint64_t frames = 0;            // frame times taken
  std::uint64_t frames_refused = 0;    // add_frame refusals
  std::uint64_t counters_refused = 0;  // set_counter refusals

  template <class F>
  void visit(F&& f) const {
    f("reports", reports);
    f("frames", frames);
    f("frames_refused", frames_refused);
    f("counters_refused", counters_refused);
  }
};

class TelemetryReporter {
 public:
  explicit TelemetryReporter(TelemetryReporterConfig config = {});

  // Starts (or stops, with 0) the reports; the first one is due one interval after the next
  // poll().
  void set_interval(Micros interval);
  Micros interval() const { return config_.interval; }
  // One frame's time in milliseconds.
  // Errors: kInvalidArgument (negative, NaN, infinite or above kTelemetryFrameMaxMs); counted
  // in stats().frames_refused.
  Status add_frame(double ms);
  // Sets a counter: every report from now on carries its latest value.
  // Errors: kInvalidArgument (check_counter_name's, the reserved "frames", or a value that is
  // not finite), kLimitExceeded (a new name past telemetry_counter_limit() - 1 names: one slot
  // is the frame count's); counted in
  // stats().counters_refused, the counters unchanged.
  Status set_counter(std::string_view name, double value);
  // Drops a counter from the reports; false if there was none of that name.
  bool remove_counter(std::string_view name);
  const std::map<std::string, double, std::less<>>& counters() const { return counters_; }

  // The report due at `now`, if one is: the frames since the last report (p50 and p99 by
  // nearest rank; 0 without frames), the counter "frames" (how many), `link`, and the
  // counters. The frames are then forgotten.
  std::optional<protocol::TelemetryReport> poll(Micros now, const TelemetryLink& link);
  const TelemetryReporterStats& stats() const { return stats_; }

 private:
  TelemetryReporterConfig config_;
  std::vector<float> frames_;  // a ring of at most max_frames, the newest overwriting the oldest
  std::size_t next_frame_ = 0;
  std::uint64_t frames_since_report_ = 0;
  std::map<std::string, double, std::less<>> counters_;
  std::optional<Micros> next_report_;
  TelemetryReporterStats stats_;
};

}  // namespace theta_net::session
