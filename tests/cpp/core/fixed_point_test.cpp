#include "theta_net/core/fixed_point.hpp"

#include <gtest/gtest.h>

namespace theta_net {
namespace {

TEST(FixedPoint, ArithmeticOnExactValues) {
  const Fx a = Fx::from_int(3);
  const Fx half = Fx::from_ratio(1, 2);
  EXPECT_EQ((a + half).raw(), 3 * 65536 + 32768);
  EXPECT_EQ((a * half).raw(), 98304);
  EXPECT_EQ((a / half), Fx::from_int(6));
  EXPECT_EQ((a - Fx::from_int(5)), Fx::from_int(-2));
  EXPECT_EQ(Fx::from_double(-1.25).raw(), -81920);
  EXPECT_DOUBLE_EQ(Fx::from_raw(81920).to_double(), 1.25);
}

TEST(FixedPoint, RoundingIsTowardNegativeInfinity) {
  // 1/3 and -1/3 in Q16: floor(65536/3) = 21845, floor(-65536/3) = -21846.
  EXPECT_EQ(Fx::from_ratio(1, 3).raw(), 21845);
  EXPECT_EQ(Fx::from_ratio(-1, 3).raw(), -21846);
  EXPECT_EQ((Fx::from_int(-1) / Fx::from_int(3)).raw(), -21846);
  // The smallest negative product floors to -1 ulp rather than truncating to 0.
  EXPECT_EQ((Fx::from_raw(-1) * Fx::from_raw(1)).raw(), -1);
  EXPECT_EQ(Fx::from_raw(-1).floor(), -1);
  EXPECT_EQ(Fx::from_ratio(5, 2).round(), 3);
  EXPECT_EQ(Fx::from_ratio(-5, 2).round(), -2);
}

TEST(FixedPoint, SqrtIsExactFloor) {
  EXPECT_EQ(Fx::from_int(16).sqrt(), Fx::from_int(4));
  EXPECT_EQ(Fx::from_int(2).sqrt().raw(), 92681);  // floor(sqrt(2) * 65536)
  EXPECT_EQ(Fx::from_int(-4).sqrt(), Fx{});
  EXPECT_EQ(Fx::from_int(1000000).sqrt(), Fx::from_int(1000));
}

TEST(FixedPoint, ComparisonsAndCompoundAssignment) {
  Fx x = Fx::from_int(1);
  x += Fx::from_ratio(1, 4);
  x *= Fx::from_int(4);
  EXPECT_EQ(x, Fx::from_int(5));
  EXPECT_LT(Fx::from_int(-1), Fx{});
  EXPECT_EQ(Fx::from_int(-7).abs(), Fx::from_int(7));
}

TEST(FixedPoint, IsUsableAtCompileTime) {
  constexpr Fx kGravity = Fx::from_ratio(-98, 10);
  static_assert(kGravity.raw() == -642253);  // floor(-9.8 * 65536)
  static_assert((Fx::from_int(2) * Fx::from_int(3)).floor() == 6);
  EXPECT_EQ(kGravity.floor(), -10);
}

}  // namespace
}  // namespace theta_net
