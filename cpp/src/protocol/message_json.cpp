#include "theta_net/protocol/message_json.hpp"

#include <charconv>
#include <type_traits>

namespace theta_net::protocol {
namespace {

void append_string(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out += kHex[(c >> 4) & 15];
          out += kHex[c & 15];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

template <class T>
void append_value(std::string& out, const T& value) {
  if constexpr (std::is_same_v<T, bool>) {
    out += value ? "true" : "false";
  } else if constexpr (std::is_enum_v<T>) {
    append_string(out, enum_name(value).value_or("?"));
  } else if constexpr (std::is_arithmetic_v<T>) {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    out.append(buf, end);
  } else if constexpr (std::is_same_v<T, std::string>) {
    append_string(out, value);
  } else if constexpr (std::is_same_v<T, Bytes> || requires { std::tuple_size<T>::value; }) {
    append_string(out, base64(ByteSpan(value.data(), value.size())));
  } else if constexpr (requires { value.has_value(); }) {
    if (value) {
      append_value(out, *value);
    } else {
      out += "null";
    }
  } else if constexpr (requires { typename T::mapped_type; }) {
    out += '{';
    bool first = true;
    for (const auto& [k, v] : value) {
      if (!first) out += ',';
      first = false;
      append_string(out, k);
      out += ':';
      append_value(out, v);
    }
    out += '}';
  } else if constexpr (requires {
                         typename T::value_type;
                         value.size();
                       }) {
    out += '[';
    for (std::size_t i = 0; i < value.size(); ++i) {
      if (i > 0) out += ',';
      append_value(out, value[i]);
    }
    out += ']';
  } else {
    out += '{';
    bool first = true;
    T::visit(value, [&](const FieldInfo& f, const auto& member) {
      if (!first) out += ',';
      first = false;
      append_string(out, f.name);
      out += ':';
      append_value(out, member);
    });
    out += '}';
  }
}

}  // namespace

std::string to_json(const AnyMessage& message) {
  std::string out;
  std::visit([&](const auto& m) { append_value(out, m); }, message);
  return out;
}

std::string base64(ByteSpan data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const std::uint32_t v =
        (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) | data[i + 2];
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < data.size()) {
    std::uint32_t v = std::uint32_t{data[i]} << 16;
    if (i + 1 < data.size()) v |= std::uint32_t{data[i + 1]} << 8;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < data.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

}  // namespace theta_net::protocol
