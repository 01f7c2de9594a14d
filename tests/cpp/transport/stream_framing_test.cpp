#include "theta_net/transport/stream_framing.hpp"

#include <gtest/gtest.h>

#include "theta_net/transport/endpoint.hpp"

namespace theta_net::transport {
namespace {

Bytes frame(const Bytes& message) {
  Bytes out;
  write_record_header(out, message.size());
  out.insert(out.end(), message.begin(), message.end());
  return out;
}

TEST(StreamFraming, ReassemblesMessagesFromAnySplit) {
  Bytes wire;
  std::vector<Bytes> messages = {{}, {1}, Bytes(300, 7), Bytes(70000, 9)};
  for (const Bytes& m : messages) {
    Bytes f = frame(m);
    wire.insert(wire.end(), f.begin(), f.end());
  }
  for (std::size_t step : {1u, 2u, 3u, 127u, 4096u, 1000000u}) {
    StreamDeframer d(1 << 20);
    for (std::size_t pos = 0; pos < wire.size(); pos += step) {
      ASSERT_TRUE(d.feed(ByteSpan(wire).subspan(pos, std::min(step, wire.size() - pos))).ok());
    }
    for (const Bytes& m : messages) {
      auto got = d.next();
      ASSERT_TRUE(got.has_value());
      EXPECT_EQ(*got, m);
    }
    EXPECT_FALSE(d.next().has_value());
    EXPECT_TRUE(d.at_boundary());
  }
}

TEST(StreamFraming, RefusesADeclaredLengthOverTheLimitBeforeBuffering) {
  StreamDeframer d(1000);
  Bytes header;
  write_record_header(header, 1001);
  auto status = d.feed(header);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kLimitExceeded);
  EXPECT_EQ(d.buffered(), 0u);
  EXPECT_FALSE(d.feed(Bytes{0}).ok());  // stays failed
}

TEST(StreamFraming, RefusesNonCanonicalAndOverlongLengths) {
  StreamDeframer padded(1000);
  EXPECT_EQ(padded.feed(Bytes{0x81, 0x00}).error().code, ErrorCode::kCorrupt);
  StreamDeframer overlong(1000);
  EXPECT_FALSE(overlong.feed(Bytes(11, 0xff)).ok());
}

TEST(StreamFraming, PartialMessageIsNotABoundary) {
  StreamDeframer d(1000);
  Bytes f = frame(Bytes(10, 1));
  ASSERT_TRUE(d.feed(ByteSpan(f).first(5)).ok());
  EXPECT_FALSE(d.at_boundary());
  EXPECT_EQ(d.buffered(), 4u);
}

TEST(Lanes, NamesReliabilityAndSizeRules) {
  EXPECT_EQ(lane_name(Lane::kControl), "control");
  EXPECT_EQ(lane_name(Lane::kAssets), "assets");
  EXPECT_FALSE(is_reliable(Lane::kInput));
  EXPECT_FALSE(is_reliable(Lane::kEntities));
  EXPECT_TRUE(is_reliable(Lane::kChunks));
  EXPECT_EQ(lane_from_byte(7), Lane::kAssets);
  EXPECT_FALSE(lane_from_byte(8).has_value());
  EXPECT_EQ(lane_from_name("replication"), Lane::kReplication);
  EXPECT_TRUE(check_message(Lane::kInput, kMaxDatagramMessage, 100).ok());
  EXPECT_FALSE(check_message(Lane::kInput, kMaxDatagramMessage + 1, 100).ok());
  EXPECT_TRUE(check_message(Lane::kChat, 100, 100).ok());
  EXPECT_FALSE(check_message(Lane::kChat, 101, 100).ok());
}

}  // namespace
}  // namespace theta_net::transport
