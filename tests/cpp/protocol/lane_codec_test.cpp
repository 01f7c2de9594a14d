#include "theta_net/protocol/lane_codec.hpp"

#include <gtest/gtest.h>

#include "theta_net/protocol/message_codec.hpp"
#include "theta_net/protocol/random_message.hpp"

namespace theta_net::protocol {
namespace {

InputBundle bundle_with(std::uint32_t tick, std::size_t inputs) {
  InputBundle b;
  b.last_server_tick = tick;
  for (std::size_t i = 0; i < inputs; ++i) {
    InputFrame f;
    f.tick = tick + static_cast<std::uint32_t>(i);
    f.sequence = f.tick;
    f.yaw = 12000;
    b.inputs.push_back(f);
  }
  return b;
}

TEST(LaneWriter, BatchesDatagramsWithinTheDatagramLimit) {
  LaneWriter writer(LaneId::kInput, LaneWriter::defaults_for(LaneId::kInput));
  std::vector<AnyMessage> sent;
  for (std::uint32_t i = 0; i < 200; ++i) {
    sent.push_back(bundle_with(i, 4));
    ASSERT_TRUE(writer.add(sent.back()).ok());
  }
  const auto frames = writer.flush();
  ASSERT_GT(frames.size(), 1u);
  LaneReader reader(LaneId::kInput);
  std::vector<AnyMessage> received;
  for (const Bytes& frame : frames) {
    EXPECT_LE(frame.size(), kMaxDatagramFrameBytes);
    auto messages = reader.read(frame);
    ASSERT_TRUE(messages.ok()) << messages.error().describe();
    received.insert(received.end(), messages->begin(), messages->end());
  }
  EXPECT_EQ(received, sent);
  EXPECT_EQ(reader.stats().frames, frames.size());
  EXPECT_EQ(reader.stats().messages, 200u);
}

TEST(LaneWriter, AMessageTooLargeForADatagramIsRefused) {
  LaneWriter writer(LaneId::kEntities, LaneWriter::defaults_for(LaneId::kEntities));
  EntityDelta delta;
  delta.payload.assign(1150, 0xab);  // the schema allows 1150, the datagram does not
  auto status = writer.add(delta);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kLimitExceeded);
  EXPECT_TRUE(writer.flush().empty());
  delta.payload.resize(1100);
  EXPECT_TRUE(writer.add(delta).ok());
  ASSERT_EQ(writer.flush().size(), 1u);
}

TEST(LaneWriter, MessagesMustUseTheirOwnLane) {
  LaneWriter writer(LaneId::kChunks, LaneWriter::defaults_for(LaneId::kChunks));
  auto status = writer.add(ChatMessage{});
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("ChatMessage travels on lane 5"), std::string::npos);
}

TEST(LaneWriter, SingleMessagesGoUnbatchedAndLargeOnesAlone) {
  LaneWriter writer(LaneId::kChunks, LaneWriter::defaults_for(LaneId::kChunks));
  ChunkData big;
  big.blob.assign(100000, 1);
  ASSERT_TRUE(writer.add(ChunkUnload{}).ok());
  ASSERT_TRUE(writer.add(big).ok());
  ASSERT_TRUE(writer.add(ChunkUnload{}).ok());
  const auto frames = writer.flush();
  ASSERT_EQ(frames.size(), 3u);  // unload | big chunk | unload
  LaneReader reader(LaneId::kChunks);
  for (const Bytes& frame : frames) {
    auto frame_read = read_frame(frame, 1, {});
    ASSERT_TRUE(frame_read.ok());
    EXPECT_FALSE(frame_read->header.flags & frame_flags::kBatch);
    ASSERT_TRUE(reader.read(frame).ok());
  }
}

TEST(LaneWriter, CompressesLargeReliableBatchesWhenAllowed) {
  auto options = LaneWriter::defaults_for(LaneId::kChunks);
  options.compress = true;
  LaneWriter writer(LaneId::kChunks, options);
  ChunkData chunk;
  chunk.blob.assign(5000, 7);  // very compressible
  ASSERT_TRUE(writer.add(chunk).ok());
  const auto frames = writer.flush();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_LT(frames[0].size(), 500u);
  auto frame = read_frame(frames[0], 1, {});
  ASSERT_TRUE(frame.ok());
  EXPECT_TRUE(frame->header.flags & frame_flags::kCompressed);
  LaneReader reader(LaneId::kChunks);
  auto messages = reader.read(frames[0]);
  ASSERT_TRUE(messages.ok());
  EXPECT_EQ(std::get<ChunkData>(messages->at(0)), chunk);
}

TEST(LaneReader, ReliableLaneRejectsDuplicatesAndGaps) {
  LaneWriter writer(LaneId::kChat, LaneWriter::defaults_for(LaneId::kChat));
  std::vector<Bytes> frames;
  for (int i = 0; i < 3; ++i) {
    ChatMessage chat;
    chat.text = "message " + std::to_string(i);
    ASSERT_TRUE(writer.add(chat).ok());
    auto f = writer.flush();
    frames.insert(frames.end(), f.begin(), f.end());
  }
  LaneReader reader(LaneId::kChat);
  ASSERT_TRUE(reader.read(frames[0]).ok());
  auto dup = reader.read(frames[0]);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, ErrorCode::kRejected);
  auto gap = reader.read(frames[2]);
  ASSERT_FALSE(gap.ok());
  EXPECT_EQ(gap.error().code, ErrorCode::kCorrupt);
  ASSERT_TRUE(reader.read(frames[1]).ok());
  ASSERT_TRUE(reader.read(frames[2]).ok());
  EXPECT_EQ(reader.stats().duplicates, 1u);
  EXPECT_EQ(reader.stats().corrupt, 1u);
  EXPECT_EQ(reader.stats().frames, 3u);
}

TEST(LaneReader, DatagramLaneAcceptsReorderingButNotReplays) {
  LaneWriter writer(LaneId::kInput, LaneWriter::defaults_for(LaneId::kInput));
  std::vector<Bytes> frames;
  for (std::uint32_t i = 0; i < 100; ++i) {
    ASSERT_TRUE(writer.add(bundle_with(i, 20)).ok());  // one bundle per frame at this size
    auto f = writer.flush();
    frames.insert(frames.end(), f.begin(), f.end());
  }
  LaneReader reader(LaneId::kInput);
  EXPECT_TRUE(reader.read(frames[10]).ok());
  EXPECT_TRUE(reader.read(frames[12]).ok());
  EXPECT_TRUE(reader.read(frames[11]).ok());  // late but new: accepted
  EXPECT_EQ(reader.read(frames[12]).error().code, ErrorCode::kRejected);
  EXPECT_TRUE(reader.read(frames[99]).ok());
  auto stale = reader.read(frames[13]);  // 86 behind the newest: outside the window
  ASSERT_FALSE(stale.ok());
  EXPECT_NE(stale.error().message.find("stale"), std::string::npos);
  EXPECT_EQ(reader.stats().duplicates, 1u);
  EXPECT_EQ(reader.stats().stale, 1u);
  EXPECT_EQ(reader.stats().frames, 4u);
}

TEST(LaneReader, ABatchWithOneBadMessageDeliversNothing) {
  LaneWriter writer(LaneId::kChunks, LaneWriter::defaults_for(LaneId::kChunks));
  ChunkUnload a;
  a.positions.push_back({1, 2, 3});
  ASSERT_TRUE(writer.add(a).ok());
  ASSERT_TRUE(writer.add(a).ok());
  auto frames = writer.flush();
  ASSERT_EQ(frames.size(), 1u);
  auto frame = read_frame(frames[0], 1, {});
  ASSERT_TRUE(frame.ok());
  // Corrupt the second message (its first coordinate) and rebuild a valid envelope around it.
  const ByteSpan original = frame->body();
  ASSERT_GT(original.size(), 3u);
  Bytes body(original.begin(), original.end());
  body.at(original.size() - 3) = 0xc1;
  Bytes rebuilt;
  write_frame(frame->header, body, rebuilt);
  LaneReader reader(LaneId::kChunks);
  auto r = reader.read(rebuilt);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("batch entry 1"), std::string::npos) << r.error().message;
  // The sequence did not advance: the intact frame is still accepted.
  EXPECT_TRUE(reader.read(frames[0]).ok());
}

TEST(LaneReader, MessagesOnTheWrongLaneAreRejected) {
  LaneWriter writer(LaneId::kChat, LaneWriter::defaults_for(LaneId::kChat));
  ASSERT_TRUE(writer.add(ChatMessage{}).ok());
  const auto frames = writer.flush();
  LaneReader reader(LaneId::kChunks);
  auto r = reader.read(frames[0]);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("ChatMessage arrived on lane 3"), std::string::npos);
}

TEST(LaneCodec, RandomTrafficOnEveryLaneRoundTrips) {
  Rng rng(99);
  for (std::uint8_t lane_id = 0; lane_id < 8; ++lane_id) {
    const auto lane = static_cast<LaneId>(lane_id);
    LaneWriter writer(lane, LaneWriter::defaults_for(lane));
    std::vector<AnyMessage> sent;
    for (int i = 0; i < 300; ++i) {
      AnyMessage m = random_any_message(rng.uniform(std::variant_size_v<AnyMessage>), rng);
      if (lane_of(type_of(m)) != lane) continue;
      if (writer.add(m).ok()) sent.push_back(m);
    }
    LaneReader reader(lane);
    std::vector<AnyMessage> received;
    for (const Bytes& frame : writer.flush()) {
      auto messages = reader.read(frame);
      ASSERT_TRUE(messages.ok()) << messages.error().describe();
      received.insert(received.end(), messages->begin(), messages->end());
    }
    EXPECT_EQ(received, sent) << "lane " << unsigned{lane_id};
  }
}

}  // namespace
}  // namespace theta_net::protocol
