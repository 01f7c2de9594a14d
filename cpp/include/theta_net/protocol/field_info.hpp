// What the generated message types (theta_net/protocol/messages.hpp) tell the generic codecs
// about each field, and the name tables of enums. The codecs (msgpack, JSON, Python) are written
// once as templates over a struct's visit(); only the field lists are generated.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace theta_net::protocol {

struct FieldInfo {
  static constexpr std::uint8_t kOptional = 1;  // nil on the wire when absent
  static constexpr std::uint8_t kHasDefault =
      2;  // may be missing at the end of an older peer's array

  std::string_view name;
  std::uint16_t since_minor;  // the minor protocol version that introduced the field
  std::size_t max;            // byte length of str/bytes, element count of list/map; 0 = n/a
  std::uint8_t flags;

  constexpr bool optional() const { return (flags & kOptional) != 0; }
  // Whether a peer may leave the field out (it then keeps its default value).
  constexpr bool omittable() const { return (flags & (kOptional | kHasDefault)) != 0; }
};

template <class E>
struct EnumEntry {
  std::string_view name;
  E value;
};

// Specialised by the generated header for every schema enum: kName and kEntries.
template <class E>
struct EnumTraits;

template <class E>
constexpr std::optional<std::string_view> enum_name(E value) {
  for (const auto& entry : EnumTraits<E>::kEntries) {
    if (entry.value == value) return entry.name;
  }
  return std::nullopt;
}

template <class E>
constexpr std::optional<E> enum_from_name(std::string_view name) {
  for (const auto& entry : EnumTraits<E>::kEntries) {
    if (entry.name == name) return entry.value;
  }
  return std::nullopt;
}

template <class E>
constexpr bool enum_is_valid(E value) {
  return enum_name(value).has_value();
}

}  // namespace theta_net::protocol
