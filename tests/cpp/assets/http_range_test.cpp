// Range requests on assets (http_range.hpp, RFC 9110 14.1.2): single ranges answered exactly,
// ranges past the end 416, anything else ignored (the whole asset).
#include "theta_net/assets/http_range.hpp"

#include <gtest/gtest.h>

namespace theta_net::assets {
namespace {

using Kind = RangeAnswer::Kind;

TEST(HttpRange, SingleRangesAreAnsweredExactly) {
  RangeAnswer a = resolve_range("bytes=0-99", 1000);
  EXPECT_EQ(a.kind, Kind::kPartial);
  EXPECT_EQ(a.range.first, 0u);
  EXPECT_EQ(a.range.last, 99u);
  a = resolve_range("bytes=900-", 1000);  // open-ended: to the end
  EXPECT_EQ(a.range.first, 900u);
  EXPECT_EQ(a.range.last, 999u);
  a = resolve_range("bytes=-10", 1000);  // the last ten bytes
  EXPECT_EQ(a.range.first, 990u);
  EXPECT_EQ(a.range.length(), 10u);
  a = resolve_range("bytes=500-5000", 1000);  // a last byte past the end is clamped
  EXPECT_EQ(a.range.last, 999u);
  a = resolve_range(" Bytes=1-2 ", 10);  // the unit's case and the spaces around do not matter
  EXPECT_EQ(a.kind, Kind::kPartial);
  EXPECT_EQ(a.range.length(), 2u);
  a = resolve_range("bytes=-5000", 1000);  // a suffix longer than the asset: all of it
  EXPECT_EQ(a.range.first, 0u);
  EXPECT_EQ(a.range.last, 999u);
}

TEST(HttpRange, RangesPastTheEndAreUnsatisfiable) {
  EXPECT_EQ(resolve_range("bytes=1000-", 1000).kind, Kind::kUnsatisfiable);
  EXPECT_EQ(resolve_range("bytes=5000-6000", 1000).kind, Kind::kUnsatisfiable);
  EXPECT_EQ(resolve_range("bytes=-0", 1000).kind, Kind::kUnsatisfiable);
  EXPECT_EQ(resolve_range("bytes=0-", 0).kind, Kind::kUnsatisfiable);  // an empty asset
}

TEST(HttpRange, AnythingElseIsIgnored) {
  for (const char* field : {"items=0-1", "bytes=0-1,5-6", "bytes=5-1", "bytes=x-1", "bytes=",
                            "bytes=1", "bytes=--1", "bytes=0-99999999999999999999999", ""}) {
    EXPECT_EQ(resolve_range(field, 1000).kind, Kind::kWhole) << field;
  }
  EXPECT_EQ(resolve_range(std::nullopt, 1000).kind, Kind::kWhole);
}

}  // namespace
}  // namespace theta_net::assets
