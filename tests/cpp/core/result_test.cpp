#include "theta_net/core/result.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace theta_net {
namespace {

Result<int> parse_positive(int v) {
  if (v <= 0) return make_error(ErrorCode::kOutOfRange, "value ", v, " is not positive");
  return v;
}

Result<int> doubled(int v) {
  THETA_TRY_ASSIGN(int x, parse_positive(v));
  return 2 * x;
}

Status check(int v) {
  THETA_TRY(parse_positive(v));
  return {};
}

TEST(Result, CarriesValueOrError) {
  auto good = parse_positive(4);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 4);
  auto bad = parse_positive(-1);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kOutOfRange);
  EXPECT_EQ(bad.error().describe(), "out_of_range: value -1 is not positive");
}

TEST(Result, TryMacrosPropagate) {
  EXPECT_EQ(*doubled(21), 42);
  EXPECT_EQ(doubled(0).error().code, ErrorCode::kOutOfRange);
  EXPECT_TRUE(check(1).ok());
  EXPECT_FALSE(check(0).ok());
  EXPECT_EQ(check(0).error().message, "value 0 is not positive");
}

TEST(Result, HoldsMoveOnlyValues) {
  Result<std::unique_ptr<int>> r(std::make_unique<int>(5));
  std::unique_ptr<int> p = std::move(r).value();
  EXPECT_EQ(*p, 5);
}

TEST(Result, EveryCodeHasAName) {
  for (int c = 1; c <= static_cast<int>(ErrorCode::kRejected); ++c) {
    EXPECT_NE(error_code_name(static_cast<ErrorCode>(c)), "unknown") << c;
  }
}

}  // namespace
}  // namespace theta_net
