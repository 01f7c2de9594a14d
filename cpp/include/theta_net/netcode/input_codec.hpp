// The bundle of inputs a client sends every tick, delta-coded by field. A bundle holds the inputs
// for ticks first_tick .. first_tick + count - 1 (oldest first): every input the server has not
// yet acknowledged, so a lost datagram costs nothing. Each input is coded against the one before
// it; the first against the input for first_tick - 1 when the sender knows the receiver holds it
// (the newest input the server acknowledged), else against the schema's default input.
//
//   u8      format version (1)
//   varint  first_tick
//   varint  count (1..kMaxBundleInputs)
//   u8      flags: bit 0 = coded against the input for first_tick - 1; other bits zero
//   bits    per input, per field (LSB first, zero-padded to a byte):
//             0             unchanged
//             1 0 <delta>   a change, as code - previous (angles: the short way round a turn)
//                           in an exp-Golomb code of its zigzag form: n zeros, a one, n bits
//             1 1 <code>    the full code (field.code_bits(), as the component codec writes
//                           it); the encoder takes it when the delta would not be shorter, and
//                           for quaternions always
//
// Held buttons and a steady stick cost one bit a field; an aim that turns a little, a few more.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "theta_net/core/byte_io.hpp"
#include "theta_net/core/result.hpp"
#include "theta_net/netcode/input_schema.hpp"

namespace theta_net::netcode {

inline constexpr std::size_t kMaxBundleInputs = 64;
inline constexpr std::uint8_t kInputBundleVersion = 1;

struct InputBundleHeader {
  std::uint32_t first_tick = 0;
  std::uint32_t count = 0;
  bool against_previous = false;  // coded against the input for first_tick - 1
};

// `rows`: count * schema.slots() codes, oldest first. `baseline`: the codes for first_tick - 1
// the receiver holds, or empty to code against the default input.
// Errors: kInvalidArgument (no inputs, rows not a whole number of inputs, a baseline of the
// wrong length, first_tick 0 with a baseline, a code outside its field's range),
// kLimitExceeded (more than kMaxBundleInputs inputs, ticks past 2^32 - 1).
Result<Bytes> encode_input_bundle(const InputSchema& schema, std::uint32_t first_tick,
                                  std::span<const std::int64_t> rows,
                                  std::span<const std::int64_t> baseline);

// The header alone: which baseline the receiver needs before decoding.
// Errors: kTruncated (the payload ends inside the header), kUnsupportedVersion (a version other
// than kInputBundleVersion), kCorrupt (unknown flag bits, a non-canonical varint, a first tick
// of 0 with a baseline), kLimitExceeded (a count of 0 or over kMaxBundleInputs, ticks past
// 2^32 - 1), kOverflow (a varint over 32 bits).
Result<InputBundleHeader> read_input_bundle_header(ByteSpan payload);

struct DecodedInputBundle {
  InputBundleHeader header;
  std::vector<std::int64_t> rows;  // header.count * schema.slots() codes
};

// `baseline`: the codes for first_tick - 1 when the header says the bundle is coded against
// them (ignored otherwise). A border: nothing is returned unless every input decodes and every
// code is inside its field's range.
// Errors: those of read_input_bundle_header; kInvalidArgument (a baseline needed but of the
// wrong length), kTruncated (the bits end inside an input), kOutOfRange (a code outside its
// field's range, naming the tick and the field), kCorrupt (non-zero padding bits, bytes after
// the bundle, a delta longer than 64 bits, a delta on a quaternion).
Result<DecodedInputBundle> decode_input_bundle(const InputSchema& schema, ByteSpan payload,
                                               std::span<const std::int64_t> baseline);

}  // namespace theta_net::netcode
