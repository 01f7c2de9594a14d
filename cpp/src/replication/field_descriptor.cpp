#include "theta_net/replication/field_descriptor.hpp"

#include <algorithm>
#include <bit>
#include <utility>

#include "theta_net/core/integer_math.hpp"

namespace theta_net::replication {
namespace {

// 1/sqrt(2) in Fx raw units, rounded: the bound of the three smallest quaternion components.
constexpr std::int64_t kInvSqrt2 = 46341;
constexpr int kMaxCodeBits = 62;

int width_of(std::uint64_t span) {
  return std::max(1, static_cast<int>(std::bit_width(span)));
}

// Smallest-three component code <-> Fx raw value in [-1/sqrt2, 1/sqrt2].
std::int64_t quat_component_code(std::int64_t v, int bits) {
  const std::int64_t steps = (std::int64_t{1} << bits) - 1;
  v = std::clamp(v, -kInvSqrt2, kInvSqrt2);
  const std::int64_t num = (v + kInvSqrt2) * steps;
  return std::clamp(floor_div(2 * num + 2 * kInvSqrt2, 4 * kInvSqrt2), std::int64_t{0}, steps);
}
std::int64_t quat_component_value(std::int64_t code, int bits) {
  const std::int64_t steps = (std::int64_t{1} << bits) - 1;
  return floor_div(2 * (code * 2 * kInvSqrt2) + steps, 2 * steps) - kInvSqrt2;
}

}  // namespace

std::string_view field_kind_name(FieldKind kind) {
  switch (kind) {
    case FieldKind::kBool:
      return "bool";
    case FieldKind::kInteger:
      return "integer";
    case FieldKind::kFixed:
      return "fixed";
    case FieldKind::kAngle:
      return "angle";
    case FieldKind::kQuaternion:
      return "quaternion";
  }
  return "unknown";
}

FieldDescriptor FieldDescriptor::boolean(std::string name) {
  return {std::move(name), FieldKind::kBool, 0, 1, 0};
}
FieldDescriptor FieldDescriptor::integer(std::string name, std::int64_t min, std::int64_t max) {
  return {std::move(name), FieldKind::kInteger, min, max, 0};
}
FieldDescriptor FieldDescriptor::fixed(std::string name, int frac_bits, std::int64_t min_raw,
                                       std::int64_t max_raw) {
  return {std::move(name), FieldKind::kFixed, min_raw, max_raw, frac_bits};
}
FieldDescriptor FieldDescriptor::position(std::string name, std::int64_t min_blocks,
                                          std::int64_t max_blocks, int frac_bits) {
  return fixed(std::move(name), frac_bits, min_blocks * kFxOne, max_blocks * kFxOne);
}
FieldDescriptor FieldDescriptor::angle(std::string name, int bits) {
  return {std::move(name), FieldKind::kAngle, 0, 0, bits};
}
FieldDescriptor FieldDescriptor::quaternion(std::string name, int bits) {
  return {std::move(name), FieldKind::kQuaternion, 0, 0, bits};
}

std::int64_t FieldDescriptor::code_min() const {
  switch (kind) {
    case FieldKind::kFixed:
      return ceil_div(min, std::int64_t{1} << (kFxFracBits - bits));
    case FieldKind::kInteger:
      return min;
    default:
      return 0;
  }
}

std::int64_t FieldDescriptor::code_max() const {
  switch (kind) {
    case FieldKind::kBool:
      return 1;
    case FieldKind::kInteger:
      return max;
    case FieldKind::kFixed:
      return floor_div(max, std::int64_t{1} << (kFxFracBits - bits));
    case FieldKind::kAngle:
    case FieldKind::kQuaternion:
      return (std::int64_t{1} << bits) - 1;
  }
  return 0;
}

int FieldDescriptor::code_bits() const {
  switch (kind) {
    case FieldKind::kBool:
      return 1;
    case FieldKind::kAngle:
      return bits;
    case FieldKind::kQuaternion:
      return 2 + 3 * bits;
    default:
      return width_of(static_cast<std::uint64_t>(code_max()) -
                      static_cast<std::uint64_t>(code_min()));
  }
}

Status FieldDescriptor::validate() const {
  if (name.empty() || name.size() > kMaxFieldNameBytes) {
    return make_error(ErrorCode::kInvalidArgument, "field name must be 1..", kMaxFieldNameBytes,
                      " bytes, got ", name.size());
  }
  switch (kind) {
    case FieldKind::kBool:
      if (min != 0 || max != 1 || bits != 0) {
        return make_error(ErrorCode::kInvalidArgument, "bool field '", name,
                          "' takes no parameters");
      }
      return {};
    case FieldKind::kInteger:
    case FieldKind::kFixed: {
      if (kind == FieldKind::kFixed && (bits < 0 || bits > kFxFracBits)) {
        return make_error(ErrorCode::kInvalidArgument, "fixed field '", name,
                          "': fraction bits must be 0..16, got ", bits);
      }
      if (kind == FieldKind::kInteger && bits != 0) {
        return make_error(ErrorCode::kInvalidArgument, "integer field '", name,
                          "' takes no bit count");
      }
      if (min > max) {
        return make_error(ErrorCode::kInvalidArgument, "field '", name, "': min ", min,
                          " is above max ", max);
      }
      // Bound the span so that code differences never overflow an int64.
      const auto span = static_cast<std::uint64_t>(max) - static_cast<std::uint64_t>(min);
      if (std::bit_width(span) > kMaxCodeBits) {
        return make_error(ErrorCode::kInvalidArgument, "field '", name, "': range wider than 2^",
                          kMaxCodeBits);
      }
      if (code_min() > code_max()) {
        return make_error(ErrorCode::kInvalidArgument, "fixed field '", name, "': no step of 2^-",
                          bits, " lies in [min, max]");
      }
      return {};
    }
    case FieldKind::kAngle:
      if (bits < 1 || bits > 16 || min != 0 || max != 0) {
        return make_error(ErrorCode::kInvalidArgument, "angle field '", name,
                          "': bits must be 1..16, got ", bits);
      }
      return {};
    case FieldKind::kQuaternion:
      if (bits < 2 || bits > 16 || min != 0 || max != 0) {
        return make_error(ErrorCode::kInvalidArgument, "quaternion field '", name,
                          "': bits must be 2..16, got ", bits);
      }
      return {};
  }
  return make_error(ErrorCode::kInvalidArgument, "field '", name, "': unknown kind ",
                    static_cast<int>(kind));
}

void FieldDescriptor::quantize(std::span<const std::int64_t> raw,
                               std::span<std::int64_t> code) const {
  switch (kind) {
    case FieldKind::kBool:
      code[0] = raw[0] != 0 ? 1 : 0;
      return;
    case FieldKind::kInteger:
      code[0] = std::clamp(raw[0], min, max);
      return;
    case FieldKind::kFixed: {
      const int shift = kFxFracBits - bits;
      const std::int64_t step = std::int64_t{1} << shift;
      const std::int64_t r = std::clamp(raw[0], min, max);
      // Round half up; the clamp keeps r + step/2 far from overflow (spans are < 2^62).
      code[0] = std::clamp(floor_div(r + step / 2, step), code_min(), code_max());
      return;
    }
    case FieldKind::kAngle: {
      const int shift = kFxFracBits - bits;
      const std::uint64_t turn = static_cast<std::uint64_t>(raw[0]) & 0xffff;
      const std::uint64_t half = shift > 0 ? (std::uint64_t{1} << (shift - 1)) : 0;
      code[0] =
          static_cast<std::int64_t>(((turn + half) >> shift) & ((std::uint64_t{1} << bits) - 1));
      return;
    }
    case FieldKind::kQuaternion: {
      std::int64_t q[4];
      for (int i = 0; i < 4; ++i) q[i] = raw[i];
      int largest = 0;
      for (int i = 1; i < 4; ++i) {
        if ((q[i] < 0 ? -q[i] : q[i]) > (q[largest] < 0 ? -q[largest] : q[largest])) largest = i;
      }
      if (q[largest] == 0) {  // not a rotation: send the identity
        q[0] = q[1] = q[2] = 0;
        q[3] = kFxOne;
        largest = 3;
      }
      const bool negate = q[largest] < 0;  // q and -q are the same rotation
      code[0] = largest;
      int out = 1;
      for (int i = 0; i < 4; ++i) {
        if (i == largest) continue;
        code[out++] = quat_component_code(negate ? -q[i] : q[i], bits);
      }
      return;
    }
  }
}

void FieldDescriptor::dequantize(std::span<const std::int64_t> code,
                                 std::span<std::int64_t> raw) const {
  switch (kind) {
    case FieldKind::kBool:
    case FieldKind::kInteger:
      raw[0] = code[0];
      return;
    case FieldKind::kFixed:
      raw[0] = code[0] * (std::int64_t{1} << (kFxFracBits - bits));
      return;
    case FieldKind::kAngle: {
      const std::int64_t v = code[0] << (kFxFracBits - bits);
      raw[0] = v >= 32768 ? v - 65536 : v;  // -half turn .. +half turn, like a signed i16
      return;
    }
    case FieldKind::kQuaternion: {
      const int largest = static_cast<int>(code[0] & 3);
      std::int64_t sum = 0;
      int in = 1;
      for (int i = 0; i < 4; ++i) {
        if (i == largest) continue;
        raw[i] = quat_component_value(code[in++], bits);
        sum += raw[i] * raw[i];
      }
      const std::int64_t rest = kFxOne * kFxOne - sum;
      raw[largest] =
          rest > 0 ? static_cast<std::int64_t>(isqrt(static_cast<std::uint64_t>(rest))) : 0;
      return;
    }
  }
}

void FieldDescriptor::rebase_quaternion(std::span<const std::int64_t> code, int index,
                                        std::span<std::int64_t> out) const {
  std::int64_t raw[4];
  dequantize(code, raw);
  const bool negate = raw[index] < 0;
  out[0] = index;
  int n = 1;
  for (int i = 0; i < 4; ++i) {
    if (i != index) out[n++] = quat_component_code(negate ? -raw[i] : raw[i], bits);
  }
}

bool FieldDescriptor::code_valid(std::span<const std::int64_t> code) const {
  if (kind == FieldKind::kQuaternion) {
    if (code[0] < 0 || code[0] > 3) return false;
    for (int i = 1; i < 4; ++i) {
      if (code[i] < 0 || code[i] > code_max()) return false;
    }
    return true;
  }
  return code[0] >= code_min() && code[0] <= code_max();
}

}  // namespace theta_net::replication
