#include "theta_net/protocol/frame.hpp"

#include <gtest/gtest.h>

#include "theta_net/core/crc32c.hpp"
#include "theta_net/core/rng.hpp"

namespace theta_net::protocol {
namespace {

Bytes frame_of(ByteSpan body, std::uint16_t type = 12, std::uint32_t seq = 5,
               std::uint8_t flags = 0) {
  Bytes out;
  write_frame(FrameHeader{1, flags, type, seq}, body, out);
  return out;
}

void refix_crc(Bytes& frame) {
  const std::uint32_t crc = crc32c(frame.data(), frame.size() - 4);
  for (int i = 0; i < 4; ++i)
    frame[frame.size() - 4 + i] = static_cast<std::uint8_t>(crc >> (8 * i));
}

TEST(Frame, LayoutMatchesTheSpecification) {
  const Bytes body = {0x91, 0x01};
  const Bytes frame = frame_of(body, 12, 300);
  // magic, version 1, flags 0, type 12, sequence 300 (ac 02), length 2, body, crc32c
  ASSERT_EQ(frame.size(), 2u + 1 + 1 + 1 + 2 + 1 + 2 + 4);
  EXPECT_EQ(frame[0], 0xCE);
  EXPECT_EQ(frame[1], 0xB8);
  EXPECT_EQ(frame[2], 1);
  EXPECT_EQ(frame[3], 0);
  EXPECT_EQ(frame[4], 12);
  EXPECT_EQ(frame[5], 0xac);
  EXPECT_EQ(frame[6], 0x02);
  EXPECT_EQ(frame[7], 2);
  EXPECT_EQ(frame_overhead(12, 300, 2), frame.size() - 2);
  auto back = read_frame(frame, 1, {});
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(back->header.type, 12);
  EXPECT_EQ(back->header.sequence, 300u);
  EXPECT_EQ(Bytes(back->body().begin(), back->body().end()), body);
}

TEST(Frame, EveryCorruptionIsATypedError) {
  const Bytes good = frame_of(Bytes{0x92, 0x01, 0x02});
  auto expect_code = [&](Bytes frame, ErrorCode code, bool fix_crc) {
    if (fix_crc) refix_crc(frame);
    auto r = read_frame(frame, 1, {});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, code) << r.error().describe();
  };
  Bytes bad = good;
  bad[0] = 'T';
  expect_code(bad, ErrorCode::kCorrupt, true);
  bad = good;
  bad[2] = 2;
  expect_code(bad, ErrorCode::kUnsupportedVersion, true);
  bad = good;
  bad[3] = 0x80;
  expect_code(bad, ErrorCode::kCorrupt, true);  // unknown flag
  bad = good;
  bad[3] = frame_flags::kBatch;
  expect_code(bad, ErrorCode::kCorrupt, true);  // batch flag with a message type
  bad = good;
  bad[bad.size() - 6] ^= 1;
  expect_code(bad, ErrorCode::kChecksumMismatch, false);
  bad = good;
  bad.insert(bad.end() - 4, 0x00);
  expect_code(bad, ErrorCode::kCorrupt, true);  // length contradicts the bytes
  for (std::size_t n = 0; n < good.size(); ++n) {
    EXPECT_FALSE(read_frame(ByteSpan(good.data(), n), 1, {}).ok()) << n;
  }
}

TEST(Frame, BodyLimitIsCheckedBeforeTheBodyIsTouched) {
  const Bytes frame = frame_of(Bytes(2000, 0x00));
  FrameLimits limits;
  limits.max_body = 1000;
  EXPECT_EQ(read_frame(frame, 1, limits).error().code, ErrorCode::kLimitExceeded);
}

TEST(Frame, CompressedBodiesRoundTrip) {
  Bytes body(4000);
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<std::uint8_t>(i % 7);
  auto compressed = compress_body(body, 3);
  ASSERT_TRUE(compressed.has_value());
  EXPECT_LT(compressed->size(), body.size() / 10);
  const Bytes frame = frame_of(*compressed, 9, 0, frame_flags::kCompressed);
  auto back = read_frame(frame, 1, {});
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(Bytes(back->body().begin(), back->body().end()), body);
}

TEST(Frame, IncompressibleBodiesAreNotCompressed) {
  Rng rng(3);
  Bytes noise(500);
  for (auto& b : noise) b = static_cast<std::uint8_t>(rng.next_u32());
  EXPECT_FALSE(compress_body(noise, 3).has_value());
}

TEST(Frame, DecompressionBombIsRefusedBeforeAllocating) {
  const Bytes zeros(8u << 20, 0);  // 8 MiB of zeros compress to a few hundred bytes
  auto compressed = compress_body(zeros, 3);
  ASSERT_TRUE(compressed.has_value());
  EXPECT_LT(compressed->size(), 2000u);
  const Bytes frame = frame_of(*compressed, 9, 0, frame_flags::kCompressed);
  FrameLimits limits;
  limits.max_decompressed = 1u << 20;
  auto r = read_frame(frame, 1, limits);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kLimitExceeded);
  EXPECT_NE(r.error().message.find("declares 8388608 bytes"), std::string::npos);
}

TEST(Frame, CompressedBodyThatLiesAboutItsSizeIsCorrupt) {
  Bytes body(3000, 0x41);
  auto compressed = compress_body(body, 3);
  ASSERT_TRUE(compressed.has_value());
  // Garbage instead of zstd, and zstd cut short.
  EXPECT_EQ(
      read_frame(frame_of(Bytes{1, 2, 3, 4, 5, 6, 7, 8}, 9, 0, frame_flags::kCompressed), 1, {})
          .error()
          .code,
      ErrorCode::kCorrupt);
  Bytes cut(compressed->begin(), compressed->end() - 3);
  EXPECT_EQ(read_frame(frame_of(cut, 9, 0, frame_flags::kCompressed), 1, {}).error().code,
            ErrorCode::kCorrupt);
}

}  // namespace
}  // namespace theta_net::protocol
