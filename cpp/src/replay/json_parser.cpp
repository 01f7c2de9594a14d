#include "theta_net/replay/json_parser.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "json_text.hpp"
#include "theta_net/core/utf8.hpp"

namespace theta_net::replay {
namespace {

using json_text::is_digit;
using json_text::is_space;

class Parser {
 public:
  Parser(std::string_view text, int max_depth, JsonParseError& error)
      : begin_(text.data()),
        p_(text.data()),
        end_(text.data() + text.size()),
        max_depth_(max_depth),
        error_(error) {}

  bool parse_document(JsonValue& out) {
    skip_space();
    if (!parse_value(out, 0)) return false;
    skip_space();
    if (p_ != end_) return fail(ErrorCode::kCorrupt, "unexpected text after the JSON value");
    return true;
  }

 private:
  bool fail(ErrorCode code, std::string message) {
    error_.column = static_cast<std::size_t>(p_ - begin_) + 1;
    error_.code = code;
    error_.message = std::move(message);
    return false;
  }
  bool truncated(const char* what) {
    return fail(ErrorCode::kTruncated, str_cat("the text ends inside ", what));
  }

  void skip_space() {
    while (p_ < end_ && is_space(*p_)) ++p_;
  }

  bool parse_value(JsonValue& out, int depth) {
    if (p_ == end_) return truncated("a value (a value was expected)");
    switch (*p_) {
      case '{':
        return parse_object(out, depth + 1);
      case '[':
        return parse_array(out, depth + 1);
      case '"': {
        std::string s;
        if (!parse_string(s)) return false;
        out = JsonValue(std::move(s));
        return true;
      }
      case 't':
        return parse_literal("true", JsonValue(true), out);
      case 'f':
        return parse_literal("false", JsonValue(false), out);
      case 'n':
        return parse_literal("null", JsonValue(), out);
      default:
        if (*p_ == '-' || is_digit(*p_)) return parse_number(out);
        return fail(ErrorCode::kCorrupt, str_cat("unexpected character '", printable(*p_),
                                                 "' where a value was expected"));
    }
  }

  static std::string printable(char c) {
    if (static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7F) {
      return std::string(1, c);
    }
    return str_cat("\\x", "0123456789abcdef"[(c >> 4) & 15], "0123456789abcdef"[c & 15]);
  }

  bool parse_literal(std::string_view word, JsonValue value, JsonValue& out) {
    const std::size_t left = static_cast<std::size_t>(end_ - p_);
    if (left < word.size()) {
      if (std::memcmp(p_, word.data(), left) == 0) return truncated("a literal");
    } else if (std::memcmp(p_, word.data(), word.size()) == 0) {
      p_ += word.size();
      out = std::move(value);
      return true;
    }
    return fail(ErrorCode::kCorrupt, "invalid literal (expected true, false or null)");
  }

  bool check_depth(int depth) {
    if (depth <= max_depth_) return true;
    return fail(ErrorCode::kLimitExceeded, str_cat("nested deeper than ", max_depth_, " levels"));
  }

  bool parse_array(JsonValue& out, int depth) {
    if (!check_depth(depth)) return false;
    ++p_;
    JsonArray items;
    skip_space();
    if (p_ < end_ && *p_ == ']') {
      ++p_;
      out = JsonValue(std::move(items));
      return true;
    }
    for (;;) {
      skip_space();
      items.emplace_back();
      if (!parse_value(items.back(), depth)) return false;
      skip_space();
      if (p_ == end_) return truncated("an array");
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ == ']') {
        ++p_;
        out = JsonValue(std::move(items));
        return true;
      }
      return fail(ErrorCode::kCorrupt, "expected ',' or ']' after an array element");
    }
  }

  bool parse_object(JsonValue& out, int depth) {
    if (!check_depth(depth)) return false;
    ++p_;
    JsonObject members;
    skip_space();
    if (p_ < end_ && *p_ == '}') {
      ++p_;
      out = JsonValue(std::move(members));
      return true;
    }
    for (;;) {
      skip_space();
      if (p_ == end_) return truncated("an object");
      if (*p_ != '"') return fail(ErrorCode::kCorrupt, "expected a string key in an object");
      std::string key;
      if (!parse_string(key)) return false;
      skip_space();
      if (p_ == end_) return truncated("an object");
      if (*p_ != ':') return fail(ErrorCode::kCorrupt, "expected ':' after an object key");
      ++p_;
      skip_space();
      members.emplace_back(std::move(key), JsonValue());
      if (!parse_value(members.back().second, depth)) return false;
      skip_space();
      if (p_ == end_) return truncated("an object");
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ == '}') {
        ++p_;
        break;
      }
      return fail(ErrorCode::kCorrupt, "expected ',' or '}' after an object member");
    }
    // Canonical order, and a duplicate key is refused (readers disagree on which one wins).
    if (!std::is_sorted(
            members.begin(), members.end(),
            [](const JsonMember& a, const JsonMember& b) { return a.first < b.first; })) {
      std::stable_sort(members.begin(), members.end(),
                       [](const JsonMember& a, const JsonMember& b) { return a.first < b.first; });
    }
    for (std::size_t i = 1; i < members.size(); ++i) {
      if (members[i].first == members[i - 1].first) {
        --p_;  // point at the closing brace of the object
        return fail(ErrorCode::kCorrupt,
                    str_cat("the key '", members[i].first, "' appears twice in one object"));
      }
    }
    out = JsonValue(std::move(members));
    return true;
  }

  void append_utf8(std::string& s, std::uint32_t cp) {
    if (cp < 0x80) {
      s += static_cast<char>(cp);
    } else if (cp < 0x800) {
      s += static_cast<char>(0xC0 | (cp >> 6));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      s += static_cast<char>(0xE0 | (cp >> 12));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      s += static_cast<char>(0xF0 | (cp >> 18));
      s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  bool parse_escape(std::string& s) {
    // p_ is at the backslash.
    if (end_ - p_ < 2) return truncated("a string escape");
    const char c = p_[1];
    p_ += 2;
    switch (c) {
      case '"':
      case '\\':
      case '/':
        s += c;
        return true;
      case 'b':
        s += '\b';
        return true;
      case 'f':
        s += '\f';
        return true;
      case 'n':
        s += '\n';
        return true;
      case 'r':
        s += '\r';
        return true;
      case 't':
        s += '\t';
        return true;
      case 'u':
        break;
      default:
        p_ -= 2;
        return fail(ErrorCode::kCorrupt, "invalid escape in a string");
    }
    const json_text::UnicodeEscape u = json_text::read_unicode_escape(p_, end_);
    if (u.outcome != json_text::UnicodeEscape::Outcome::kOk) {
      p_ = u.at;
      return u.outcome == json_text::UnicodeEscape::Outcome::kTruncated
                 ? truncated(u.inside)
                 : fail(ErrorCode::kCorrupt, u.message);
    }
    p_ += u.length;
    append_utf8(s, u.code_point);
    return true;
  }

  bool parse_string(std::string& s) {
    ++p_;  // the opening quote
    for (;;) {
      const char* run = p_;
      while (p_ < end_ && json_text::kPlainStringByte[static_cast<unsigned char>(*p_)]) ++p_;
      s.append(run, p_);
      if (p_ == end_) return truncated("a string");
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c == '\\') {
        if (!parse_escape(s)) return false;
      } else if (c < 0x20) {
        return fail(ErrorCode::kCorrupt, "a control character in a string (must be escaped)");
      } else {
        const std::size_t n = utf8_sequence_length(p_, end_);
        if (n == 0) return fail(ErrorCode::kCorrupt, "invalid UTF-8 in a string");
        s.append(p_, n);
        p_ += n;
      }
    }
  }

  bool parse_number(JsonValue& out) {
    const char* start = p_;
    json_text::NumberLiteral n;
    const char* why = "";
    const auto outcome = json_text::read_number_literal(p_, end_, n, &why);
    if (outcome != json_text::LiteralOutcome::kOk) {
      return outcome == json_text::LiteralOutcome::kTruncated ? truncated("a number")
                                                              : fail(ErrorCode::kCorrupt, why);
    }
    const bool integer = n.integer;
    if (integer) {
      if (*start == '-') {
        std::int64_t i = 0;
        if (std::from_chars(start, p_, i).ec == std::errc()) {
          out = JsonValue(i);
          return true;
        }
      } else {
        std::uint64_t u = 0;
        if (std::from_chars(start, p_, u).ec == std::errc()) {
          out = JsonValue(u);
          return true;
        }
      }
    }
    double d = 0;
    if (!json_text::literal_to_double(start, p_, d)) {
      p_ = start;
      return fail(ErrorCode::kOverflow, "a number beyond the range of a double");
    }
    out = JsonValue(d);
    return true;
  }

  const char* begin_;
  const char* p_;
  const char* end_;
  int max_depth_;
  JsonParseError& error_;
};

}  // namespace

bool parse_json(std::string_view text, JsonValue& out, JsonParseError& error, int max_depth) {
  return Parser(text, max_depth, error).parse_document(out);
}

Result<JsonValue> parse_json(std::string_view text, int max_depth) {
  JsonValue value;
  JsonParseError error;
  if (!parse_json(text, value, error, max_depth)) {
    return make_error(error.code, "column ", error.column, ": ", error.message);
  }
  return value;
}

}  // namespace theta_net::replay
