#include "theta_net/replay/event_line_scanner.hpp"

#include <charconv>
#include <cstring>

#include "json_text.hpp"
#include "theta_net/core/utf8.hpp"
#include "theta_net/replay/json_parser.hpp"

namespace theta_net::replay {
namespace {

using json_text::is_digit;
using json_text::is_space;

// The scanner follows parse_json's grammar branch for branch but keeps nothing: strings are
// checked in place, numbers only converted when they could overflow a double.
class Scanner {
 public:
  Scanner(std::string_view line, int max_depth, EventLineFields& fields, EventLineError& error)
      : begin_(line.data()),
        p_(line.data()),
        end_(line.data() + line.size()),
        max_depth_(max_depth),
        fields_(fields),
        error_(error) {}

  bool scan() {
    skip_space();
    if (p_ == end_) return fail(ErrorCode::kTruncated, "an empty line (an event object expected)");
    if (*p_ != '{') return fail(ErrorCode::kCorrupt, "an event line must be a JSON object");
    if (!object(1, true)) return false;
    skip_space();
    if (p_ != end_) return fail(ErrorCode::kCorrupt, "unexpected text after the event object");
    return true;
  }

 private:
  bool fail(ErrorCode code, const char* message) {
    error_.column = static_cast<std::size_t>(p_ - begin_) + 1;
    error_.code = code;
    error_.message = message;
    return false;
  }
  bool truncated() { return fail(ErrorCode::kTruncated, "the line ends inside a value"); }

  void skip_space() {
    while (p_ < end_ && is_space(*p_)) ++p_;
  }

  LineSpan span(const char* from, const char* to) const {
    return {static_cast<std::uint32_t>(from - begin_), static_cast<std::uint32_t>(to - from)};
  }

  bool value(int depth) {
    if (p_ == end_) return truncated();
    switch (*p_) {
      case '{':
        return object(depth + 1, false);
      case '[':
        return array(depth + 1);
      case '"': {
        bool escaped = false;
        return string(escaped);
      }
      case 't':
        return literal("true", 4);
      case 'f':
        return literal("false", 5);
      case 'n':
        return literal("null", 4);
      default: {
        if (*p_ != '-' && !is_digit(*p_)) {
          return fail(ErrorCode::kCorrupt, "unexpected character where a value was expected");
        }
        bool integer = false;
        return number(integer);
      }
    }
  }

  bool literal(const char* word, std::size_t n) {
    const std::size_t left = static_cast<std::size_t>(end_ - p_);
    if (left >= n && std::memcmp(p_, word, n) == 0) {
      p_ += n;
      return true;
    }
    if (left < n && std::memcmp(p_, word, left) == 0) return truncated();
    return fail(ErrorCode::kCorrupt, "invalid literal (expected true, false or null)");
  }

  bool depth_ok(int depth) {
    if (depth <= max_depth_) return true;
    return fail(ErrorCode::kLimitExceeded, "nested deeper than the depth limit");
  }

  bool array(int depth) {
    if (!depth_ok(depth)) return false;
    ++p_;
    skip_space();
    if (p_ < end_ && *p_ == ']') {
      ++p_;
      return true;
    }
    for (;;) {
      skip_space();
      if (!value(depth)) return false;
      skip_space();
      if (p_ == end_) return truncated();
      if (*p_ == ',') {
        ++p_;
      } else if (*p_ == ']') {
        ++p_;
        return true;
      } else {
        return fail(ErrorCode::kCorrupt, "expected ',' or ']' after an array element");
      }
    }
  }

  // The top-level object (top) also picks out the alignment fields.
  bool object(int depth, bool top) {
    if (!depth_ok(depth)) return false;
    ++p_;
    skip_space();
    if (p_ < end_ && *p_ == '}') {
      ++p_;
      return true;
    }
    const char* prev_key = nullptr;
    std::size_t prev_len = 0;
    bool prev_escaped = false;
    for (;;) {
      skip_space();
      if (p_ == end_) return truncated();
      if (*p_ != '"') return fail(ErrorCode::kCorrupt, "expected a string key in an object");
      const char* key = p_ + 1;
      bool escaped = false;
      if (!string(escaped)) return false;
      const std::size_t key_len = static_cast<std::size_t>(p_ - 1 - key);
      // Raw bytes order like decoded keys unless an escape is involved; then assume unsorted.
      if (prev_key != nullptr && fields_.keys_sorted &&
          (escaped || prev_escaped || !key_less(prev_key, prev_len, key, key_len))) {
        fields_.keys_sorted = false;
      }
      prev_key = key;
      prev_len = key_len;
      prev_escaped = escaped;
      skip_space();
      if (p_ == end_) return truncated();
      if (*p_ != ':') return fail(ErrorCode::kCorrupt, "expected ':' after an object key");
      ++p_;
      skip_space();
      if (top) {
        std::string decoded;  // an escaped key may still spell "tick" (rare: decode it)
        std::string_view name(key, key_len);
        if (escaped && key_len <= 36) {
          auto parsed = parse_json(std::string_view(key - 1, key_len + 2));
          if (parsed.ok() && parsed->is_string()) decoded = parsed->as_string();
          name = decoded;
        }
        if (!top_level_value(name, depth)) return false;
      } else if (!value(depth)) {
        return false;
      }
      skip_space();
      if (p_ == end_) return truncated();
      if (*p_ == ',') {
        ++p_;
      } else if (*p_ == '}') {
        ++p_;
        return true;
      } else {
        return fail(ErrorCode::kCorrupt, "expected ',' or '}' after an object member");
      }
    }
  }

  // Whether an integer literal fits int64 or uint64 (larger ones read as doubles). Ids are short,
  // so the exact check runs only for long literals.
  static bool fits_64_bits(const char* begin, const char* end) {
    if (end - begin < 19) return true;
    std::int64_t i = 0;
    std::uint64_t u = 0;
    return std::from_chars(begin, end, i).ec == std::errc() ||
           std::from_chars(begin, end, u).ec == std::errc();
  }

  // Byte order, as the canonical writer sorts. Keys are short and usually differ in the first
  // byte: a plain loop beats a call to memcmp here.
  static bool key_less(const char* a, std::size_t la, const char* b, std::size_t lb) {
    const std::size_t n = la < lb ? la : lb;
    for (std::size_t i = 0; i < n; ++i) {
      if (a[i] != b[i]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[i]);
    }
    return la < lb;
  }

  bool top_level_value(std::string_view key, int depth) {
    // Only four keys matter here; most keys are ruled out by their length alone.
    if (key.size() != 3 && key.size() != 4 && key.size() != 6) return value(depth);
    const char* start = p_;
    if (key == "tick") {
      bool integer = false;
      if (p_ == end_) return truncated();
      if ((*p_ != '-' && !is_digit(*p_)) || !number(integer) || !integer) {
        p_ = start;
        return fail(ErrorCode::kCorrupt, "the tick must be a non-negative integer");
      }
      if (std::from_chars(start, p_, fields_.tick).ec != std::errc()) {
        p_ = start;
        return fail(ErrorCode::kOverflow, "the tick does not fit a 64-bit integer");
      }
      if (fields_.tick < 0) {  // "-0" is a zero, as the parser reads it
        p_ = start;
        return fail(ErrorCode::kCorrupt, "the tick must be a non-negative integer");
      }
      fields_.has_tick = true;
      return true;
    }
    if (key == "kind") {
      if (p_ == end_) return truncated();
      if (*p_ != '"') return fail(ErrorCode::kCorrupt, "the kind must be a string");
      bool escaped = false;
      if (!string(escaped)) return false;
      fields_.has_kind = true;
      fields_.kind_escaped = escaped;
      fields_.kind = span(start + 1, p_ - 1);
      return true;
    }
    const bool is_entity = key == "entity";
    if (is_entity || key == "key") {
      if (p_ == end_) return truncated();
      bool ok = false;
      if (*p_ == '"') {
        bool escaped = false;
        ok = string(escaped);
        if (!ok) return false;
      } else if (*p_ == '-' || is_digit(*p_)) {
        bool integer = false;
        if (!number(integer)) return false;
        ok = integer && fits_64_bits(start, p_);
      }
      if (!ok) {
        p_ = start;
        return fail(ErrorCode::kCorrupt, "an event's entity or key must be an integer or a string");
      }
      (is_entity ? fields_.has_entity : fields_.has_key) = true;
      (is_entity ? fields_.entity : fields_.key) = span(start, p_);
      return true;
    }
    return value(depth);
  }

  bool string(bool& escaped) {
    ++p_;  // the opening quote
    for (;;) {
      while (p_ < end_ && json_text::kPlainStringByte[static_cast<unsigned char>(*p_)]) ++p_;
      if (p_ == end_) return truncated();
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c == '\\') {
        escaped = true;
        if (!escape()) return false;
      } else if (c < 0x20) {
        return fail(ErrorCode::kCorrupt, "a control character in a string (must be escaped)");
      } else {
        const std::size_t n = utf8_sequence_length(p_, end_);
        if (n == 0) return fail(ErrorCode::kCorrupt, "invalid UTF-8 in a string");
        p_ += n;
      }
    }
  }

  bool escape() {
    if (end_ - p_ < 2) return truncated();
    const char c = p_[1];
    if (std::strchr("\"\\/bfnrt", c) != nullptr && c != '\0') {
      p_ += 2;
      return true;
    }
    if (c != 'u') return fail(ErrorCode::kCorrupt, "invalid escape in a string");
    p_ += 2;
    const json_text::UnicodeEscape u = json_text::read_unicode_escape(p_, end_);
    if (u.outcome != json_text::UnicodeEscape::Outcome::kOk) {
      p_ = u.at;
      return u.outcome == json_text::UnicodeEscape::Outcome::kTruncated
                 ? truncated()
                 : fail(ErrorCode::kCorrupt, u.message);
    }
    p_ += u.length;
    return true;
  }

  bool number(bool& integer) {
    const char* start = p_;
    json_text::NumberLiteral n;
    const char* why = "";
    const auto outcome = json_text::read_number_literal(p_, end_, n, &why);
    if (outcome != json_text::LiteralOutcome::kOk) {
      return outcome == json_text::LiteralOutcome::kTruncated ? truncated()
                                                              : fail(ErrorCode::kCorrupt, why);
    }
    integer = n.integer;
    // Integers past 64 bits read as doubles, so they are checked the same way.
    if (json_text::may_overflow_double(n.int_digits, n.exponent)) {
      double d = 0;
      if (!json_text::literal_to_double(start, p_, d)) {
        p_ = start;
        return fail(ErrorCode::kOverflow, "a number beyond the range of a double");
      }
    }
    return true;
  }

  const char* begin_;
  const char* p_;
  const char* end_;
  int max_depth_;
  EventLineFields& fields_;
  EventLineError& error_;
};

}  // namespace

bool scan_event_line(std::string_view line, EventLineFields& fields, EventLineError& error,
                     int max_depth) {
  fields = EventLineFields{};
  return Scanner(line, max_depth, fields, error).scan();
}

}  // namespace theta_net::replay
