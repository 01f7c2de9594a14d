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

UnicodeEscape read_unicode_escape(const char* p, const char* end) {
  using Outcome = UnicodeEscape::Outcome;
  UnicodeEscape u;
  if (end - p < 4) return {.outcome = Outcome::kTruncated, .at = p, .inside = "a \\u escape"};
  const int unit = hex4(p);
  if (unit < 0) {
    return {.outcome = Outcome::kCorrupt,
            .at = p,
            .message = "invalid \\u escape (4 hex digits expected)"};
  }
  if (unit >= 0xDC00 && unit <= 0xDFFF) {
    return {.outcome = Outcome::kCorrupt,
            .at = p - 2,
            .message = "a lone low surrogate in a \\u escape"};
  }
  u.code_point = static_cast<std::uint32_t>(unit);
  u.length = 4;
  if (unit >= 0xD800 && unit <= 0xDBFF) {
    const char* q = p + 4;
    const std::size_t left = static_cast<std::size_t>(end - q);
    // Truncated only if what is left could still begin a backslash-u escape.
    if (left < 6 && (left == 0 || (q[0] == '\\' && (left < 2 || q[1] == 'u')))) {
      return {.outcome = Outcome::kTruncated, .at = q, .inside = "a surrogate pair"};
    }
    const int low = left >= 6 && q[0] == '\\' && q[1] == 'u' ? hex4(q + 2) : -1;
    if (low < 0xDC00 || low > 0xDFFF) {
      return {.outcome = Outcome::kCorrupt,
              .at = q,
              .message = "a high surrogate not followed by a low surrogate"};
    }
    u.code_point = 0x10000 + ((static_cast<std::uint32_t>(unit) - 0xD800) << 10) +
                   (static_cast<std::uint32_t>(low) - 0xDC00);
    u.length = 10;
  }
  return u;
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

}  // namespace theta_net::replay::json_text
