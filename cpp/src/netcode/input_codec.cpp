#include "theta_net/netcode/input_codec.hpp"

#include <algorithm>
#include <bit>
#include <optional>

#include "theta_net/core/bit_io.hpp"
#include "theta_net/core/int128.hpp"
#include "theta_net/core/varint.hpp"
#include "theta_net/replication/component_codec.hpp"

namespace theta_net::netcode {
namespace {

using replication::FieldDescriptor;
using replication::FieldKind;

// Longest exp-Golomb prefix a delta may have: deltas span at most 2^62 codes either way.
constexpr unsigned kMaxDeltaPrefix = 63;
constexpr std::uint8_t kFlagAgainstPrevious = 1;

// code - previous (the short way round for angles, whose codes wrap at 2^bits), when it is
// not zero and fits 62 bits. In 128 bits: codes may span all of int64.
std::optional<std::int64_t> delta_of(const FieldDescriptor& f, std::int64_t code,
                                     std::int64_t previous) {
  int128_t d = static_cast<int128_t>(code) - previous;
  if (f.kind == FieldKind::kAngle) {
    const int128_t turn = int128_t{1} << f.bits;
    d = ((d % turn) + turn) % turn;
    if (d >= turn / 2) d -= turn;
  }
  constexpr int128_t kLimit = int128_t{1} << 62;
  if (d == 0 || d >= kLimit || d <= -kLimit) return std::nullopt;
  return static_cast<std::int64_t>(d);
}

// A non-zero delta as an exp-Golomb code of zigzag(d) (>= 1): n zeros, a one, then the low n
// bits of the value, n = floor(log2(value)). Small changes take a few bits.
unsigned delta_bits(std::int64_t d) {
  return 2 * static_cast<unsigned>(std::bit_width(zigzag_encode(d))) - 1;
}

void write_delta(BitWriter& w, std::int64_t d) {
  const std::uint64_t v = zigzag_encode(d);
  const unsigned n = static_cast<unsigned>(std::bit_width(v)) - 1;
  w.write(0, n);
  w.write_bool(true);
  w.write(v, n);
}

Result<std::int64_t> read_delta(BitReader& r) {
  unsigned n = 0;
  for (;;) {
    THETA_TRY_ASSIGN(bool one, r.read_bool("input field delta"));
    if (one) break;
    if (++n > kMaxDeltaPrefix) {
      return make_error(ErrorCode::kCorrupt, "an input field delta is longer than 64 bits");
    }
  }
  THETA_TRY_ASSIGN(auto low, r.read(n, "input field delta"));
  const std::uint64_t v = (std::uint64_t{1} << n) | low;
  return zigzag_decode(v);
}

// previous + d, wrapped for angles; nothing when it leaves the field's codes.
std::optional<std::int64_t> apply_delta(const FieldDescriptor& f, std::int64_t previous,
                                        std::int64_t d) {
  int128_t v = static_cast<int128_t>(previous) + d;
  if (f.kind == FieldKind::kAngle) {
    const int128_t turn = int128_t{1} << f.bits;
    v = ((v % turn) + turn) % turn;
  }
  if (v < f.code_min() || v > f.code_max()) return std::nullopt;
  return static_cast<std::int64_t>(v);
}

}  // namespace

Result<Bytes> encode_input_bundle(const InputSchema& schema, std::uint32_t first_tick,
                                  std::span<const std::int64_t> rows,
                                  std::span<const std::int64_t> baseline) {
  const std::size_t slots = schema.slots();
  if (rows.empty() || rows.size() % slots != 0) {
    return make_error(ErrorCode::kInvalidArgument, "an input bundle needs whole inputs of ", slots,
                      " codes, not ", rows.size(), " codes");
  }
  const std::size_t count = rows.size() / slots;
  if (count > kMaxBundleInputs) {
    return make_error(ErrorCode::kLimitExceeded, "an input bundle holds at most ", kMaxBundleInputs,
                      " inputs, not ", count);
  }
  if (std::uint64_t{first_tick} + count - 1 > UINT32_MAX) {
    return make_error(ErrorCode::kLimitExceeded, "input ticks would pass 2^32 - 1");
  }
  const bool against_previous = !baseline.empty();
  if (against_previous && baseline.size() != slots) {
    return make_error(ErrorCode::kInvalidArgument, "the baseline input has ", baseline.size(),
                      " codes, not ", slots);
  }
  if (against_previous && first_tick == 0) {
    return make_error(ErrorCode::kInvalidArgument, "tick 0 has no previous input to code against");
  }
  const replication::ComponentType& type = schema.type();
  for (std::size_t i = 0; i < count; ++i) {
    if (auto st = type.check_codes(rows.subspan(i * slots, slots)); !st.ok()) {
      return make_error(ErrorCode::kInvalidArgument, "input for tick ", first_tick + i, ": ",
                        st.error().message);
    }
  }
  Bytes out;
  ByteWriter header(out);
  header.u8(kInputBundleVersion);
  write_varint(header, first_tick);
  write_varint(header, count);
  header.u8(against_previous ? kFlagAgainstPrevious : 0);
  BitWriter w(out);
  std::span<const std::int64_t> previous = against_previous ? baseline : schema.default_codes();
  for (std::size_t i = 0; i < count; ++i) {
    const auto input = rows.subspan(i * slots, slots);
    for (std::size_t f = 0; f < type.fields().size(); ++f) {
      const FieldDescriptor& field = type.fields()[f];
      const auto at = static_cast<std::size_t>(type.slot_of(f));
      const auto n = static_cast<std::size_t>(field.slots());
      const auto code = input.subspan(at, n);
      const auto prev = previous.subspan(at, n);
      if (std::equal(code.begin(), code.end(), prev.begin())) {
        w.write_bool(false);
        continue;
      }
      w.write_bool(true);
      if (field.kind != FieldKind::kQuaternion) {
        auto d = delta_of(field, code[0], prev[0]);
        if (d && delta_bits(*d) < static_cast<unsigned>(field.code_bits())) {
          w.write_bool(false);
          write_delta(w, *d);
          continue;
        }
      }
      w.write_bool(true);
      replication::write_field_code(w, field, code);
    }
    previous = input;
  }
  w.finish();
  return out;
}

Result<InputBundleHeader> read_input_bundle_header(ByteSpan payload) {
  ByteReader in(payload);
  THETA_TRY_ASSIGN(auto version, in.u8("input bundle version"));
  if (version != kInputBundleVersion) {
    return make_error(ErrorCode::kUnsupportedVersion, "input bundle version ", int{version},
                      " (this build reads ", int{kInputBundleVersion}, ")");
  }
  THETA_TRY_ASSIGN(auto first, read_varint(in, "input bundle first tick"));
  THETA_TRY_ASSIGN(auto count, read_varint(in, "input bundle count"));
  THETA_TRY_ASSIGN(auto flags, in.u8("input bundle flags"));
  if (first > UINT32_MAX) {
    return make_error(ErrorCode::kOverflow, "input bundle first tick ", first, " is over 32 bits");
  }
  if (count == 0 || count > kMaxBundleInputs) {
    return make_error(ErrorCode::kLimitExceeded, "input bundle count ", count, " is outside 1..",
                      kMaxBundleInputs);
  }
  if (first + count - 1 > UINT32_MAX) {
    return make_error(ErrorCode::kLimitExceeded, "input bundle ticks pass 2^32 - 1");
  }
  if (flags & ~kFlagAgainstPrevious) {
    return make_error(ErrorCode::kCorrupt, "input bundle has unknown flags 0x", std::hex,
                      int{flags});
  }
  InputBundleHeader header;
  header.first_tick = static_cast<std::uint32_t>(first);
  header.count = static_cast<std::uint32_t>(count);
  header.against_previous = flags & kFlagAgainstPrevious;
  if (header.against_previous && header.first_tick == 0) {
    return make_error(ErrorCode::kCorrupt, "an input bundle for tick 0 names a previous input");
  }
  return header;
}

Result<DecodedInputBundle> decode_input_bundle(const InputSchema& schema, ByteSpan payload,
                                               std::span<const std::int64_t> baseline) {
  THETA_TRY_ASSIGN(auto header, read_input_bundle_header(payload));
  const std::size_t slots = schema.slots();
  if (header.against_previous && baseline.size() != slots) {
    return make_error(ErrorCode::kInvalidArgument,
                      "the bundle is coded against the input for tick ", header.first_tick - 1,
                      ", and the baseline given has ", baseline.size(), " codes, not ", slots);
  }
  // The header's length: version, two varints, flags.
  const std::size_t header_bytes = 2 + varint_size(header.first_tick) + varint_size(header.count);
  BitReader r(payload.subspan(header_bytes));
  const replication::ComponentType& type = schema.type();
  DecodedInputBundle decoded;
  decoded.header = header;
  decoded.rows.resize(header.count * slots);
  std::span<const std::int64_t> previous =
      header.against_previous ? baseline : std::span<const std::int64_t>(schema.default_codes());
  for (std::size_t i = 0; i < header.count; ++i) {
    auto input = std::span(decoded.rows).subspan(i * slots, slots);
    for (std::size_t f = 0; f < type.fields().size(); ++f) {
      const FieldDescriptor& field = type.fields()[f];
      const auto at = static_cast<std::size_t>(type.slot_of(f));
      const auto n = static_cast<std::size_t>(field.slots());
      auto code = input.subspan(at, n);
      const auto prev = previous.subspan(at, n);
      THETA_TRY_ASSIGN(bool changed, r.read_bool("input field flag"));
      if (!changed) {
        std::copy(prev.begin(), prev.end(), code.begin());
        continue;
      }
      THETA_TRY_ASSIGN(bool full, r.read_bool("input field form"));
      if (full) {
        THETA_TRY(replication::read_field_code(r, field, code));
        continue;
      }
      if (field.kind == FieldKind::kQuaternion) {
        return make_error(ErrorCode::kCorrupt, "input for tick ", header.first_tick + i,
                          ": quaternion field '", field.name, "' has a delta");
      }
      THETA_TRY_ASSIGN(std::int64_t d, read_delta(r));
      auto moved = apply_delta(field, prev[0], d);
      if (!moved) {
        return make_error(ErrorCode::kOutOfRange, "input for tick ", header.first_tick + i,
                          ": field '", field.name, "' moves out of its range");
      }
      code[0] = *moved;
    }
    if (auto st = type.check_codes(input); !st.ok()) {
      return make_error(ErrorCode::kOutOfRange, "input for tick ", header.first_tick + i, ": ",
                        st.error().message);
    }
    previous = input;
  }
  const std::size_t padding = r.bits_remaining() % 8;
  THETA_TRY_ASSIGN(auto pad, r.read(static_cast<unsigned>(padding), "padding"));
  if (pad != 0) return make_error(ErrorCode::kCorrupt, "input bundle has non-zero padding bits");
  if (r.bits_remaining() != 0) {
    return make_error(ErrorCode::kCorrupt, "input bundle has ", r.bits_remaining() / 8,
                      " bytes after its last input");
  }
  return decoded;
}

}  // namespace theta_net::netcode
