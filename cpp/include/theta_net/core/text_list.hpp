// Short lists in error messages: "20, 30 or 60", "superflat or hills". The lists come from the
// tables that define what is allowed, so a message never restates a rule by hand.
#pragma once

#include <cstddef>
#include <iterator>
#include <sstream>
#include <string>

namespace theta_net {

// The items of a range joined with ", " and a final " or " (any streamable item type).
template <class Range>
std::string or_list(const Range& items) {
  std::ostringstream out;
  const std::size_t count = std::size(items);
  std::size_t i = 0;
  for (const auto& item : items) {
    if (i > 0) out << (i + 1 == count ? " or " : ", ");
    out << item;
    ++i;
  }
  return out.str();
}

}  // namespace theta_net
