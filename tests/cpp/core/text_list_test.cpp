#include "theta_net/core/text_list.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string_view>
#include <vector>

namespace theta_net {
namespace {

TEST(TextList, JoinsWithCommasAndAFinalOr) {
  EXPECT_EQ(or_list(std::array<int, 3>{20, 30, 60}), "20, 30 or 60");
  EXPECT_EQ(or_list(std::array<std::string_view, 2>{"superflat", "hills"}), "superflat or hills");
  EXPECT_EQ(or_list(std::vector<int>{7}), "7");
  EXPECT_EQ(or_list(std::vector<int>{}), "");
}

}  // namespace
}  // namespace theta_net
