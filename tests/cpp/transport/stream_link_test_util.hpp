// Helpers for the sans-I/O link tests (RecordLink, WsLink): join two links by hand and read
// what they report.
#pragma once

#include <algorithm>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "theta_net/transport/stream_link.hpp"

namespace theta_net::transport::testing {

inline Bytes text_bytes(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

// Moves everything `from` has for the socket into `to`, `chunk` bytes at a time.
inline void carry(StreamLink& from, StreamLink& to, std::chrono::nanoseconds now,
                  std::size_t chunk = 1u << 20) {
  while (!from.output().empty()) {
    const ByteSpan out = from.output();
    const std::size_t n = std::min(chunk, out.size());
    const Bytes piece(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n));
    from.consume_output(n);
    to.receive(piece, now);
  }
}

inline std::vector<Event> drain(StreamLink& link) {
  std::vector<Event> out;
  while (auto e = link.next_event()) out.push_back(std::move(*e));
  return out;
}

}  // namespace theta_net::transport::testing
