#include "theta_net/replay/event_reader.hpp"

#include "theta_net/replay/json_parser.hpp"
#include "theta_net/replay/stream_header.hpp"

namespace theta_net::replay {

Result<JsonValue> read_stream_header(LineReader& lines, const ReaderLimits& limits) {
  LineRef line;
  THETA_TRY_ASSIGN(bool got, lines.next(line));
  if (!got) {
    return lines.error_at(1, ErrorCode::kCorrupt,
                          "the input is empty: a stream starts with a header line");
  }
  JsonValue header;
  JsonParseError error;
  if (!parse_json(lines.text(line), header, error, limits.max_depth)) {
    return lines.error_at(line.number, error.code, "column ", error.column, ": ", error.message);
  }
  Status checked = check_header(header);
  if (!checked.ok()) {
    Error e = std::move(checked).error();
    return lines.error_at(line.number, e.code, e.message);
  }
  return header;
}

Result<EventReader> EventReader::open(const std::string& path, const ReaderLimits& limits) {
  THETA_TRY_ASSIGN(LineReader lines, LineReader::open(path, limits.max_line_bytes));
  return start(std::move(lines), limits);
}

Result<EventReader> EventReader::from_memory(std::string name, std::string_view text,
                                             const ReaderLimits& limits) {
  return start(LineReader::from_memory(std::move(name), text, limits.max_line_bytes), limits);
}

Result<EventReader> EventReader::start(LineReader lines, const ReaderLimits& limits) {
  EventReader reader(std::move(lines), limits);
  THETA_TRY_ASSIGN(reader.header_, read_stream_header(reader.lines_, limits));
  return reader;
}

Result<bool> EventReader::next(JsonValue& event) {
  LineRef line;
  THETA_TRY_ASSIGN(bool got, lines_.next(line));
  if (!got) return false;
  JsonParseError error;
  if (!parse_json(lines_.text(line), event, error, limits_.max_depth)) {
    return lines_.error_at(line.number, error.code, "column ", error.column, ": ", error.message);
  }
  if (!event.is_object()) {
    return lines_.error_at(line.number, ErrorCode::kCorrupt, "an event line must be an object");
  }
  const JsonValue* kind = event.find("kind");
  if (kind != nullptr && kind->is_string() && kind->as_string() == "header") {
    return lines_.error_at(line.number, ErrorCode::kCorrupt,
                           "a second header line (only the first line is a header)");
  }
  const JsonValue* tick = event.find("tick");
  if (tick == nullptr || tick->type() != JsonValue::Type::kInt || tick->as_int() < 0) {
    return lines_.error_at(line.number, ErrorCode::kCorrupt,
                           "the event has no tick (a non-negative integer)");
  }
  if (kind == nullptr || !kind->is_string()) {
    return lines_.error_at(line.number, ErrorCode::kCorrupt, "the event has no kind (a string)");
  }
  for (const char* name : {"entity", "key"}) {
    const JsonValue* id = event.find(name);
    if (id != nullptr && !id->is_integer() && !id->is_string()) {
      return lines_.error_at(line.number, ErrorCode::kCorrupt, "the event's ", name,
                             " must be an integer or a string");
    }
  }
  if (tick->as_int() < last_tick_) {
    return lines_.error_at(line.number, ErrorCode::kCorrupt, "tick ", tick->as_int(),
                           " after tick ", last_tick_, ": a stream is sorted by tick");
  }
  last_tick_ = tick->as_int();
  return true;
}

}  // namespace theta_net::replay
