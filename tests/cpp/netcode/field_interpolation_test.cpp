// Interpolation by field kind over a component that has one field of each kind.
#include "theta_net/netcode/field_interpolation.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace theta_net::netcode {
namespace {

using replication::ComponentType;
using replication::FieldDescriptor;

constexpr std::int64_t kOne = Fx::kOne;
constexpr std::int64_t kTurn = 65536;

ComponentType body() {
  return ComponentType::make(
             "body", {FieldDescriptor::position("x", -100, 100), FieldDescriptor::angle("yaw"),
                      FieldDescriptor::quaternion("rot"), FieldDescriptor::integer("hp", 0, 100),
                      FieldDescriptor::boolean("crouch")})
      .value();
}

// x in blocks, yaw in degrees, rot as a rotation of `deg` about z, hp, crouch.
std::vector<std::int64_t> row(double x, double yaw_deg, double deg, int hp, bool crouch) {
  const double half = deg * M_PI / 360.0;
  return {std::llround(x * kOne),
          std::llround(yaw_deg / 360.0 * kTurn),
          0,
          0,
          std::llround(std::sin(half) * kOne),
          std::llround(std::cos(half) * kOne),
          hp,
          crouch ? 1 : 0};
}

std::vector<std::int64_t> view(const ComponentInterpolator& ci, Fx tick,
                               InterpolationView* info = nullptr) {
  std::vector<std::int64_t> out(static_cast<std::size_t>(ci.type().slots()));
  const InterpolationView v = ci.view_at(tick, out);
  if (info) *info = v;
  return out;
}

TEST(ComponentInterpolator, EachFieldMovesByItsKind) {
  ComponentInterpolator ci(body());
  ASSERT_TRUE(ci.add(10, row(0, 350, 0, 100, false)).ok());
  ASSERT_TRUE(ci.add(12, row(4, 10, 90, 60, true)).ok());
  const auto mid = view(ci, Fx::from_int(11));
  EXPECT_EQ(mid[0], 2 * kOne);  // lerp
  EXPECT_EQ(mid[1], 0);         // 350 -> 10 degrees the short way: through 0, not 180
  // slerp: halfway from identity to 90 degrees about z is 45 degrees about z.
  EXPECT_EQ(mid[2], 0);
  EXPECT_EQ(mid[3], 0);
  EXPECT_NEAR(mid[4], std::sin(M_PI / 8) * kOne, 1);
  EXPECT_NEAR(mid[5], std::cos(M_PI / 8) * kOne, 1);
  EXPECT_EQ(mid[6], 100);  // integers and bools step at the later sample's tick
  EXPECT_EQ(mid[7], 0);
  const auto quarter = view(ci, Fx::from_ratio(21, 2));
  EXPECT_EQ(quarter[0], kOne);
  // 350 degrees is raw 63716, 10 degrees 1820: 3640 the short way, a quarter of it on.
  EXPECT_EQ(quarter[1], 63716 + 3640 / 4);
  EXPECT_NEAR(quarter[4], std::sin(M_PI / 16) * kOne, 1);  // slerp: a quarter of the angle
  const auto at_b = view(ci, Fx::from_int(12));
  EXPECT_EQ(at_b[6], 60);
  EXPECT_EQ(at_b[7], 1);
}

TEST(ComponentInterpolator, QuaternionsTakeTheShorterArc) {
  ComponentInterpolator ci(body());
  auto b = row(0, 0, 90, 0, false);
  for (int i = 2; i < 6; ++i) b[static_cast<std::size_t>(i)] = -b[static_cast<std::size_t>(i)];
  ASSERT_TRUE(ci.add(0, row(0, 0, 0, 0, false)).ok());
  ASSERT_TRUE(ci.add(2, b).ok());  // -q: the same 90 degrees
  const auto mid = view(ci, Fx::from_int(1));
  EXPECT_NEAR(std::abs(static_cast<double>(mid[4])), std::sin(M_PI / 8) * kOne, 1);
  EXPECT_NEAR(std::abs(static_cast<double>(mid[5])), std::cos(M_PI / 8) * kOne, 1);
}

TEST(ComponentInterpolator, AnglesOfAnyRawValueTakeTheShortWay) {
  // Raw angles far outside one turn (a caller's own units): 10 turns and a bit, -10 turns less a
  // bit. The short way between them is 20 degrees through 0.
  const replication::FieldDescriptor yaw = FieldDescriptor::angle("yaw");
  const std::int64_t a[] = {kTurn * 1'000'000'000'000 + kTurn / 36};
  const std::int64_t b[] = {-kTurn * 1'000'000'000'000 - kTurn / 36};
  std::int64_t out[1];
  interpolate_field(yaw, a, b, Fx::from_ratio(1, 2), out);
  EXPECT_EQ(out[0], 0);
}

TEST(ComponentInterpolator, LateUpdatesExtrapolateForABoundedTimeThenHold) {
  ComponentInterpolator ci(body(), Fx::from_int(3));
  ASSERT_TRUE(ci.add(10, row(0, 0, 0, 5, false)).ok());
  ASSERT_TRUE(ci.add(11, row(1, 10, 10, 6, true)).ok());
  InterpolationView info;
  auto v = view(ci, Fx::from_int(13), &info);
  EXPECT_TRUE(info.extrapolated);
  EXPECT_EQ(info.extrapolated_ticks, Fx::from_int(2));
  EXPECT_EQ(v[0], 3 * kOne);                              // one block a tick, two ticks on
  EXPECT_EQ(v[1], std::llround(30.0 / 360 * kTurn) - 1);  // ten degrees a tick (floored)
  EXPECT_NEAR(v[4], std::sin(30 * M_PI / 360) * kOne, 2);
  EXPECT_EQ(v[6], 6);  // integers hold
  v = view(ci, Fx::from_int(40), &info);
  EXPECT_EQ(info.extrapolated_ticks, Fx::from_int(3));  // the bound
  EXPECT_EQ(v[0], 4 * kOne);
  view(ci, Fx::from_int(11), &info);
  EXPECT_FALSE(info.extrapolated);
}

TEST(ComponentInterpolator, ExtrapolationStaysInsideTheFieldsRange) {
  ComponentInterpolator ci(body(), Fx::from_int(50));
  ASSERT_TRUE(ci.add(0, row(90, 0, 0, 0, false)).ok());
  ASSERT_TRUE(ci.add(1, row(99, 0, 0, 0, false)).ok());
  EXPECT_EQ(view(ci, Fx::from_int(20))[0], 100 * kOne);
}

TEST(ComponentInterpolator, SamplesArriveInAnyOrderAndTheOldestGoFirst) {
  ComponentInterpolator ci(body(), Fx::from_int(5), 3);
  InterpolationView info;
  view(ci, Fx::from_int(1), &info);
  EXPECT_FALSE(info.valid);
  ASSERT_TRUE(ci.add(20, row(20, 0, 0, 0, false)).ok());
  EXPECT_EQ(view(ci, Fx::from_int(25), &info)[0], 20 * kOne);  // one sample: held
  EXPECT_TRUE(info.valid);
  EXPECT_FALSE(info.extrapolated);
  ASSERT_TRUE(ci.add(10, row(10, 0, 0, 0, false)).ok());
  ASSERT_TRUE(ci.add(15, row(0, 0, 0, 0, false)).ok());
  ASSERT_TRUE(ci.add(15, row(50, 0, 0, 0, false)).ok());  // a repeat: ignored
  EXPECT_EQ(view(ci, Fx::from_int(15))[0], 0);
  EXPECT_EQ(view(ci, Fx::from_ratio(35, 2))[0], 10 * kOne);
  ASSERT_TRUE(ci.add(30, row(30, 0, 0, 0, false)).ok());  // capacity 3: tick 10 goes
  EXPECT_EQ(ci.size(), 3u);
  EXPECT_EQ(view(ci, Fx::from_int(5))[0], 0);           // before the oldest kept (15): its values
  ASSERT_TRUE(ci.add(1, row(1, 0, 0, 0, false)).ok());  // older than everything kept
  EXPECT_EQ(ci.size(), 3u);
  EXPECT_EQ(ci.newest_tick(), 30u);
}

TEST(ComponentInterpolator, ARowOfTheWrongLengthIsRefused) {
  ComponentInterpolator ci(body());
  const std::vector<std::int64_t> short_row(3);
  auto s = ci.add(1, short_row);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(s.error().message.find("'body' has 8 values, not 3"), std::string::npos);
}

}  // namespace
}  // namespace theta_net::netcode
