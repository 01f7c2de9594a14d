#include "theta_net/core/integer_math.hpp"

#include <gtest/gtest.h>

#include <cstdint>

#include "theta_net/core/int128.hpp"

namespace theta_net {
namespace {

TEST(IntegerMath, DivisionRoundsTowardTheNamedInfinity) {
  EXPECT_EQ(floor_div<std::int64_t>(7, 2), 3);
  EXPECT_EQ(floor_div<std::int64_t>(-7, 2), -4);
  EXPECT_EQ(floor_div<std::int64_t>(7, -2), -4);
  EXPECT_EQ(floor_div<std::int64_t>(-7, -2), 3);
  EXPECT_EQ(floor_div<std::int64_t>(-8, 2), -4);
  EXPECT_EQ(ceil_div<std::int64_t>(7, 2), 4);
  EXPECT_EQ(ceil_div<std::int64_t>(-7, 2), -3);
  EXPECT_EQ(ceil_div<std::int64_t>(8, 2), 4);
  const int128_t big = static_cast<int128_t>(INT64_MIN) * 3 - 1;
  EXPECT_EQ(floor_div<int128_t>(big, 3), static_cast<int128_t>(INT64_MIN) - 1);
}

TEST(IntegerMath, IsqrtIsTheExactFloorForBothWidths) {
  for (std::uint64_t r : {0ull, 1ull, 2ull, 3ull, 65535ull, 65536ull, 4294967295ull}) {
    EXPECT_EQ(isqrt<std::uint64_t>(r * r), r);
    if (r > 0) {
      EXPECT_EQ(isqrt<std::uint64_t>(r * r - 1), r - 1);
    }
  }
  EXPECT_EQ(isqrt<std::uint64_t>(UINT64_MAX), 4294967295ull);
  const uint128_t r = (uint128_t{1} << 64) - 1;  // the square root of the largest square
  EXPECT_EQ(isqrt<uint128_t>(r * r), r);
  EXPECT_EQ(isqrt<uint128_t>(r * r - 1), r - 1);
  EXPECT_EQ(isqrt<uint128_t>(~uint128_t{0}), r);
}

}  // namespace
}  // namespace theta_net
