#include "theta_net/protocol/message_json.hpp"

#include <type_traits>

#include "theta_net/core/json_writer.hpp"

namespace theta_net::protocol {
namespace {

template <class T>
void write_value(JsonWriter& json, const T& value) {
  if constexpr (std::is_same_v<T, bool>) {
    json.boolean(value);
  } else if constexpr (std::is_enum_v<T>) {
    json.string(enum_name(value).value_or("?"));
  } else if constexpr (std::is_integral_v<T>) {
    json.integer(value);
  } else if constexpr (std::is_floating_point_v<T>) {
    json.shortest_number(value);
  } else if constexpr (std::is_same_v<T, std::string>) {
    json.string(value);
  } else if constexpr (std::is_same_v<T, Bytes> || requires { std::tuple_size<T>::value; }) {
    json.string(base64(ByteSpan(value.data(), value.size())));
  } else if constexpr (requires { value.has_value(); }) {
    if (value) {
      write_value(json, *value);
    } else {
      json.null();
    }
  } else if constexpr (requires { typename T::mapped_type; }) {
    json.begin_object();
    for (const auto& [k, v] : value) {
      json.key(k);
      write_value(json, v);
    }
    json.end_object();
  } else if constexpr (requires {
                         typename T::value_type;
                         value.size();
                       }) {
    json.begin_array();
    for (std::size_t i = 0; i < value.size(); ++i) write_value(json, value[i]);
    json.end_array();
  } else {
    json.begin_object();
    T::visit(value, [&](const FieldInfo& f, const auto& member) {
      json.key(f.name);
      write_value(json, member);
    });
    json.end_object();
  }
}

}  // namespace

std::string to_json(const AnyMessage& message) {
  std::string out;
  JsonWriter json(out);
  std::visit([&](const auto& m) { write_value(json, m); }, message);
  return out;
}

}  // namespace theta_net::protocol
