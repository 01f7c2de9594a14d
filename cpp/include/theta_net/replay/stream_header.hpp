// StreamHeader: the first line of every event stream and input log (docs/replay.md). It says what
// produced the stream, so a diff can tell schema drift (another protocol or schema) from a
// divergence of the simulation.
#pragma once

#include <cstdint>
#include <string>

#include "theta_net/core/result.hpp"
#include "theta_net/replay/json_value.hpp"

namespace theta_net::replay {

// The version of the stream format itself (docs/replay.md); readers refuse other versions.
inline constexpr std::int64_t kEventStreamFormatVersion = 1;

struct StreamHeader {
  std::int64_t format_version = kEventStreamFormatVersion;
  std::string protocol_version;   // the wire protocol, "major.minor"
  std::uint64_t schema_hash = 0;  // of schemas/, written as "0x" and 16 hex digits
  std::uint64_t world_seed = 0;
  std::string scenario;
  std::uint32_t tick_rate = 20;  // simulation ticks per second
  std::string role;              // "server", "client:<name>", "inputs", ...
  JsonObject extra;              // further fields, written as they are (not tick or kind)

  // A header with this build's protocol version and schema hash.
  static StreamHeader for_this_build(std::string scenario, std::uint64_t world_seed,
                                     std::uint32_t tick_rate, std::string role);

  // {"format_version":1,"kind":"header","protocol_version":...} (sorted when written).
  JsonValue to_json() const;
  // Reads the value of a header line, checking every field's type (messages name the field).
  // Errors: those of check_header; kCorrupt (a missing or mistyped field, a schema_hash that is
  // not "0x" and 16 hex digits, a negative world_seed, a tick_rate outside 1..10000).
  static Result<StreamHeader> from_json(const JsonValue& value);
};

// The check every reader makes on a first line before anything else: an object with kind
// "header" and a format_version this build reads.
// Errors: kCorrupt (no kind "header", or no integer format_version), kUnsupportedVersion (a
// format_version other than kEventStreamFormatVersion).
Status check_header(const JsonValue& value);

// "0x968035ff50799c8e": how hashes are written in streams (a string: exact in every JSON reader).
std::string hex_hash(std::uint64_t hash);

}  // namespace theta_net::replay
