// Field descriptors: what one field of a replicated component is and how it is quantized.
//
// A field's *raw* value is what the game simulates (integers and fixed point, never floats); its
// *code* is the quantized integer that travels and that both server and client hold. Replication
// works on codes only, so the client reconstructs exactly the server's quantized values, and
// dequantize(code) is a pure integer function of the code.
//
//   kind        raw value                              code
//   bool        0 or 1                                 0 or 1
//   integer     int64 in [min, max]                    the value (clamped)
//   fixed       Fx raw (1/65536 block)                 round(raw / 2^(16 - frac_bits)), clamped
//   angle       1/65536 turn (like InputFrame.yaw)     round to 2^bits steps per turn, wraps
//   quaternion  4 x Fx raw (x, y, z, w), unit length   smallest three: [largest index, a, b, c]
//
// Defaults from the seeds: positions to 1/16 block (frac_bits 4), rotations to 256 steps (8 bits).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "theta_net/core/result.hpp"

namespace theta_net::replication {

enum class FieldKind : std::uint8_t {
  kBool = 0,
  kInteger = 1,
  kFixed = 2,
  kAngle = 3,
  kQuaternion = 4
};

std::string_view field_kind_name(FieldKind kind);

inline constexpr int kFxFracBits = 16;          // raw fixed-point values are Fx = Fixed<16>
inline constexpr int kDefaultPositionBits = 4;  // 1/16 block
inline constexpr int kDefaultAngleBits = 8;     // 256 steps per turn
inline constexpr int kDefaultQuaternionBits = 9;
inline constexpr std::size_t kMaxFieldNameBytes = 64;
inline constexpr std::int64_t kFxOne = std::int64_t{1} << kFxFracBits;

struct FieldDescriptor {
  std::string name;
  FieldKind kind = FieldKind::kInteger;
  // integer: [min, max] of the value; fixed: [min, max] in Fx raw units. Unused otherwise.
  std::int64_t min = 0;
  std::int64_t max = 0;
  // fixed: fraction bits kept (step 2^-bits block, 0..16); angle: bits per turn (1..16);
  // quaternion: bits per smallest-three component (2..16).
  int bits = 0;

  static FieldDescriptor boolean(std::string name);
  static FieldDescriptor integer(std::string name, std::int64_t min, std::int64_t max);
  // A fixed-point field with step 2^-frac_bits, in [min_raw, max_raw] (Fx raw units).
  static FieldDescriptor fixed(std::string name, int frac_bits, std::int64_t min_raw,
                               std::int64_t max_raw);
  // A position coordinate: 1/16 block by default, range in whole blocks.
  static FieldDescriptor position(std::string name, std::int64_t min_blocks = -(1 << 25),
                                  std::int64_t max_blocks = 1 << 25,
                                  int frac_bits = kDefaultPositionBits);
  static FieldDescriptor angle(std::string name, int bits = kDefaultAngleBits);
  static FieldDescriptor quaternion(std::string name, int bits = kDefaultQuaternionBits);

  // Code slots the field takes in a component row: 4 for a quaternion, else 1.
  int slots() const { return kind == FieldKind::kQuaternion ? 4 : 1; }
  // Smallest and largest code of a scalar field (quaternion: of components a, b, c).
  std::int64_t code_min() const;
  std::int64_t code_max() const;
  // Bits of a fixed-width encoding of the field's code(s).
  int code_bits() const;
  // Whether codes wrap around (angles): deltas are then taken modulo 2^bits.
  bool wraps() const { return kind == FieldKind::kAngle; }

  // Checks the parameters (name length, bit counts, min <= max, ...).
  // Errors: kInvalidArgument (a name outside 1..kMaxFieldNameBytes bytes, parameters the kind
  // does not take or outside their range, min above max, a range wider than the codes allow, a
  // fixed field with no step inside [min, max], an unknown kind).
  Status validate() const;

  // raw[0..slots) -> code[0..slots). Out-of-range values are clamped (quantization is lossy by
  // design); a zero quaternion is treated as the identity.
  void quantize(std::span<const std::int64_t> raw, std::span<std::int64_t> code) const;
  // code -> raw. For every valid code, quantize(dequantize(code)) == code.
  void dequantize(std::span<const std::int64_t> code, std::span<std::int64_t> raw) const;
  // Quaternions: the same rotation as `code`, coded with `index` as the largest component (the
  // others clamped to the code range). The entity bitstream predicts with it when the largest
  // component of a rotation changes between baseline and now.
  void rebase_quaternion(std::span<const std::int64_t> code, int index,
                         std::span<std::int64_t> out) const;
  // Whether code[0..slots) is a code this field can produce.
  bool code_valid(std::span<const std::int64_t> code) const;

  bool operator==(const FieldDescriptor&) const = default;
};

}  // namespace theta_net::replication
