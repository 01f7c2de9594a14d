#include "theta_net/protocol/msgpack_reader.hpp"

#include <bit>
#include <cstring>
#include <limits>
#include <ostream>

#include "theta_net/core/utf8.hpp"

namespace theta_net::protocol {
namespace {

// Prefixes messages with "what: " when the caller named what it was reading.
struct Label {
  std::string_view what;
};
std::ostream& operator<<(std::ostream& out, Label label) {
  if (!label.what.empty()) out << label.what << ": ";
  return out;
}

}  // namespace

std::string_view msgpack_type_name(std::uint8_t tag) {
  if (tag <= 0x7f) return "positive int";
  if (tag <= 0x8f) return "map";
  if (tag <= 0x9f) return "array";
  if (tag <= 0xbf) return "str";
  if (tag >= 0xe0) return "negative int";
  switch (tag) {
    case 0xc0:
      return "nil";
    case 0xc1:
      return "reserved byte 0xc1";
    case 0xc2:
    case 0xc3:
      return "bool";
    case 0xc4:
    case 0xc5:
    case 0xc6:
      return "bin";
    case 0xc7:
    case 0xc8:
    case 0xc9:
    case 0xd4:
    case 0xd5:
    case 0xd6:
    case 0xd7:
    case 0xd8:
      return "ext";
    case 0xca:
      return "float32";
    case 0xcb:
      return "float64";
    case 0xcc:
    case 0xcd:
    case 0xce:
    case 0xcf:
      return "uint";
    case 0xd0:
    case 0xd1:
    case 0xd2:
    case 0xd3:
      return "int";
    case 0xd9:
    case 0xda:
    case 0xdb:
      return "str";
    case 0xdc:
    case 0xdd:
      return "array";
    default:
      return "map";
  }
}

Error MsgpackReader::type_error(std::string_view what, std::string_view expected) const {
  if (at_end()) return short_input(what, 1);
  return make_error(ErrorCode::kCorrupt, Label{what}, "expected ", expected, ", found ",
                    msgpack_type_name(data_[pos_]), " at offset ", pos_);
}

Error MsgpackReader::short_input(std::string_view what, std::size_t need) const {
  return make_error(ErrorCode::kTruncated, Label{what}, "needs ", need, " more bytes at offset ",
                    pos_, ", ", remaining(), " left");
}

Result<std::uint64_t> MsgpackReader::big_endian(std::size_t width, std::string_view what) {
  if (remaining() < width) return short_input(what, width);
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < width; ++i) v = (v << 8) | data_[pos_ + i];
  pos_ += width;
  return v;
}

Result<std::uint32_t> MsgpackReader::container(std::uint8_t fix_lo, std::uint8_t fix_hi,
                                               std::uint8_t tag16, std::uint8_t tag32,
                                               std::size_t max, std::size_t min_element,
                                               std::string_view what, std::string_view kind) {
  if (at_end()) return short_input(what, 1);
  const std::size_t start = pos_;
  const std::uint8_t tag = data_[pos_];
  std::uint64_t count;
  if (tag >= fix_lo && tag <= fix_hi) {
    count = tag - fix_lo;
    ++pos_;
  } else if (tag == tag16 || tag == tag32) {
    ++pos_;
    auto n = big_endian(tag == tag16 ? 2 : 4, what);
    if (!n.ok()) {
      pos_ = start;
      return std::move(n).error();
    }
    count = *n;
  } else {
    return type_error(what, kind);
  }
  if (count > max) {
    pos_ = start;
    return make_error(ErrorCode::kLimitExceeded, Label{what}, kind, " of ", count,
                      " elements is over the limit of ", max);
  }
  // Each element takes at least min_element bytes: a count the input cannot hold is a lie that
  // would otherwise make the caller reserve memory for it.
  if (count * min_element > remaining()) {
    pos_ = start;
    return make_error(ErrorCode::kTruncated, Label{what}, kind, " declares ", count,
                      " elements but only ", remaining(), " bytes follow");
  }
  return static_cast<std::uint32_t>(count);
}

Result<std::uint32_t> MsgpackReader::array_header(std::size_t max, std::string_view what) {
  return container(0x90, 0x9f, 0xdc, 0xdd, max, 1, what, "array");
}

Result<std::uint32_t> MsgpackReader::map_header(std::size_t max, std::string_view what) {
  return container(0x80, 0x8f, 0xde, 0xdf, max, 2, what, "map");
}

namespace {

// Big-endian loads of msgpack's fixed-width payloads; the caller has checked the length.
std::uint64_t load_be(const std::uint8_t* p, std::size_t width) {
  switch (width) {
    case 1:
      return p[0];
    case 2: {
      std::uint16_t v;
      std::memcpy(&v, p, 2);
      return __builtin_bswap16(v);
    }
    case 4: {
      std::uint32_t v;
      std::memcpy(&v, p, 4);
      return __builtin_bswap32(v);
    }
    default: {
      std::uint64_t v;
      std::memcpy(&v, p, 8);
      return __builtin_bswap64(v);
    }
  }
}

}  // namespace

// Error construction lives out of line so the hot decoding paths stay small.
[[gnu::cold, gnu::noinline]] Error negative_error(std::string_view what, std::int64_t v,
                                                  std::uint64_t max) {
  return make_error(ErrorCode::kOutOfRange, Label{what}, v, " is negative, expected 0..", max);
}
[[gnu::cold, gnu::noinline]] Error over_max_error(std::string_view what, std::uint64_t v,
                                                  std::uint64_t max) {
  return make_error(ErrorCode::kOutOfRange, Label{what}, v, " is over the maximum ", max);
}
[[gnu::cold, gnu::noinline]] Error outside_error(std::string_view what, std::int64_t v,
                                                 std::int64_t min, std::int64_t max) {
  return make_error(ErrorCode::kOutOfRange, Label{what}, v, " is outside ", min, "..", max);
}
[[gnu::cold, gnu::noinline]] Error too_big_error(std::string_view what, std::uint64_t u) {
  return make_error(ErrorCode::kOutOfRange, Label{what}, u, " does not fit a signed 64-bit value");
}

// Integers are decoded in one pass over the tag: they are most of every message.
Result<std::uint64_t> MsgpackReader::read_uint(std::uint64_t max, std::string_view what) {
  if (at_end()) return short_input(what, 1);
  const std::uint8_t tag = data_[pos_];
  std::uint64_t v;
  std::size_t width = 0;
  if (tag <= 0x7f) {
    v = tag;
  } else if (tag >= 0xcc && tag <= 0xd3) {
    width = std::size_t{1} << ((tag - 0xcc) & 3);
    if (remaining() < width + 1) return short_input(what, width + 1);
    v = load_be(data_.data() + pos_ + 1, width);
    if (tag >= 0xd0) {  // a signed encoding: only its non-negative values are unsigned values
      const unsigned shift = static_cast<unsigned>(64 - 8 * width);
      const auto s = static_cast<std::int64_t>(v << shift) >> shift;
      if (s < 0) return negative_error(what, s, max);
      v = static_cast<std::uint64_t>(s);
    }
  } else if (tag >= 0xe0) {
    return negative_error(what, static_cast<std::int8_t>(tag), max);
  } else {
    return type_error(what, "an integer");
  }
  if (v > max) return over_max_error(what, v, max);
  pos_ += 1 + width;
  return v;
}

Result<std::int64_t> MsgpackReader::read_int(std::int64_t min, std::int64_t max,
                                             std::string_view what) {
  if (at_end()) return short_input(what, 1);
  const std::uint8_t tag = data_[pos_];
  std::int64_t v;
  std::size_t width = 0;
  if (tag <= 0x7f) {
    v = tag;
  } else if (tag >= 0xe0) {
    v = static_cast<std::int8_t>(tag);
  } else if (tag >= 0xcc && tag <= 0xd3) {
    width = std::size_t{1} << ((tag - 0xcc) & 3);
    if (remaining() < width + 1) return short_input(what, width + 1);
    const std::uint64_t u = load_be(data_.data() + pos_ + 1, width);
    if (tag >= 0xd0) {
      const unsigned shift = static_cast<unsigned>(64 - 8 * width);
      v = static_cast<std::int64_t>(u << shift) >> shift;  // sign-extend from the encoded width
    } else if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return too_big_error(what, u);
    } else {
      v = static_cast<std::int64_t>(u);
    }
  } else {
    return type_error(what, "an integer");
  }
  if (v < min || v > max) return outside_error(what, v, min, max);
  pos_ += 1 + width;
  return v;
}

Result<bool> MsgpackReader::read_bool(std::string_view what) {
  if (at_end()) return short_input(what, 1);
  const std::uint8_t tag = data_[pos_];
  if (tag != 0xc2 && tag != 0xc3) return type_error(what, "a bool");
  ++pos_;
  return tag == 0xc3;
}

Result<double> MsgpackReader::read_float(std::string_view what) {
  if (at_end()) return short_input(what, 1);
  const std::size_t start = pos_;
  const std::uint8_t tag = data_[pos_];
  if (tag == 0xca) {
    ++pos_;
    auto bits = big_endian(4, what);
    if (!bits.ok()) {
      pos_ = start;
      return std::move(bits).error();
    }
    return static_cast<double>(std::bit_cast<float>(static_cast<std::uint32_t>(*bits)));
  }
  if (tag == 0xcb) {
    ++pos_;
    auto bits = big_endian(8, what);
    if (!bits.ok()) {
      pos_ = start;
      return std::move(bits).error();
    }
    return std::bit_cast<double>(*bits);
  }
  // msgpack-c packs a double with an integral value as an integer: accept those exactly.
  if (tag <= 0x7f || tag >= 0xe0 || (tag >= 0xcc && tag <= 0xd3)) {
    if (tag == 0xcf) {
      THETA_TRY_ASSIGN(std::uint64_t u, read_uint(std::numeric_limits<std::uint64_t>::max(), what));
      return static_cast<double>(u);
    }
    THETA_TRY_ASSIGN(std::int64_t i, read_int(std::numeric_limits<std::int64_t>::min(),
                                              std::numeric_limits<std::int64_t>::max(), what));
    return static_cast<double>(i);
  }
  return type_error(what, "a float");
}

Result<std::string_view> MsgpackReader::read_str(std::size_t max, std::string_view what) {
  if (at_end()) return short_input(what, 1);
  const std::size_t start = pos_;
  const std::uint8_t tag = data_[pos_];
  std::uint64_t len;
  if (tag >= 0xa0 && tag <= 0xbf) {
    len = tag - 0xa0;
    ++pos_;
  } else if (tag >= 0xd9 && tag <= 0xdb) {
    ++pos_;
    auto n = big_endian(std::size_t{1} << (tag - 0xd9), what);
    if (!n.ok()) {
      pos_ = start;
      return std::move(n).error();
    }
    len = *n;
  } else {
    return type_error(what, "a str");
  }
  if (len > max) {
    pos_ = start;
    return make_error(ErrorCode::kLimitExceeded, Label{what}, "str of ", len,
                      " bytes is over the limit of ", max);
  }
  if (len > remaining()) {
    const Error e = short_input(what, len);
    pos_ = start;
    return e;
  }
  std::string_view text(reinterpret_cast<const char*>(data_.data() + pos_), len);
  if (!is_valid_utf8(text)) {
    pos_ = start;
    return make_error(ErrorCode::kCorrupt, Label{what}, "str at offset ", start,
                      " is not valid UTF-8");
  }
  pos_ += len;
  return text;
}

Result<ByteSpan> MsgpackReader::read_bin(std::size_t max, std::string_view what) {
  if (at_end()) return short_input(what, 1);
  const std::size_t start = pos_;
  const std::uint8_t tag = data_[pos_];
  if (tag < 0xc4 || tag > 0xc6) return type_error(what, "bin");
  ++pos_;
  auto n = big_endian(std::size_t{1} << (tag - 0xc4), what);
  if (!n.ok()) {
    pos_ = start;
    return std::move(n).error();
  }
  if (*n > max) {
    pos_ = start;
    return make_error(ErrorCode::kLimitExceeded, Label{what}, "bin of ", *n,
                      " bytes is over the limit of ", max);
  }
  if (*n > remaining()) {
    const Error e = short_input(what, *n);
    pos_ = start;
    return e;
  }
  ByteSpan out = data_.subspan(pos_, *n);
  pos_ += *n;
  return out;
}

bool MsgpackReader::consume_nil() {
  if (!at_end() && data_[pos_] == 0xc0) {
    ++pos_;
    return true;
  }
  return false;
}

Status MsgpackReader::skip(std::string_view what, int depth) {
  if (depth > kMaxSkipDepth) {
    return make_error(ErrorCode::kLimitExceeded, Label{what}, "values nested deeper than ",
                      kMaxSkipDepth, " at offset ", pos_);
  }
  if (at_end()) return short_input(what, 1);
  const std::uint8_t tag = data_[pos_];
  auto skip_bytes = [&](std::size_t n) -> Status {
    if (remaining() < n) return short_input(what, n);
    pos_ += n;
    return {};
  };
  if (tag <= 0x7f || tag >= 0xe0 || tag == 0xc0 || tag == 0xc2 || tag == 0xc3) return skip_bytes(1);
  if (tag == 0xc1) return type_error(what, "a msgpack value");
  if ((tag >= 0xa0 && tag <= 0xbf) || (tag >= 0xd9 && tag <= 0xdb)) {
    THETA_TRY(read_str(std::numeric_limits<std::size_t>::max(), what));
    return {};
  }
  if (tag >= 0xc4 && tag <= 0xc6) {
    THETA_TRY(read_bin(std::numeric_limits<std::size_t>::max(), what));
    return {};
  }
  if (tag == 0xca) return skip_bytes(5);
  if (tag == 0xcb) return skip_bytes(9);
  if (tag >= 0xcc && tag <= 0xcf) return skip_bytes(1 + (std::size_t{1} << (tag - 0xcc)));
  if (tag >= 0xd0 && tag <= 0xd3) return skip_bytes(1 + (std::size_t{1} << (tag - 0xd0)));
  if (tag >= 0xd4 && tag <= 0xd8) return skip_bytes(2 + (std::size_t{1} << (tag - 0xd4)));
  if (tag >= 0xc7 && tag <= 0xc9) {
    ++pos_;
    auto n = big_endian(std::size_t{1} << (tag - 0xc7), what);
    if (!n.ok()) {
      --pos_;
      return std::move(n).error();
    }
    return skip_bytes(1 + *n);  // the ext type byte, then the data
  }
  const bool is_map = (tag >= 0x80 && tag <= 0x8f) || tag == 0xde || tag == 0xdf;
  THETA_TRY_ASSIGN(std::uint32_t count,
                   is_map ? map_header(SIZE_MAX, what) : array_header(SIZE_MAX, what));
  const std::uint64_t values = is_map ? std::uint64_t{count} * 2 : count;
  for (std::uint64_t i = 0; i < values; ++i) THETA_TRY(skip(what, depth + 1));
  return {};
}

}  // namespace theta_net::protocol
