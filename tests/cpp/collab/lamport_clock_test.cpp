#include "theta_net/collab/lamport_clock.hpp"

#include <gtest/gtest.h>

namespace theta_net::collab {
namespace {

TEST(LamportClock, StampsOneAboveTheLargestSeen) {
  LamportClock c;
  EXPECT_EQ(c.tick(), 1u);
  EXPECT_EQ(c.tick(), 2u);
  c.observe(10);
  EXPECT_EQ(c.time(), 10u);
  c.observe(4);  // an older clock moves nothing
  EXPECT_EQ(c.tick(), 11u);
}

}  // namespace
}  // namespace theta_net::collab
