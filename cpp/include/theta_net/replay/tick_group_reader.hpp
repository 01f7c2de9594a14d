// TickGroupReader: an event stream as a sequence of ticks, each the run of lines that share a
// tick, scanned (validated, alignment fields found) but not parsed. Only the current tick's
// lines are held, so memory follows the busiest tick, not the file: this is the stream diff's
// window. Ticks must increase; a tick over the ReaderLimits is an error, not a bigger buffer.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "theta_net/core/result.hpp"
#include "theta_net/replay/event_line_scanner.hpp"
#include "theta_net/replay/event_reader.hpp"
#include "theta_net/replay/line_reader.hpp"

namespace theta_net::replay {

struct ScannedEvent {
  std::uint64_t position = 0;  // of the line in the input
  std::uint32_t length = 0;
  std::uint64_t line_number = 0;
  EventLineFields fields;  // spans relative to the line
};

class TickGroup {
 public:
  std::int64_t tick = 0;
  std::vector<ScannedEvent> events;

  // Every line of the tick with its '\n', as one range (the lines are contiguous in the input).
  std::string_view bytes() const { return {base_, size_}; }
  std::string_view line(const ScannedEvent& e) const {
    return {base_ + (e.position - start_), e.length};
  }

 private:
  friend class TickGroupReader;
  const char* base_ = nullptr;
  std::uint64_t start_ = 0;
  std::size_t size_ = 0;
};

class TickGroupReader {
 public:
  TickGroupReader(LineReader lines, const ReaderLimits& limits)
      : lines_(std::move(lines)), limits_(limits) {}

  // The header (the first line); call once, before next().
  // Errors: those of read_stream_header.
  Result<JsonValue> read_header() { return read_stream_header(lines_, limits_); }

  // The next tick's events into group; false at the end of the stream. The group's text stays
  // valid until the next call. Lines that are not canonical (unsorted keys) are also parsed, to
  // refuse duplicate keys as parse_json does.
  // Errors: those of read_event; kCorrupt (a tick smaller than the one before), kLimitExceeded
  // (a tick over max_tick_events events or max_tick_bytes bytes).
  Result<bool> next(TickGroup& group);

  LineReader& lines() { return lines_; }
  std::uint64_t events_read() const { return events_read_; }

 private:
  // The next line, scanned; false at the end of the stream.
  // Errors: those of LineReader::next; kCorrupt (a line that is not a JSON object, a key twice
  // in one object, a second header, an event without a tick or a kind, a tick, kind, entity or
  // key of the wrong type), kTruncated (an empty line, or one ending inside a value),
  // kLimitExceeded (nesting deeper than max_depth), kOverflow (a tick over 64 bits or a number
  // beyond the range of a double).
  Result<bool> read_event(ScannedEvent& event);

  LineReader lines_;
  ReaderLimits limits_;
  ScannedEvent pending_;  // the first line of the next tick, already scanned
  bool has_pending_ = false;
  std::uint64_t events_read_ = 0;
};

}  // namespace theta_net::replay
