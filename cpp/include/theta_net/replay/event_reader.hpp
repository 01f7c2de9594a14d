// EventReader: reads an event stream or input log line by line into JsonValues (a border: every
// line is checked, and an error names the file and line). Memory holds one line at a time.
//
//   THETA_TRY_ASSIGN(auto reader, EventReader::open("server.jsonl"));
//   JsonValue event;
//   for (;;) { THETA_TRY_ASSIGN(bool more, reader.next(event)); if (!more) break; ... }
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "theta_net/core/result.hpp"
#include "theta_net/replay/json_value.hpp"
#include "theta_net/replay/line_reader.hpp"

namespace theta_net::replay {

// The bounds every stream reader applies to untrusted input.
struct ReaderLimits {
  std::size_t max_line_bytes = LineReader::kDefaultMaxLineBytes;  // one event
  int max_depth = kMaxJsonDepth;                                  // nesting inside an event
  std::size_t max_tick_bytes = std::size_t{64} << 20;  // the lines of one tick (the diff's window)
  std::size_t max_tick_events = std::size_t{1} << 20;  // the events of one tick
};

// Reads and checks the header line (the first line) of a stream.
Result<JsonValue> read_stream_header(LineReader& lines, const ReaderLimits& limits);

class EventReader {
 public:
  static Result<EventReader> open(const std::string& path, const ReaderLimits& limits = {});
  static Result<EventReader> from_memory(std::string name, std::string_view text,
                                         const ReaderLimits& limits = {});

  const JsonValue& header() const { return header_; }

  // The next event into event (an object with tick, kind and its other fields); false at the
  // end. Errors: a line that is not JSON, an event without an integer tick or a string kind, a
  // tick smaller than the one before, a second header, and the LineReader's errors.
  Result<bool> next(JsonValue& event);

  std::uint64_t line_number() const { return lines_.lines_read(); }
  const std::string& name() const { return lines_.name(); }

 private:
  EventReader(LineReader lines, const ReaderLimits& limits)
      : lines_(std::move(lines)), limits_(limits) {}
  static Result<EventReader> start(LineReader lines, const ReaderLimits& limits);

  LineReader lines_;
  ReaderLimits limits_;
  JsonValue header_;
  std::int64_t last_tick_ = 0;
};

}  // namespace theta_net::replay
