#include "theta_net/replay/field_path.hpp"

#include <charconv>

namespace theta_net::replay {

std::string format_path(std::span<const PathSegment> path) {
  std::string out;
  for (const PathSegment& s : path) {
    if (s.is_index) {
      out += '[';
      out += std::to_string(s.index);
      out += ']';
    } else {
      if (!out.empty()) out += '.';
      out += s.key;
    }
  }
  return out;
}

Result<FieldPattern> FieldPattern::parse(std::string_view text) {
  FieldPattern pattern;
  pattern.text_ = std::string(text);
  auto bad = [&](const char* why) {
    return make_error(ErrorCode::kInvalidArgument, "the field pattern '", text, "' ", why,
                      " (write a.b, a[2], a[*].b or *.b)");
  };
  std::size_t i = 0;
  while (i < text.size()) {
    // A key up to '.', '[' or the end.
    std::size_t j = i;
    while (j < text.size() && text[j] != '.' && text[j] != '[' && text[j] != ']') ++j;
    if (j == i) return bad("has an empty key");
    Segment key;
    key.key = std::string(text.substr(i, j - i));
    key.any = key.key == "*";
    pattern.segments_.push_back(std::move(key));
    i = j;
    while (i < text.size() && text[i] == '[') {
      const std::size_t close = text.find(']', i);
      if (close == std::string_view::npos) return bad("has an unclosed '['");
      const std::string_view inside = text.substr(i + 1, close - i - 1);
      Segment index;
      index.is_index = true;
      if (inside == "*") {
        index.any = true;
      } else {
        const auto r = std::from_chars(inside.data(), inside.data() + inside.size(), index.index);
        if (inside.empty() || r.ec != std::errc() || r.ptr != inside.data() + inside.size()) {
          return bad("has an index that is not a number or *");
        }
      }
      pattern.segments_.push_back(index);
      i = close + 1;
    }
    if (i < text.size()) {
      if (text[i] != '.') return bad("has a stray character");
      ++i;
      if (i == text.size()) return bad("ends with '.'");
    }
  }
  if (pattern.segments_.empty()) return bad("is empty");
  return pattern;
}

bool FieldPattern::matches(std::span<const PathSegment> path) const {
  if (path.size() != segments_.size()) return false;
  for (std::size_t i = 0; i < path.size(); ++i) {
    const Segment& s = segments_[i];
    if (s.is_index != path[i].is_index) return false;
    if (s.any) continue;
    if (s.is_index ? s.index != path[i].index : s.key != path[i].key) return false;
  }
  return true;
}

}  // namespace theta_net::replay
