// Helpers for the replay tests: streams as text, diffs of text.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "theta_net/replay/stream_diff.hpp"

namespace theta_net::replay::testing {

inline constexpr std::string_view kHeader =
    R"({"format_version":1,"kind":"header","protocol_version":"1.1","role":"server",)"
    R"("scenario":"test","schema_hash":"0x0000000000000001","tick_rate":20,"world_seed":7})";

// A stream: the header line, then each line, every one ending in '\n'.
inline std::string stream(const std::vector<std::string>& lines,
                          std::string_view header = kHeader) {
  std::string out(header);
  out += '\n';
  for (const std::string& line : lines) out += line + '\n';
  return out;
}

inline Result<DiffReport> diff_text(std::string_view a, std::string_view b,
                                    const DiffOptions& options = {}) {
  return diff_event_streams(LineReader::from_memory("a.jsonl", a),
                            LineReader::from_memory("b.jsonl", b), options);
}

}  // namespace theta_net::replay::testing
