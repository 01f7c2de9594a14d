// scan_event_line: validates one line of an event stream as JSON without building a document,
// and finds the fields the stream diff aligns on (tick, kind, entity, key). It accepts exactly
// the text parse_json accepts (the fuzzer checks this), except that it does not look for
// duplicate keys: it reports instead whether every object's keys are strictly increasing, which
// canonical lines always are and which rules duplicates out. Lines that are not sorted must go
// through parse_json as well. About 1 ns per byte: the diff scans every line of both streams.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "theta_net/replay/json_value.hpp"

namespace theta_net::replay {

// A byte range inside the scanned line.
struct LineSpan {
  std::uint32_t offset = 0;
  std::uint32_t length = 0;
  std::string_view in(std::string_view line) const { return line.substr(offset, length); }
};

struct EventLineFields {
  bool has_tick = false;
  bool has_kind = false;
  bool has_entity = false;
  bool has_key = false;
  bool kind_escaped = false;  // the kind string holds a backslash escape (compare decoded)
  bool keys_sorted = true;    // every object's keys strictly increase (no duplicates possible)
  std::int64_t tick = 0;
  LineSpan kind;    // the kind's characters, without the quotes
  LineSpan entity;  // the entity value's text (an integer, or a string with its quotes)
  LineSpan key;     // the key value's text (a string with its quotes, or an integer)
};

struct EventLineError {
  std::size_t column = 0;  // 1-based
  ErrorCode code = ErrorCode::kCorrupt;
  const char* message = "";  // static text
};

// Scans line (without its newline), which must be one JSON object. On success fills fields; a
// top-level "tick" must then be a non-negative integer that fits int64, "kind" a string,
// "entity" and "key" a string or an integer that fits 64 bits. Nesting deeper than max_depth is
// kLimitExceeded.
bool scan_event_line(std::string_view line, EventLineFields& fields, EventLineError& error,
                     int max_depth = kMaxJsonDepth);

}  // namespace theta_net::replay
