#include "theta_net/protocol/message_codec.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <msgpack.hpp>

#include "theta_net/protocol/random_message.hpp"

namespace theta_net::protocol {
namespace {

constexpr std::size_t kMessageTypes = std::variant_size_v<AnyMessage>;

TEST(MessageCodec, CatalogHasEveryMessageTheIssueNames) {
  for (const char* name : {"SessionHello",
                           "SessionAck",
                           "SessionReject",
                           "Heartbeat",
                           "InputBundle",
                           "EntityDelta",
                           "WorldSnapshotChunk",
                           "ComponentDelta",
                           "ChunkData",
                           "ChunkDiff",
                           "ChunkUnload",
                           "ChatMessage",
                           "TelemetryReport",
                           "CommandLogEntry",
                           "NackRequest",
                           "SessionControl",
                           "AssetTransfer",
                           "EditorEvent",
                           "InterestUpdate",
                           "ClientReady",
                           "SyncProgress",
                           "OwnPlayerState",
                           "DataSubscribe",
                           "DataSyncBegin",
                           "DataSnapshotChunk",
                           "DataBatch",
                           "DataWrite",
                           "DataWriteResult",
                           "DataAck",
                           "DataRefused",
                           "ServerHello",
                           "SessionProof",
                           "PermissionDenied",
                           "CommandResult",
                           "SessionControlResult",
                           "DataStateHash",
                           "DataResync",
                           "AssetRequest",
                           "GameInput",
                           "GameState"}) {
    auto type = message_type_from_name(name);
    ASSERT_TRUE(type.has_value()) << name;
    EXPECT_EQ(message_name(*type), name);
    EXPECT_EQ(message_type_from_id(static_cast<std::uint16_t>(*type)), type);
  }
  EXPECT_EQ(kMessageTypes, 40u);
  EXPECT_FALSE(message_type_from_id(0).has_value());
  EXPECT_FALSE(message_type_from_id(999).has_value());
}

TEST(MessageCodec, RandomMessagesOfEveryTypeRoundTrip) {
  Rng rng(2024);
  for (std::size_t index = 0; index < kMessageTypes; ++index) {
    for (int trial = 0; trial < 200; ++trial) {
      const AnyMessage message = random_any_message(index, rng);
      Bytes body;
      const Status encoded = encode_body(message, body);
      ASSERT_TRUE(encoded.ok()) << encoded.error().describe();
      auto back = decode_body(type_of(message), body);
      ASSERT_TRUE(back.ok()) << message_name(type_of(message)) << ": " << back.error().describe();
      ASSERT_EQ(*back, message) << message_name(type_of(message)) << " trial " << trial;
    }
  }
}

TEST(MessageCodec, EncodingIsDeterministic) {
  Rng a(7);
  Rng b(7);
  for (std::size_t index = 0; index < kMessageTypes; ++index) {
    Bytes x;
    Bytes y;
    ASSERT_TRUE(encode_body(random_any_message(index, a), x).ok());
    ASSERT_TRUE(encode_body(random_any_message(index, b), y).ok());
    EXPECT_EQ(x, y) << index;
  }
}

TEST(MessageCodec, BodyIsAMsgpackArrayOfFieldsInSchemaOrder) {
  ChatMessage chat;
  chat.sender = 42;
  chat.channel = "all";
  chat.text = "hello";
  chat.server_tick = 7;
  Bytes body;
  ASSERT_TRUE(encode_body(chat, body).ok());
  // Unpacked by msgpack-cxx as a generic object.
  auto handle = msgpack::unpack(reinterpret_cast<const char*>(body.data()), body.size());
  const msgpack::object& obj = handle.get();
  ASSERT_EQ(obj.type, msgpack::type::ARRAY);
  ASSERT_EQ(obj.via.array.size, 4u);
  EXPECT_EQ(obj.via.array.ptr[0].as<std::uint64_t>(), 42u);
  EXPECT_EQ(obj.via.array.ptr[1].as<std::string>(), "all");
  EXPECT_EQ(obj.via.array.ptr[2].as<std::string>(), "hello");
  EXPECT_EQ(obj.via.array.ptr[3].as<std::uint32_t>(), 7u);
}

TEST(MessageCodec, OlderMinorLeavesNewerFieldsOutAndDefaultsThem) {
  SessionAck ack;
  ack.motd = "welcome";  // since 1.1
  ack.tick_rate = 20;
  Bytes v11;
  Bytes v10;
  ASSERT_TRUE(encode_body(ack, v11, 1).ok());
  ASSERT_TRUE(encode_body(ack, v10, 0).ok());
  EXPECT_LT(v10.size(), v11.size());
  auto old = decode_body<SessionAck>(v10);
  ASSERT_TRUE(old.ok()) << old.error().describe();
  EXPECT_EQ(old->motd, "");
  EXPECT_EQ(old->tick_rate, 20);
  EXPECT_EQ(decode_body<SessionAck>(v11)->motd, "welcome");
}

TEST(MessageCodec, FieldsFromANewerPeerAreSkipped) {
  ClientReady ready;
  ready.snapshot_id = 3;
  ready.server_tick = 9;
  Bytes body;
  ASSERT_TRUE(encode_body(ready, body).ok());
  // Append two extra fields, as a peer with a newer minor version might.
  ASSERT_EQ(body[0] & 0xf0, 0x90);  // a fixarray
  body[0] = static_cast<std::uint8_t>(body[0] + 2);
  body.push_back(0xa1);
  body.push_back('x');
  body.push_back(0x91);
  body.push_back(0x01);
  auto back = decode_body<ClientReady>(body);
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(*back, ready);
}

TEST(MessageCodec, MissingRequiredFieldIsNamed) {
  const Bytes body = {0x91, 0x05};  // ClientReady with only snapshot_id
  auto back = decode_body<ClientReady>(body);
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(back.error().message, "ClientReady.server_tick: missing (the array has only 1 fields)");
}

TEST(MessageCodec, ErrorsNameTheNestedFieldPath) {
  InputBundle bundle;
  bundle.inputs.resize(2);
  bundle.inputs[1].yaw = 5;
  Bytes body;
  ASSERT_TRUE(encode_body(bundle, body).ok());
  // Replace the second input's yaw (a fixint 5) with a str.
  const auto pos = body.size() - 5;  // [..., buttons, yaw, pitch, nil, nil]
  ASSERT_EQ(body[pos + 1], 0x05);
  body[pos + 1] = 0xa0;
  auto back = decode_body<InputBundle>(body);
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.error().message,
            "InputBundle.inputs.yaw: expected an integer, found str at offset " +
                std::to_string(pos + 1));
}

TEST(MessageCodec, UnknownEnumValuesAreRejectedBothWays) {
  Heartbeat beat;
  beat.kind = static_cast<HeartbeatKind>(9);
  Bytes body;
  auto encoded = encode_body(beat, body);
  ASSERT_FALSE(encoded.ok());
  EXPECT_EQ(encoded.error().message, "Heartbeat.kind: value 9 is not a HeartbeatKind");
  EXPECT_TRUE(body.empty());  // nothing half-written
  const Bytes wire = {0x93, 0x09, 0x00, 0x00};
  auto back = decode_body<Heartbeat>(wire);
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.error().message, "Heartbeat.kind: 9 is not a known HeartbeatKind");
}

TEST(MessageCodec, SchemaLimitsHoldOnEncodeAndDecode) {
  ChatMessage chat;
  chat.text = std::string(1025, 'a');  // max 1024
  Bytes body;
  auto encoded = encode_body(chat, body);
  ASSERT_FALSE(encoded.ok());
  EXPECT_EQ(encoded.error().code, ErrorCode::kLimitExceeded);
  EXPECT_EQ(encoded.error().message,
            "ChatMessage.text: 1025 bytes is over the schema limit of 1024");

  chat.text = std::string(1024, 'a');
  ASSERT_TRUE(encode_body(chat, body).ok());
  // Hand-build a body whose text is 1025 bytes.
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(4);
  pk.pack(1);
  pk.pack(std::string(""));
  pk.pack(std::string(1025, 'a'));
  pk.pack(0);
  auto back = decode_body<ChatMessage>(
      ByteSpan(reinterpret_cast<const std::uint8_t*>(buffer.data()), buffer.size()));
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.error().code, ErrorCode::kLimitExceeded);
}

TEST(MessageCodec, FixedSizeBytesMustMatchExactly) {
  // CommandLogEntry's author is bytes[32]: 31 bytes are refused, naming the field.
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(8);
  pk.pack_bin(31);
  pk.pack_bin_body(std::string(31, 'a').data(), 31);
  pk.pack(1);
  pk.pack(2);
  pk.pack(3);
  pk.pack(1);
  pk.pack_bin(3);
  pk.pack_bin_body("abc", 3);
  pk.pack_bin(64);
  pk.pack_bin_body(std::string(64, 's').data(), 64);
  pk.pack(0);
  auto back = decode_body<CommandLogEntry>(
      ByteSpan(reinterpret_cast<const std::uint8_t*>(buffer.data()), buffer.size()));
  ASSERT_FALSE(back.ok());
  EXPECT_NE(back.error().message.find("CommandLogEntry.author"), std::string::npos)
      << back.error().message;
}

TEST(MessageCodec, TrailingBytesAfterTheBodyAreAnError) {
  ClientReady ready;
  Bytes body;
  ASSERT_TRUE(encode_body(ready, body).ok());
  body.push_back(0x00);
  EXPECT_EQ(decode_body<ClientReady>(body).error().code, ErrorCode::kCorrupt);
}

TEST(MessageCodec, EveryTruncationOfEveryMessageFails) {
  Rng rng(11);
  for (std::size_t index = 0; index < kMessageTypes; ++index) {
    const AnyMessage message = random_any_message(index, rng);
    Bytes body;
    ASSERT_TRUE(encode_body(message, body).ok());
    for (std::size_t n = 0; n < body.size(); ++n) {
      auto back = decode_body(type_of(message), ByteSpan(body.data(), n));
      EXPECT_FALSE(back.ok()) << message_name(type_of(message)) << " cut at " << n;
    }
  }
}

TEST(MessageCodec, MessagesKnowTheirLane) {
  EXPECT_EQ(lane_of(MessageType::kSessionHello), LaneId::kControl);
  EXPECT_EQ(lane_of(MessageType::kInputBundle), LaneId::kInput);
  EXPECT_EQ(lane_of(MessageType::kEntityDelta), LaneId::kEntities);
  EXPECT_EQ(lane_of(MessageType::kChunkData), LaneId::kChunks);
  EXPECT_EQ(lane_of(MessageType::kAssetTransfer), LaneId::kAssets);
}

}  // namespace
}  // namespace theta_net::protocol

namespace theta_net::protocol {
namespace {

TEST(MessageCodec, FloatsMustBeFinite) {
  TelemetryReport report;
  report.frame_ms_p50 = std::numeric_limits<float>::quiet_NaN();
  Bytes body;
  auto encoded = encode_body(report, body);
  ASSERT_FALSE(encoded.ok());
  EXPECT_EQ(encoded.error().message,
            "TelemetryReport.frame_ms_p50: NaN and infinities are not allowed");
  // On the wire: a float64 too large for the f32 field, and an infinity in the f64 map.
  report.frame_ms_p50 = 1;
  report.counters["x"] = 1;
  ASSERT_TRUE(encode_body(report, body).ok());
  Bytes big = body;
  const Bytes f32_one = {0xca, 0x3f, 0x80, 0x00, 0x00};
  auto at = std::search(big.begin(), big.end(), f32_one.begin(), f32_one.end());
  ASSERT_NE(at, big.end());
  const Bytes f64_huge = {0xcb, 0x7f, 0xef, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  big.erase(at, at + 5);
  big.insert(at, f64_huge.begin(), f64_huge.end());
  auto back = decode_body<TelemetryReport>(big);
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.error().code, ErrorCode::kOutOfRange);
  EXPECT_NE(back.error().message.find("TelemetryReport.frame_ms_p50"), std::string::npos);
}

}  // namespace
}  // namespace theta_net::protocol
