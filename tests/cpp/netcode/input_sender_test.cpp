// The client's input sender against the server's input buffer: bundles of the unacknowledged
// inputs, coded against the acknowledged one, survive loss and delay.
#include "theta_net/netcode/input_sender.hpp"

#include <gtest/gtest.h>

#include "theta_net/core/fixed_point.hpp"
#include "theta_net/netcode/input_buffer.hpp"

namespace theta_net::netcode {
namespace {

using replication::FieldDescriptor;

InputSchema stick() {
  return InputSchema::make("stick", {{FieldDescriptor::fixed("move_x", 8, -Fx::kOne, Fx::kOne)},
                                     {FieldDescriptor::angle("aim", 12)},
                                     {FieldDescriptor::boolean("fire"), false}})
      .value();
}

std::vector<std::int64_t> input_for(std::uint32_t tick) {
  return {static_cast<std::int64_t>(tick % 200) - 100, (tick * 37) % 4096, tick % 7 == 0 ? 1 : 0};
}

TEST(InputSender, ABundleHoldsEveryUnacknowledgedInputOldestFirst) {
  InputSender sender(stick());
  for (std::uint32_t t = 1; t <= 5; ++t) ASSERT_TRUE(sender.push(t, input_for(t)).ok());
  auto bundle = sender.bundle();
  ASSERT_TRUE(bundle.ok());
  ASSERT_TRUE(bundle->has_value());
  auto decoded = decode_input_bundle(sender.schema(), **bundle, {});
  ASSERT_TRUE(decoded.ok()) << decoded.error().describe();
  EXPECT_EQ(decoded->header.first_tick, 1u);
  EXPECT_EQ(decoded->header.count, 5u);
  EXPECT_FALSE(decoded->header.against_previous);
  EXPECT_EQ(std::vector<std::int64_t>(decoded->rows.begin() + 6, decoded->rows.begin() + 9),
            input_for(3));
}

TEST(InputSender, AnAcknowledgedInputLeavesTheBundleAndBecomesItsBaseline) {
  InputSender sender(stick());
  for (std::uint32_t t = 1; t <= 6; ++t) ASSERT_TRUE(sender.push(t, input_for(t)).ok());
  sender.acknowledge(4);
  EXPECT_EQ(sender.unacknowledged(), 2u);
  auto bundle = sender.bundle();
  ASSERT_TRUE(bundle.ok() && bundle->has_value());
  auto header = read_input_bundle_header(**bundle);
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->first_tick, 5u);
  EXPECT_EQ(header->count, 2u);
  EXPECT_TRUE(header->against_previous);
  // An older acknowledgement (reordered on the way) changes nothing.
  sender.acknowledge(2);
  EXPECT_EQ(sender.acknowledged_tick(), 4u);
  EXPECT_EQ(sender.unacknowledged(), 2u);
  sender.acknowledge(6);
  auto empty = sender.bundle();
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->has_value());
}

TEST(InputSender, AnAcknowledgedTickWithoutAnInputOfItsOwnIsNoBaseline) {
  InputSender sender(stick());
  ASSERT_TRUE(sender.push(1, input_for(1)).ok());
  ASSERT_TRUE(sender.push(2, input_for(2)).ok());
  // The client skipped ticks 3..9 (a stall): the run starts again at 10.
  ASSERT_TRUE(sender.push(10, input_for(10)).ok());
  EXPECT_EQ(sender.unacknowledged(), 1u);
  sender.acknowledge(9);
  auto bundle = sender.bundle();
  ASSERT_TRUE(bundle.ok() && bundle->has_value());
  auto header = read_input_bundle_header(**bundle);
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->first_tick, 10u);
  EXPECT_FALSE(header->against_previous);
  EXPECT_EQ(sender.stats().against_default, 1u);
}

TEST(InputSender, RefusesInputsItCouldNotSend) {
  InputSender sender(stick());
  EXPECT_EQ(sender.push(0, input_for(1)).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(sender.push(1, std::vector<std::int64_t>{1, 2}).error().code,
            ErrorCode::kInvalidArgument);
  const auto wild = sender.push(1, std::vector<std::int64_t>{500, 0, 0});
  ASSERT_FALSE(wild.ok());
  EXPECT_EQ(wild.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(wild.error().message.find("move_x"), std::string::npos) << wild.error().message;
  ASSERT_TRUE(sender.push(3, input_for(3)).ok());
  EXPECT_EQ(sender.push(3, input_for(3)).error().code, ErrorCode::kState);
  EXPECT_EQ(sender.stats().inputs, 1u);
}

TEST(InputSender, PastTheBundleLimitTheOldestInputsAreDropped) {
  InputSender sender(stick());
  for (std::uint32_t t = 1; t <= kMaxBundleInputs + 10; ++t) {
    ASSERT_TRUE(sender.push(t, input_for(t)).ok());
  }
  EXPECT_EQ(sender.unacknowledged(), kMaxBundleInputs);
  EXPECT_EQ(sender.stats().dropped, 10u);
  auto bundle = sender.bundle();
  ASSERT_TRUE(bundle.ok() && bundle->has_value());
  EXPECT_EQ(read_input_bundle_header(**bundle)->first_tick, 11u);
}

// The two ends over a lossy link: every third bundle lost, the acknowledgement two ticks late.
// The server applies every input the client made, at its tick, and decodes every bundle it gets
// against the baseline the sender chose.
TEST(InputSender, WithTheServersBufferEveryInputArrivesDespiteLoss) {
  InputSender sender(stick());
  InputBuffer server(stick());
  constexpr std::uint32_t kLead = 3;  // the client runs this many ticks ahead
  for (std::uint32_t server_tick = 1; server_tick <= 200; ++server_tick) {
    const std::uint32_t client_tick = server_tick + kLead;
    ASSERT_TRUE(sender.push(client_tick, input_for(client_tick)).ok());
    auto bundle = sender.bundle();
    ASSERT_TRUE(bundle.ok() && bundle->has_value());
    if (server_tick % 3 != 0) {
      Status added = server.add_bundle(**bundle, server_tick);
      ASSERT_TRUE(added.ok()) << "tick " << server_tick << ": " << added.error().describe();
    }
    const auto applied = server.take(server_tick);
    if (server_tick > kLead) {
      EXPECT_EQ(std::vector<std::int64_t>(applied.begin(), applied.end()), input_for(server_tick))
          << "tick " << server_tick;
    }
    if (server.last_applied_tick() > 2) sender.acknowledge(server.last_applied_tick() - 2);
  }
  EXPECT_EQ(server.stats().starved, kLead);
  // Until the first acknowledgement of an input the client sent (its inputs start at tick
  // kLead + 1, acknowledged two ticks late), bundles are coded against the default input.
  EXPECT_LE(sender.stats().against_default, 2 * kLead);
  EXPECT_LE(sender.unacknowledged(), 6u);
}

}  // namespace
}  // namespace theta_net::netcode
