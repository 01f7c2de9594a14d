// JsonValue: a small JSON document type for event fields, stream headers and diff reports, and
// its canonical text (docs/replay.md, "Canonical JSON"): keys sorted by their UTF-8 bytes, no
// spaces, integers as integers, floats in Python's repr() form, no NaN or infinity. The canonical
// text of a value is exactly what Python's
//   json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
// writes, so tools in either language produce byte-identical streams.
#pragma once

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "theta_net/core/result.hpp"

namespace theta_net::replay {

class JsonValue;
using JsonArray = std::vector<JsonValue>;
using JsonMember = std::pair<std::string, JsonValue>;
// Members in insertion order; the canonical writer sorts them, the parser returns them sorted.
using JsonObject = std::vector<JsonMember>;

// The deepest nesting the writer produces and the readers accept (an event object is depth 1).
inline constexpr int kMaxJsonDepth = 64;

class JsonValue {
 public:
  enum class Type : std::uint8_t { kNull, kBool, kInt, kUint, kDouble, kString, kArray, kObject };

  JsonValue() = default;
  JsonValue(std::nullptr_t) {}
  JsonValue(bool b) : v_(b) {}
  template <std::signed_integral T>
  requires(!std::same_as<T, bool>) JsonValue(T i) : v_(static_cast<std::int64_t>(i)) {}
  // Unsigned values that fit int64 are stored as kInt, so 5u and 5 are the same value.
  template <std::unsigned_integral T>
  requires(!std::same_as<T, bool>) JsonValue(T u) {
    if (static_cast<std::uint64_t>(u) <= static_cast<std::uint64_t>(INT64_MAX)) {
      v_ = static_cast<std::int64_t>(u);
    } else {
      v_ = static_cast<std::uint64_t>(u);
    }
  }
  template <std::floating_point T>
  JsonValue(T d) : v_(static_cast<double>(d)) {}
  JsonValue(const char* s) : v_(std::string(s)) {}
  JsonValue(std::string_view s) : v_(std::string(s)) {}
  JsonValue(std::string s) : v_(std::move(s)) {}
  JsonValue(JsonArray a) : v_(std::move(a)) {}
  JsonValue(JsonObject o) : v_(std::move(o)) {}

  static JsonValue array(std::initializer_list<JsonValue> items) { return JsonArray(items); }
  static JsonValue object(std::initializer_list<JsonMember> members) { return JsonObject(members); }

  Type type() const { return static_cast<Type>(v_.index()); }
  bool is_null() const { return type() == Type::kNull; }
  bool is_bool() const { return type() == Type::kBool; }
  bool is_integer() const { return type() == Type::kInt || type() == Type::kUint; }
  bool is_number() const { return is_integer() || type() == Type::kDouble; }
  bool is_string() const { return type() == Type::kString; }
  bool is_array() const { return type() == Type::kArray; }
  bool is_object() const { return type() == Type::kObject; }

  // Accessors for a value of that type (checked by the caller: std::get throws otherwise).
  bool as_bool() const { return std::get<bool>(v_); }
  std::int64_t as_int() const { return std::get<std::int64_t>(v_); }
  std::uint64_t as_uint() const { return std::get<std::uint64_t>(v_); }
  double as_double() const;  // any number, converted
  const std::string& as_string() const { return std::get<std::string>(v_); }
  const JsonArray& as_array() const { return std::get<JsonArray>(v_); }
  JsonArray& as_array() { return std::get<JsonArray>(v_); }
  const JsonObject& as_object() const { return std::get<JsonObject>(v_); }
  JsonObject& as_object() { return std::get<JsonObject>(v_); }

  // The member named key of an object, or nullptr (also for non-objects).
  const JsonValue* find(std::string_view key) const;
  // Sets (replaces or appends) a member of an object; a null value becomes an empty object first.
  JsonValue& set(std::string_view key, JsonValue value);

  // Structural equality: numbers by value (5 == 5.0), objects regardless of member order.
  friend bool operator==(const JsonValue& a, const JsonValue& b);

 private:
  std::variant<std::monostate, bool, std::int64_t, std::uint64_t, double, std::string, JsonArray,
               JsonObject>
      v_;
};

// Appends the canonical text of value to out, so the writer never produces what the readers
// refuse. On an error out is unchanged and the message names the field path.
// Errors: kInvalidArgument (NaN or infinity, invalid UTF-8, a duplicate key, or nesting deeper
// than kMaxJsonDepth).
Status append_canonical(const JsonValue& value, std::string& out);
// The canonical text of value.
// Errors: those of append_canonical.
Result<std::string> to_canonical(const JsonValue& value);

}  // namespace theta_net::replay
