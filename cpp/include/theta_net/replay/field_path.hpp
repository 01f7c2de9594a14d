// Field paths name a value inside an event: "pos[0]", "sections.players", "inputs[3].yaw".
// A FieldPattern is such a path where "*" stands for any key and "[*]" for any index; it matches
// a path and everything below it ("pos" matches "pos[0]"). The diff reports changes with paths
// and ignores the fields its patterns match. Keys containing '.', '[' or ']' cannot be named.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "theta_net/core/result.hpp"

namespace theta_net::replay {

struct PathSegment {
  std::string_view key;  // empty for an array index
  std::size_t index = 0;
  bool is_index = false;
};

// "a.b[2].c"
std::string format_path(std::span<const PathSegment> path);

class FieldPattern {
 public:
  // Parses "a.b", "*.ping", "players[*].pos[1]".
  // Errors: kInvalidArgument (text that is not a pattern; the message names what is wrong).
  static Result<FieldPattern> parse(std::string_view text);

  // Whether the pattern matches path exactly (same length). The diff checks each value on its
  // way down, which makes a pattern cover everything below what it names.
  bool matches(std::span<const PathSegment> path) const;
  std::size_t length() const { return segments_.size(); }
  const std::string& text() const { return text_; }

 private:
  struct Segment {
    std::string key;  // "*" for any key
    std::size_t index = 0;
    bool is_index = false;
    bool any = false;
  };
  std::vector<Segment> segments_;
  std::string text_;
};

}  // namespace theta_net::replay
