// parse_json: the JSON reader for one line of an event stream or an input log (a border: the
// text comes from a file). Strict RFC 8259: no comments, trailing commas, NaN or leading zeros;
// strings must be valid UTF-8 without lone surrogates; nesting is limited; a key may appear once
// per object. Objects come back with their members sorted by key (the canonical order).
// Integers that fit 64 bits are kept exact (kInt / kUint), larger ones become doubles; a number
// beyond the range of a double is refused.
#pragma once

#include <cstddef>
#include <string_view>

#include "theta_net/core/result.hpp"
#include "theta_net/replay/json_value.hpp"

namespace theta_net::replay {

struct JsonParseError {
  std::size_t column = 0;  // 1-based byte column where the text went wrong
  ErrorCode code = ErrorCode::kCorrupt;
  std::string message;  // "expected ':' after an object key"
};

// Parses text, which must hold exactly one JSON value (whitespace around it is allowed). The
// message names the column.
// Errors: kCorrupt (not JSON, or a key twice in one object), kTruncated (the text ends inside a
// value), kLimitExceeded (nesting deeper than max_depth), kOverflow (a number beyond the range
// of a double).
Result<JsonValue> parse_json(std::string_view text, int max_depth = kMaxJsonDepth);

// The same, with the column and message kept apart, for callers that prefix a file and line.
bool parse_json(std::string_view text, JsonValue& out, JsonParseError& error,
                int max_depth = kMaxJsonDepth);

}  // namespace theta_net::replay
