#include "theta_net/replay/tick_group_reader.hpp"

#include "theta_net/replay/json_parser.hpp"

namespace theta_net::replay {

Result<bool> TickGroupReader::read_event(ScannedEvent& event) {
  LineRef line;
  THETA_TRY_ASSIGN(bool got, lines_.next(line));
  if (!got) return false;
  const std::string_view text = lines_.text(line);
  EventLineError error;
  if (!scan_event_line(text, event.fields, error, limits_.max_depth)) {
    return lines_.error_at(line.number, error.code, "column ", error.column, ": ", error.message);
  }
  if (!event.fields.keys_sorted) {
    // Not canonical: the scan cannot rule out a duplicate key; the parser can.
    JsonValue value;
    JsonParseError parse_error;
    if (!parse_json(text, value, parse_error, limits_.max_depth)) {
      return lines_.error_at(line.number, parse_error.code, "column ", parse_error.column, ": ",
                             parse_error.message);
    }
  }
  if (event.fields.has_kind && event.fields.kind.in(text) == "header") {
    return lines_.error_at(line.number, ErrorCode::kCorrupt,
                           "a second header line (only the first line is a header)");
  }
  if (!event.fields.has_tick) {
    return lines_.error_at(line.number, ErrorCode::kCorrupt,
                           "the event has no tick (every event has an integer \"tick\")");
  }
  if (!event.fields.has_kind) {
    return lines_.error_at(line.number, ErrorCode::kCorrupt,
                           "the event has no kind (every event has a string \"kind\")");
  }
  event.position = line.position;
  event.length = line.length;
  event.line_number = line.number;
  ++events_read_;
  return true;
}

Result<bool> TickGroupReader::next(TickGroup& group) {
  group.events.clear();
  if (!has_pending_) {
    THETA_TRY_ASSIGN(bool got, read_event(pending_));
    if (!got) return false;
  }
  has_pending_ = false;
  const std::uint64_t start = pending_.position;
  lines_.pin(start);  // the tick's lines stay in the buffer while later lines are read
  group.tick = pending_.fields.tick;
  group.events.push_back(pending_);
  std::uint64_t end = start + pending_.length + 1;
  for (;;) {
    ScannedEvent event;
    THETA_TRY_ASSIGN(bool got, read_event(event));
    if (!got) break;
    if (event.fields.tick != group.tick) {
      if (event.fields.tick < group.tick) {
        return lines_.error_at(event.line_number, ErrorCode::kCorrupt, "tick ", event.fields.tick,
                               " after tick ", group.tick, ": a stream is sorted by tick");
      }
      pending_ = event;
      has_pending_ = true;
      break;
    }
    group.events.push_back(event);
    end = event.position + event.length + 1;
    if (group.events.size() > limits_.max_tick_events || end - start > limits_.max_tick_bytes) {
      return lines_.error_at(event.line_number, ErrorCode::kLimitExceeded, "tick ", group.tick,
                             " holds more than ", limits_.max_tick_events, " events or ",
                             limits_.max_tick_bytes, " bytes (the reader's limits)");
    }
  }
  group.base_ = lines_.data_at(start);
  group.start_ = start;
  group.size_ = static_cast<std::size_t>(end - start);
  return true;
}

}  // namespace theta_net::replay
