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
// Errors: those of LineReader::next, of parse_json and of check_header; kCorrupt (the input is
// empty).
Result<JsonValue> read_stream_header(LineReader& lines, const ReaderLimits& limits);

class EventReader {
 public:
  // A reader of a file, its header read and checked.
  // Errors: those of LineReader::open and of read_stream_header.
  static Result<EventReader> open(const std::string& path, const ReaderLimits& limits = {});
  // A reader of text in memory (which must outlive it); name is used in errors.
  // Errors: those of read_stream_header.
  static Result<EventReader> from_memory(std::string name, std::string_view text,
                                         const ReaderLimits& limits = {});

  const JsonValue& header() const { return header_; }

  // The next event into event (an object with tick, kind and its other fields); false at the
  // end.
  // Errors: those of LineReader::next and of parse_json; kCorrupt (a line that is not an
  // object, a second header, an event without a non-negative integer tick or a string kind, an
  // entity or key that is neither an integer nor a string, a tick smaller than the one before).
  Result<bool> next(JsonValue& event);

  std::uint64_t line_number() const { return lines_.lines_read(); }
  const std::string& name() const { return lines_.name(); }

 private:
  EventReader(LineReader lines, const ReaderLimits& limits)
      : lines_(std::move(lines)), limits_(limits) {}
  // Reads the header of `lines`.
  // Errors: those of read_stream_header.
  static Result<EventReader> start(LineReader lines, const ReaderLimits& limits);

  LineReader lines_;
  ReaderLimits limits_;
  JsonValue header_;
  std::int64_t last_tick_ = 0;
};

}  // namespace theta_net::replay
