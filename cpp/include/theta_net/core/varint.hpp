// LEB128 unsigned varints (7 bits per byte, low bits first, high bit = "more follows") and
// zigzag mapping of signed values, so small magnitudes of either sign take one byte.
// The reader accepts only the canonical (shortest) encoding of each value: two encodings of one
// value would break byte-identical replays and let a peer smuggle padding through a decoder.
#pragma once

#include <cstddef>
#include <cstdint>

#include "theta_net/core/byte_io.hpp"

namespace theta_net {

inline constexpr std::size_t kMaxVarintBytes = 10;  // ceil(64 / 7)

constexpr std::size_t varint_size(std::uint64_t v) {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

void write_varint(ByteWriter& out, std::uint64_t v);
// Reads one canonical varint.
// Errors: kTruncated (the input ends inside the encoding), kOverflow (the value exceeds 64 bits
// or the encoding is longer than kMaxVarintBytes), kCorrupt (not the shortest encoding).
Result<std::uint64_t> read_varint(ByteReader& in, const char* what = "varint");

constexpr std::uint64_t zigzag_encode(std::int64_t v) {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
constexpr std::int64_t zigzag_decode(std::uint64_t v) {
  return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

inline void write_svarint(ByteWriter& out, std::int64_t v) {
  write_varint(out, zigzag_encode(v));
}
// Reads one zigzag-mapped varint.
// Errors: those of read_varint.
Result<std::int64_t> read_svarint(ByteReader& in, const char* what = "svarint");

}  // namespace theta_net
