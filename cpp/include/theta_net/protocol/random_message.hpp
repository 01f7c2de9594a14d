// Seeded random message contents for property tests, fuzz seed corpora and benchmarks: every
// field gets a value its schema allows (enums valid, lengths within limits, optionals sometimes
// absent), so encode -> decode must give the same message back.
#pragma once

#include <string>
#include <type_traits>

#include "theta_net/core/rng.hpp"
#include "theta_net/protocol/messages.hpp"

namespace theta_net::protocol {

struct RandomMessageOptions {
  std::size_t max_elements = 3;  // per list or map
  std::size_t max_bytes = 40;    // per str or bytes (also capped by the field's limit)
};

namespace detail {

template <class T>
void fill_random(T& out, const FieldInfo& f, Rng& rng, const RandomMessageOptions& o);

inline std::size_t random_length(const FieldInfo& f, std::size_t default_max, Rng& rng,
                                 std::size_t cap) {
  const std::size_t limit = std::min(f.max ? f.max : default_max, cap);
  return static_cast<std::size_t>(rng.uniform(limit + 1));
}

template <class T>
void fill_random(T& out, const FieldInfo& f, Rng& rng, const RandomMessageOptions& o) {
  if constexpr (std::is_same_v<T, bool>) {
    out = rng.chance(0.5);
  } else if constexpr (std::is_enum_v<T>) {
    const auto& entries = EnumTraits<T>::kEntries;
    out = entries[rng.uniform(entries.size())].value;
  } else if constexpr (std::is_integral_v<T>) {
    // Mix small values (the common case, one-byte msgpack ints) with full-range ones.
    const auto raw = rng.chance(0.5) ? rng.next_u64() % 200 : rng.next_u64();
    out = static_cast<T>(raw);
  } else if constexpr (std::is_floating_point_v<T>) {
    out = static_cast<T>(rng.uniform_int(-1000000, 1000000)) / static_cast<T>(64);
  } else if constexpr (std::is_same_v<T, std::string>) {
    out.clear();
    const std::size_t n = random_length(f, kDefaultMaxStr, rng, o.max_bytes);
    for (std::size_t i = 0; i < n; ++i) out.push_back(static_cast<char>('a' + rng.uniform(26)));
    if (n >= 2 && rng.chance(0.3)) {  // a two-byte code point ("θ")
      out[0] = static_cast<char>(0xce);
      out[1] = static_cast<char>(0xb8);
    }
  } else if constexpr (std::is_same_v<T, Bytes>) {
    out.resize(random_length(f, kDefaultMaxBytes, rng, o.max_bytes));
    for (auto& b : out) b = static_cast<std::uint8_t>(rng.next_u32());
  } else if constexpr (requires { std::tuple_size<T>::value; }) {  // std::array<uint8_t, N>
    for (auto& b : out) b = static_cast<std::uint8_t>(rng.next_u32());
  } else if constexpr (requires {
                         typename T::value_type;
                         out.has_value();
                       }) {  // optional
    if (rng.chance(0.5)) {
      out.emplace();
      fill_random(*out, f, rng, o);
    } else {
      out.reset();
    }
  } else if constexpr (requires { typename T::mapped_type; }) {  // map<string, V>
    out.clear();
    const std::size_t n = random_length(f, 16, rng, o.max_elements);
    const FieldInfo elem{f.name, f.since_minor, 0, 0};
    for (std::size_t i = 0; i < n; ++i) {
      typename T::mapped_type v{};
      fill_random(v, elem, rng, o);
      std::string key(1, 'k');
      key += std::to_string(i);
      out.emplace(std::move(key), std::move(v));
    }
  } else if constexpr (requires { out.push_back(typename T::value_type{}); }) {  // vector
    out.clear();
    out.resize(random_length(f, 16, rng, o.max_elements));
    const FieldInfo elem{f.name, f.since_minor, 0, 0};
    for (auto& e : out) fill_random(e, elem, rng, o);
  } else {
    T::visit(out,
             [&](const FieldInfo& field, auto& member) { fill_random(member, field, rng, o); });
  }
}

}  // namespace detail

template <class M>
M random_message(Rng& rng, const RandomMessageOptions& options = {}) {
  M message{};
  M::visit(message,
           [&](const FieldInfo& f, auto& member) { detail::fill_random(member, f, rng, options); });
  return message;
}

// A random message of the type at `index` in AnyMessage.
AnyMessage random_any_message(std::size_t index, Rng& rng,
                              const RandomMessageOptions& options = {});
// A random message of the given type.
AnyMessage random_message_of_type(MessageType type, Rng& rng,
                                  const RandomMessageOptions& options = {});

}  // namespace theta_net::protocol
