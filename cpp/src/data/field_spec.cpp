#include "theta_net/data/field_spec.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <set>

#include "theta_net/core/utf8.hpp"
#include "theta_net/core/varint.hpp"

namespace theta_net::data {
namespace {

constexpr std::string_view kTypeNames[] = {"bool",  "int", "enum",   "fixed",
                                           "float", "f64", "string", "bytes"};

constexpr std::int64_t kMaxExactSteps = std::int64_t{1} << 53;
// A float step must be at least 2^-50 of the range's magnitude: doubles carry 53 bits, which
// leaves an error of at most 1/8 code on the way code -> units -> code.
constexpr int kFloatStepMarginBits = 50;

// The largest quantization code of a float field with `bits` code bits.
std::int64_t max_float_code(int bits) {
  return static_cast<std::int64_t>((std::uint64_t{1} << bits) - 1);
}

}  // namespace

std::string_view field_type_name(FieldType type) {
  const auto index = static_cast<std::size_t>(type);
  return index < std::size(kTypeNames) ? kTypeNames[index] : std::string_view("invalid");
}

Result<FieldType> parse_field_type(std::string_view name) {
  for (std::size_t i = 0; i < std::size(kTypeNames); ++i) {
    if (kTypeNames[i] == name) return static_cast<FieldType>(i);
  }
  return make_error(ErrorCode::kInvalidArgument, "unknown field type '", name,
                    "' (expected bool, int, enum, fixed, float, f64, string or bytes)");
}

bool is_valid_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameBytes) return false;
  if (name[0] >= '0' && name[0] <= '9') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool FieldSpec::is_integer() const {
  return type != FieldType::kF64 && !is_text();
}

Value FieldSpec::type_default() const {
  if (is_text()) return std::string();
  if (type == FieldType::kF64) {
    if (count == 1) return 0.0;
    return std::vector<double>(count, 0.0);
  }
  std::int64_t code = 0;
  if (type == FieldType::kInt || type == FieldType::kFixed) {
    code = std::clamp<std::int64_t>(0, min, std::max(min, max));
  } else if (type == FieldType::kFloat && bits >= 1 && bits <= 32) {
    if (float_max <= 0) {
      code = max_float_code(bits);
    } else if (float_min < 0) {
      auto zero = units_to_code(0.0);
      code = zero.ok() ? std::clamp<std::int64_t>(*zero, 0, max_float_code(bits)) : 0;
    }
  }
  if (count == 1) return code;
  return std::vector<std::int64_t>(count, code);
}

double FieldSpec::code_to_units(std::int64_t code) const {
  if (type == FieldType::kFixed) return std::ldexp(static_cast<double>(code), -bits);
  if (type == FieldType::kFloat) {
    const double step = (float_max - float_min) / static_cast<double>(max_float_code(bits));
    return float_min + static_cast<double>(code) * step;
  }
  return static_cast<double>(code);
}

Result<std::int64_t> FieldSpec::units_to_code(double units) const {
  double scaled = units;
  if (type == FieldType::kFixed) {
    scaled = std::ldexp(units, bits);
  } else if (type == FieldType::kFloat) {
    const double step = (float_max - float_min) / static_cast<double>(max_float_code(bits));
    scaled = (units - float_min) / step;
  }
  // llround is only defined for results that fit: 2^63 is the first double that does not.
  if (!std::isfinite(scaled) || std::fabs(scaled) >= 9.2233720368547758e18) {
    return make_error(ErrorCode::kOutOfRange, "field '", name, "': ", units,
                      " has no code in 64 bits");
  }
  return static_cast<std::int64_t>(std::llround(scaled));
}

Status FieldSpec::validate() const {
  auto fail = [&](const auto&... parts) {
    return make_error(ErrorCode::kInvalidArgument, "field '", name, "' (", field_type_name(type),
                      "): ", parts...);
  };
  if (!is_valid_name(name)) {
    return make_error(ErrorCode::kInvalidArgument, "field name '", name, "' must be 1..",
                      kMaxNameBytes, " characters of [A-Za-z0-9_], not starting with a digit");
  }
  if (static_cast<std::size_t>(type) >= std::size(kTypeNames)) return fail("unknown type");
  if (count < 1 || count > kMaxArrayCount) {
    return fail("count ", int{count}, " is outside 1..", kMaxArrayCount);
  }
  if (is_text() && count != 1) return fail("text fields cannot be arrays (count ", int{count}, ")");
  if (doc.size() > kMaxDocBytes || !is_valid_utf8(doc)) {
    return fail("doc must be UTF-8 of at most ", kMaxDocBytes, " bytes");
  }
  // A parameter the type does not use must stay at zero: it would be hashed but never written
  // to TOML, and two schemas that differ only there would look alike.
  const bool uses_range = type == FieldType::kInt || type == FieldType::kFixed;
  const bool uses_bits = type == FieldType::kFixed || type == FieldType::kFloat;
  if (!uses_range && (min != 0 || max != 0)) return fail("min/max are not used by this type");
  if (!uses_bits && bits != 0) return fail("bits are not used by this type");
  if (type != FieldType::kFloat && (float_min != 0 || float_max != 0)) {
    return fail("float_min/float_max are only used by float fields");
  }
  if (type != FieldType::kEnum && !enum_values.empty()) return fail("values are only for enums");
  if (!is_text() && max_bytes != 0) return fail("a byte bound is only for string and bytes");
  switch (type) {
    case FieldType::kInt:
      if (min > max) return fail("min ", min, " is above max ", max);
      break;
    case FieldType::kFixed:
      if (bits < 0 || bits > 30) return fail("frac_bits ", bits, " is outside 0..30");
      if (min > max) return fail("min ", min, " steps is above max ", max);
      // Beyond 2^53 steps a bound has no exact decimal in units, so its TOML would not read
      // back as the same steps.
      if (min < -kMaxExactSteps || max > kMaxExactSteps) {
        return fail("the range in steps must lie within +-2^53");
      }
      break;
    case FieldType::kFloat: {
      if (bits < 1 || bits > 32) return fail("bits ", bits, " is outside 1..32");
      if (!std::isfinite(float_min) || !std::isfinite(float_max) || !(float_min < float_max) ||
          !std::isfinite(float_max - float_min)) {
        return fail("the range ", float_min, "..", float_max, " must be finite and increasing");
      }
      // Every code must survive code -> units -> code (defaults travel in units): the step
      // must stay well above the rounding error of doubles of the range's magnitude.
      const double step = (float_max - float_min) / static_cast<double>(max_float_code(bits));
      const double magnitude = std::max(std::fabs(float_min), std::fabs(float_max));
      if (step < std::ldexp(magnitude, -kFloatStepMarginBits)) {
        return fail("the range ", float_min, "..", float_max,
                    " is too narrow for its magnitude at ", bits,
                    " bits (codes would not round trip through doubles)");
      }
      break;
    }
    case FieldType::kEnum: {
      if (enum_values.empty() || enum_values.size() > kMaxEnumValues) {
        return fail("needs 1..", kMaxEnumValues, " values, got ", enum_values.size());
      }
      std::set<std::string_view> seen;
      for (const auto& value : enum_values) {
        if (!is_valid_name(value)) {
          return fail("value '", value, "' must be 1..", kMaxNameBytes,
                      " characters of [A-Za-z0-9_], not starting with a digit");
        }
        if (!seen.insert(value).second) return fail("value '", value, "' is listed twice");
      }
      break;
    }
    case FieldType::kString:
    case FieldType::kBytes:
      if (max_bytes < 1 || max_bytes > kMaxTextBytes) {
        return fail("max ", max_bytes, " is outside 1..", kMaxTextBytes);
      }
      break;
    case FieldType::kBool:
    case FieldType::kF64:
      break;
  }
  auto checked = check(default_value);
  if (!checked.ok()) return fail("bad default: ", checked.error().message);
  return {};
}

Status FieldSpec::check(const Value& value) const {
  auto check_code = [&](std::int64_t code) -> Status {
    std::int64_t lo = 0, hi = 0;
    switch (type) {
      case FieldType::kBool:
        hi = 1;
        break;
      case FieldType::kEnum:
        hi = static_cast<std::int64_t>(enum_values.size()) - 1;
        break;
      case FieldType::kFloat:
        hi = max_float_code(bits);
        break;
      default:
        lo = min, hi = max;
        break;
    }
    if (code < lo || code > hi) {
      return make_error(ErrorCode::kOutOfRange, "field '", name, "': ", code, " is outside ", lo,
                        "..", hi);
    }
    return {};
  };
  auto check_real = [&](double v) -> Status {
    if (!std::isfinite(v)) {
      return make_error(ErrorCode::kOutOfRange, "field '", name, "': ", v, " is not finite");
    }
    return {};
  };
  auto wrong = [&](std::string_view expected) {
    return make_error(ErrorCode::kInvalidArgument, "field '", name, "' (", field_type_name(type),
                      ") holds ", expected);
  };
  if (is_text()) {
    const auto* text = std::get_if<std::string>(&value);
    if (text == nullptr) return wrong("a string");
    if (text->size() > max_bytes) {
      return make_error(ErrorCode::kOutOfRange, "field '", name, "': ", text->size(),
                        " bytes is over its max of ", max_bytes);
    }
    if (type == FieldType::kString && !is_valid_utf8(*text)) {
      return make_error(ErrorCode::kOutOfRange, "field '", name, "': the text is not UTF-8");
    }
    return {};
  }
  if (type == FieldType::kF64) {
    if (count == 1) {
      const auto* v = std::get_if<double>(&value);
      if (v == nullptr) return wrong("a double");
      return check_real(*v);
    }
    const auto* v = std::get_if<std::vector<double>>(&value);
    if (v == nullptr || v->size() != count) return wrong(str_cat(int{count}, " doubles"));
    for (double x : *v) THETA_TRY(check_real(x));
    return {};
  }
  if (count == 1) {
    const auto* v = std::get_if<std::int64_t>(&value);
    if (v == nullptr) return wrong("an int64 code");
    return check_code(*v);
  }
  const auto* v = std::get_if<std::vector<std::int64_t>>(&value);
  if (v == nullptr || v->size() != count) return wrong(str_cat(int{count}, " int64 codes"));
  for (std::int64_t x : *v) THETA_TRY(check_code(x));
  return {};
}

void FieldSpec::encode(const Value& value, ByteWriter& out) const {
  auto put_code = [&](std::int64_t code) {
    switch (type) {
      case FieldType::kBool:
        out.u8(static_cast<std::uint8_t>(code));
        break;
      case FieldType::kInt:
      case FieldType::kFixed:
        write_svarint(out, code);
        break;
      default:
        write_varint(out, static_cast<std::uint64_t>(code));
        break;
    }
  };
  if (is_text()) {
    const auto& text = std::get<std::string>(value);
    write_varint(out, text.size());
    out.bytes(ByteSpan(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  } else if (type == FieldType::kF64) {
    if (count == 1) {
      out.u64le(std::bit_cast<std::uint64_t>(std::get<double>(value)));
    } else {
      for (double x : std::get<std::vector<double>>(value)) {
        out.u64le(std::bit_cast<std::uint64_t>(x));
      }
    }
  } else if (count == 1) {
    put_code(std::get<std::int64_t>(value));
  } else {
    for (std::int64_t x : std::get<std::vector<std::int64_t>>(value)) put_code(x);
  }
}

Result<Value> FieldSpec::decode(ByteReader& in) const {
  auto read_code = [&]() -> Result<std::int64_t> {
    std::int64_t code = 0;
    switch (type) {
      case FieldType::kBool: {
        THETA_TRY_ASSIGN(std::uint8_t byte, in.u8(name.c_str()));
        code = byte;
        break;
      }
      case FieldType::kInt:
      case FieldType::kFixed: {
        THETA_TRY_ASSIGN(code, read_svarint(in, name.c_str()));
        break;
      }
      default: {
        THETA_TRY_ASSIGN(std::uint64_t raw, read_varint(in, name.c_str()));
        // Codes of enums and floats are at most 2^32 - 1; anything larger is out of range.
        if (raw > static_cast<std::uint64_t>(INT64_MAX)) {
          return make_error(ErrorCode::kOutOfRange, "field '", name, "': code ", raw,
                            " is out of range");
        }
        code = static_cast<std::int64_t>(raw);
        break;
      }
    }
    return code;
  };
  auto read_real = [&]() -> Result<double> {
    THETA_TRY_ASSIGN(std::uint64_t raw, in.u64le(name.c_str()));
    return std::bit_cast<double>(raw);
  };

  Value value;
  if (is_text()) {
    const std::size_t start = in.offset();
    THETA_TRY_ASSIGN(std::uint64_t length, read_varint(in, name.c_str()));
    if (length > max_bytes) {
      return make_error(ErrorCode::kOutOfRange, "field '", name, "' at offset ", start, ": ",
                        length, " bytes is over its max of ", max_bytes);
    }
    THETA_TRY_ASSIGN(ByteSpan bytes, in.bytes(static_cast<std::size_t>(length), name.c_str()));
    value = std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  } else if (type == FieldType::kF64) {
    if (count == 1) {
      THETA_TRY_ASSIGN(value, read_real());
    } else {
      std::vector<double> values(count);
      for (auto& x : values) {
        THETA_TRY_ASSIGN(x, read_real());
      }
      value = std::move(values);
    }
  } else if (count == 1) {
    THETA_TRY_ASSIGN(value, read_code());
  } else {
    std::vector<std::int64_t> values(count);
    for (auto& x : values) {
      THETA_TRY_ASSIGN(x, read_code());
    }
    value = std::move(values);
  }
  THETA_TRY(check(value));
  return value;
}

}  // namespace theta_net::data
