#include "theta_net/core/varint.hpp"

namespace theta_net {

void write_varint(ByteWriter& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.u8(static_cast<std::uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.u8(static_cast<std::uint8_t>(v));
}

Result<std::uint64_t> read_varint(ByteReader& in, const char* what) {
  const std::size_t start = in.offset();
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < kMaxVarintBytes; ++i) {
    auto byte = in.u8(what);
    if (!byte.ok()) {
      return make_error(ErrorCode::kTruncated, what, " at offset ", start,
                        " ends inside its encoding");
    }
    const std::uint64_t payload = *byte & 0x7f;
    // The 10th byte may only carry the top bit of a 64-bit value.
    if (i == kMaxVarintBytes - 1 && payload > 1) {
      return make_error(ErrorCode::kOverflow, what, " at offset ", start, " exceeds 64 bits");
    }
    value |= payload << (7 * i);
    if ((*byte & 0x80) == 0) {
      if (i > 0 && payload == 0) {
        return make_error(ErrorCode::kCorrupt, what, " at offset ", start,
                          " is not minimally encoded");
      }
      return value;
    }
  }
  return make_error(ErrorCode::kOverflow, what, " at offset ", start, " is longer than ",
                    kMaxVarintBytes, " bytes");
}

Result<std::int64_t> read_svarint(ByteReader& in, const char* what) {
  THETA_TRY_ASSIGN(std::uint64_t raw, read_varint(in, what));
  return zigzag_decode(raw);
}

}  // namespace theta_net
