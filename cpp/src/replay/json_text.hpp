// Private: the JSON reading rules the scanner and the parser share, so that what one accepts the
// other accepts too (the fuzzer checks that they agree). Writing is core/json_writer.hpp's.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace theta_net::replay::json_text {

// 1 for bytes that may appear in a JSON string as they are and need no further look:
// printable ASCII except '"' and '\\'.
inline constexpr std::array<std::uint8_t, 256> kPlainStringByte = [] {
  std::array<std::uint8_t, 256> t{};
  for (int c = 0x20; c < 0x80; ++c) t[c] = 1;
  t['"'] = 0;
  t['\\'] = 0;
  return t;
}();

inline bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
inline bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// The value of 4 hex digits at p (which has at least 4 bytes), or -1.
int hex4(const char* p);

// A \u escape read from p (just after the "\u") to at most end, with the low surrogate that
// must follow a high one: its code point and length, or where and why it is refused.
struct UnicodeEscape {
  enum class Outcome : std::uint8_t { kOk, kCorrupt, kTruncated };
  Outcome outcome = Outcome::kOk;
  std::uint32_t code_point = 0;
  std::size_t length = 0;    // bytes after the "\u": 4, or 10 for a surrogate pair
  const char* at = nullptr;  // where the refusal points
  const char* message = "";  // kCorrupt: why
  const char* inside = "";   // kTruncated: "a \u escape" or "a surrogate pair"
};
UnicodeEscape read_unicode_escape(const char* p, const char* end);

// What the JSON grammar learns reading a number literal, for the conversion that follows.
struct NumberLiteral {
  bool integer = true;         // no fraction and no exponent
  std::size_t int_digits = 0;  // digits before the point
  std::int64_t exponent = 0;   // the exponent's value (its magnitude capped at 10^8)
};

enum class LiteralOutcome : std::uint8_t { kOk, kCorrupt, kTruncated };

// Reads a number literal by the JSON grammar from p (at a '-' or a digit) to at most end,
// leaving p one past it, or where it is refused (then *why says why, for kCorrupt). Inline and
// moving the caller's pointer: the line scanner reads several numbers per line.
inline LiteralOutcome read_number_literal(const char*& p, const char* end, NumberLiteral& n,
                                          const char** why) {
  if (*p == '-') ++p;
  if (p == end) return LiteralOutcome::kTruncated;
  if (*p == '0') {
    ++p;
    n.int_digits = 1;
    if (p < end && is_digit(*p)) {
      *why = "a number with a leading 0";
      return LiteralOutcome::kCorrupt;
    }
  } else if (is_digit(*p)) {
    const char* d = p;
    while (p < end && is_digit(*p)) ++p;
    n.int_digits = static_cast<std::size_t>(p - d);
  } else {
    *why = "invalid number";
    return LiteralOutcome::kCorrupt;
  }
  if (p < end && *p == '.') {
    ++p;
    n.integer = false;
    if (p == end) return LiteralOutcome::kTruncated;
    if (!is_digit(*p)) {
      *why = "a digit must follow the '.'";
      return LiteralOutcome::kCorrupt;
    }
    while (p < end && is_digit(*p)) ++p;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    ++p;
    n.integer = false;
    bool negative = false;
    if (p < end && (*p == '+' || *p == '-')) negative = *p++ == '-';
    if (p == end) return LiteralOutcome::kTruncated;
    if (!is_digit(*p)) {
      *why = "a digit must follow the exponent";
      return LiteralOutcome::kCorrupt;
    }
    for (; p < end && is_digit(*p); ++p) {
      if (n.exponent < 100000000) n.exponent = n.exponent * 10 + (*p - '0');
    }
    if (negative) n.exponent = -n.exponent;
  }
  return LiteralOutcome::kOk;
}

// The number literal [begin, end), already checked against the JSON grammar, as a double.
// Returns false if it overflows a double (1e400); underflow gives a zero, as in most readers.
bool literal_to_double(const char* begin, const char* end, double& out);

// Whether a literal that passed the grammar could overflow a double: only then is the exact
// conversion needed to decide (int_digits: digits before the point; exponent: its value).
inline bool may_overflow_double(std::size_t int_digits, std::int64_t exponent) {
  return static_cast<std::int64_t>(int_digits) + exponent > 300;
}

}  // namespace theta_net::replay::json_text
