#include "theta_net/core/utf8.hpp"

namespace theta_net {

std::size_t utf8_sequence_length(const char* p, const char* end) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  const std::size_t left = static_cast<std::size_t>(end - p);
  const unsigned char c = u[0];
  auto cont = [&](std::size_t i) { return (u[i] & 0xC0) == 0x80; };
  if (c >= 0xC2 && c <= 0xDF) return left >= 2 && cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (left < 3 || !cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && u[1] < 0xA0) return 0;   // overlong
    if (c == 0xED && u[1] >= 0xA0) return 0;  // UTF-16 surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (left < 4 || !cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && u[1] < 0x90) return 0;   // overlong
    if (c == 0xF4 && u[1] >= 0x90) return 0;  // past U+10FFFF
    return 4;
  }
  return 0;  // a continuation byte, 0xC0/0xC1 or 0xF5..0xFF
}

bool is_valid_utf8(std::string_view text) {
  const char* p = text.data();
  const char* end = p + text.size();
  while (p < end) {
    if (static_cast<unsigned char>(*p) < 0x80) {
      ++p;
      continue;
    }
    const std::size_t n = utf8_sequence_length(p, end);
    if (n == 0) return false;
    p += n;
  }
  return true;
}

std::string to_valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  const char* p = text.data();
  const char* end = p + text.size();
  while (p < end) {
    if (static_cast<unsigned char>(*p) < 0x80) {
      out += *p++;
      continue;
    }
    const std::size_t n = utf8_sequence_length(p, end);
    if (n == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++p;
    } else {
      out.append(p, n);
      p += n;
    }
  }
  return out;
}

}  // namespace theta_net
