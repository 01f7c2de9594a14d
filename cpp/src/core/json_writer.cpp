#include "theta_net/core/json_writer.hpp"

#include <charconv>

namespace theta_net {

namespace {

bool needs_escape(unsigned char c) {
  return c < 0x20 || c == '"' || c == '\\';
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  // Most strings (keys, names) need no escape: one append with the quotes around them. Status
  // pages write thousands of short keys per status, where appending byte runs one by one showed.
  if (text.size() <= 62) {
    bool plain = true;
    for (const char c : text) plain &= !needs_escape(static_cast<unsigned char>(c));
    if (plain) {
      char quoted[64];
      quoted[0] = '"';
      text.copy(quoted + 1, text.size());
      quoted[text.size() + 1] = '"';
      out.append(quoted, text.size() + 2);
      return;
    }
  }
  out += '"';
  std::size_t run = 0;  // start of the pending run of bytes copied as they are
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (!needs_escape(c)) continue;
    out.append(text.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
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
      default: {
        const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out.append(esc, 6);
      }
    }
  }
  out.append(text.data() + run, text.size() - run);
  out += '"';
}

void append_json_double(std::string& out, double value) {
  // Shortest round-trip digits in scientific form: "-d.ddde+XX" (or "de+XX").
  char sci[40];
  const auto res = std::to_chars(sci, sci + sizeof sci, value, std::chars_format::scientific);
  const char* p = sci;
  if (*p == '-') {
    out += '-';
    ++p;
  }
  char digits[24];
  std::size_t n = 0;
  for (; p < res.ptr && *p != 'e'; ++p) {
    if (*p != '.') digits[n++] = *p;
  }
  int exponent = 0;
  std::from_chars(p + (p[1] == '+' ? 2 : 1), res.ptr, exponent);

  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) {
      out += "0.";
      out.append(static_cast<std::size_t>(-exponent - 1), '0');
      out.append(digits, n);
    } else {
      const std::size_t int_len = static_cast<std::size_t>(exponent) + 1;
      if (n <= int_len) {
        out.append(digits, n);
        out.append(int_len - n, '0');
        out += ".0";
      } else {
        out.append(digits, int_len);
        out += '.';
        out.append(digits + int_len, n - int_len);
      }
    }
    return;
  }
  out += digits[0];
  if (n > 1) {
    out += '.';
    out.append(digits + 1, n - 1);
  }
  out += exponent < 0 ? "e-" : "e+";
  const int magnitude = exponent < 0 ? -exponent : exponent;
  if (magnitude < 10) out += '0';
  out += std::to_string(magnitude);
}

}  // namespace theta_net
