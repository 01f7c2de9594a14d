// FieldSpec: one typed field of a user-defined component in the data layer (docs/data.md), and
// Value, what a field holds in memory.
//
//   type     stored as                 travels as                      Python
//   bool     int64 0/1                 u8                              bool
//   int      int64 in [min, max]       zigzag varint                   int
//   enum     int64 index into values   varint                          str (the value's name)
//   fixed    int64 steps of 2^-frac    zigzag varint of the steps      float (steps / 2^frac)
//   float    int64 code in [0, 2^bits) varint (quantized over min..max) float (min + code * step)
//   f64      double                    8 bytes little endian           float
//   string   std::string (UTF-8)       varint length + bytes (<= max)  str
//   bytes    std::string (any bytes)   varint length + bytes (<= max)  bytes
//
// Numeric types (all but string and bytes) may be small fixed-length arrays (`count` 1..16):
// the value is then `count` elements, stored side by side. Integers and codes are what travel and
// what the digest covers, so a client holds exactly the server's values (no float drift).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "theta_net/core/byte_io.hpp"
#include "theta_net/core/result.hpp"
#include "theta_net/data/conflict_strategy.hpp"

namespace theta_net::data {

enum class FieldType : std::uint8_t {
  kBool = 0,
  kInt = 1,
  kEnum = 2,
  kFixed = 3,
  kFloat = 4,
  kF64 = 5,
  kString = 6,
  kBytes = 7,
};

// "bool", "int", ... as written in schema TOML; nullopt-like kInvalidArgument for others.
std::string_view field_type_name(FieldType type);
// Errors: kInvalidArgument (a name that is no field type; the message lists the valid ones).
Result<FieldType> parse_field_type(std::string_view name);

inline constexpr std::size_t kMaxNameBytes = 64;   // table, component, field, enum value
inline constexpr std::size_t kMaxArrayCount = 16;  // elements of a numeric array field
inline constexpr std::size_t kMaxEnumValues = 256;
inline constexpr std::uint32_t kMaxTextBytes = 65536;  // the largest `max` of string/bytes
inline constexpr std::size_t kMaxDocBytes = 4096;      // a field's doc text

// Whether a name (table, component, field, enum value) is 1..kMaxNameBytes of [A-Za-z0-9_] not
// starting with a digit: a Python identifier and a numpy column name, and never containing the
// '.' that joins "table.component" for component ids.
bool is_valid_name(std::string_view name);

// What a field holds: int64 for bool/int/enum/fixed/float (codes), double for f64, std::string
// for string and bytes; an array field holds a vector of its element's representation.
using Value =
    std::variant<std::int64_t, double, std::string, std::vector<std::int64_t>, std::vector<double>>;

struct FieldSpec {
  std::string name;
  FieldType type = FieldType::kInt;
  std::int64_t min = 0;  // int: value range; fixed: in steps
  std::int64_t max = 0;
  int bits = 0;                           // fixed: fraction bits (0..30); float: code bits (1..32)
  double float_min = 0, float_max = 0;    // float: the range quantized over
  std::vector<std::string> enum_values;   // enum
  std::uint32_t max_bytes = 0;            // string/bytes: the bound (1..kMaxTextBytes)
  std::uint8_t count = 1;                 // numeric arrays: elements (1..kMaxArrayCount)
  std::uint16_t since_minor = 0;          // the schema minor version that added it
  Value default_value = std::int64_t{0};  // of the stored representation
  std::string doc;                        // free text for people; not part of the schema hash
  // How concurrent writes to it are settled (conflict_strategy.hpp); none: its table's. Checked
  // by DataSchema::make, which knows the table's strategy too.
  std::optional<ConflictStrategy> conflict;

  // Whether the stored representation is int64 codes, double or text.
  bool is_integer() const;
  bool is_text() const { return type == FieldType::kString || type == FieldType::kBytes; }

  // The default a field gets when its declaration names none: false, the first enum value, 0
  // (or the number in the range nearest to it, in units for fixed and float), "" for text;
  // `count` copies for an array. Depends only on the type's parameters, so set those first.
  Value type_default() const;
  // fixed and float: a stored code (steps or quantization code) in user units, and the nearest
  // code to a number in units (not range-checked: FieldSpec::check does that). Other types
  // pass integers through.
  double code_to_units(std::int64_t code) const;
  // Errors: kOutOfRange (a number that is not finite or whose code does not fit in 64 bits).
  Result<std::int64_t> units_to_code(double units) const;

  // Checks the parameters (name, ranges, bits, count, bounds) and that the default is valid.
  // Errors: kInvalidArgument (naming the field and what is wrong with it).
  Status validate() const;
  // Checks that a value has this field's representation and lies in its range or bound.
  // Errors: kInvalidArgument (a value of another representation or array length),
  // kOutOfRange (a number outside the range, a text over max_bytes, invalid UTF-8 in a string).
  Status check(const Value& value) const;

  // The value's wire form (see the table above), appended to `out`.
  void encode(const Value& value, ByteWriter& out) const;
  // Reads one value (a border: lengths and ranges are checked).
  // Errors: kTruncated (the input ends early), kOverflow (a varint over 64 bits), kCorrupt (a
  // non-canonical varint), kOutOfRange (a value outside the field's range, a text over
  // max_bytes, invalid UTF-8 in a string).
  Result<Value> decode(ByteReader& in) const;

  bool operator==(const FieldSpec&) const = default;
};

}  // namespace theta_net::data
