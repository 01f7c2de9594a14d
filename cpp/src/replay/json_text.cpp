#include "json_text.hpp"

#include <charconv>
#include <cmath>
#include <system_error>

namespace theta_net::replay::json_text {

int hex4(const char* p) {
  int v = 0;
  for (int i = 0; i < 4; ++i) {
    const char c = p[i];
    v <<= 4;
    if (c >= '0' && c <= '9') {
      v |= c - '0';
    } else if (c >= 'a' && c <= 'f') {
      v |= c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      v |= c - 'A' + 10;
    } else {
      return -1;
    }
  }
  return v;
}

bool literal_to_double(const char* begin, const char* end, double& out) {
  auto [ptr, ec] = std::from_chars(begin, end, out);
  if (ec == std::errc::result_out_of_range) {
    // libstdc++ reports overflow and underflow alike; tell them apart by the literal's decimal
    // exponent (x = d.ddd * 10^e): only overflow is refused, underflow reads as a zero.
    const char* p = begin + (*begin == '-' ? 1 : 0);
    std::int64_t e = -1;
    if (*p != '0') {
      for (; p < end && is_digit(*p); ++p) ++e;
    } else {
      ++p;
      if (p < end && *p == '.') {
        for (++p; p < end && *p == '0'; ++p) --e;
      }
    }
    while (p < end && *p != 'e' && *p != 'E') ++p;
    if (p < end) {
      ++p;
      const bool negative = *p == '-';
      if (*p == '-' || *p == '+') ++p;
      std::int64_t x = 0;
      for (; p < end; ++p) x = x < 100000000 ? x * 10 + (*p - '0') : x;
      e += negative ? -x : x;
    }
    if (e < 0) {
      out = *begin == '-' ? -0.0 : 0.0;
      return true;
    }
    return false;
  }
  return ec == std::errc() && ptr == end && std::isfinite(out);
}

void append_escaped(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  std::size_t run = 0;  // start of the pending run of bytes copied as they are
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
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

void append_double(std::string& out, double value) {
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

}  // namespace theta_net::replay::json_text
