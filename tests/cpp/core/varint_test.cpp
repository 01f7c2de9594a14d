#include "theta_net/core/varint.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "theta_net/core/rng.hpp"

namespace theta_net {
namespace {

Bytes encode(std::uint64_t v) {
  Bytes out;
  ByteWriter w(out);
  write_varint(w, v);
  return out;
}

Result<std::uint64_t> decode(const Bytes& b) {
  ByteReader r(b);
  return read_varint(r);
}

TEST(Varint, KnownEncodings) {
  // Values from the protobuf encoding guide: 1 -> 01, 150 -> 96 01, 300 -> ac 02.
  EXPECT_EQ(encode(0), (Bytes{0x00}));
  EXPECT_EQ(encode(1), (Bytes{0x01}));
  EXPECT_EQ(encode(127), (Bytes{0x7f}));
  EXPECT_EQ(encode(128), (Bytes{0x80, 0x01}));
  EXPECT_EQ(encode(150), (Bytes{0x96, 0x01}));
  EXPECT_EQ(encode(300), (Bytes{0xac, 0x02}));
  EXPECT_EQ(encode(16384), (Bytes{0x80, 0x80, 0x01}));
  EXPECT_EQ(encode(std::numeric_limits<std::uint64_t>::max()),
            (Bytes{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}));
}

TEST(Varint, SizeMatchesEncoding) {
  for (std::uint64_t v : {0ull, 127ull, 128ull, 16383ull, 16384ull, 1ull << 35, ~0ull}) {
    EXPECT_EQ(varint_size(v), encode(v).size()) << v;
  }
}

TEST(Varint, RoundTripsRandomValuesOfEveryWidth) {
  Rng rng(7);
  for (int bits = 0; bits <= 64; ++bits) {
    for (int i = 0; i < 50; ++i) {
      const std::uint64_t v = bits == 0 ? 0 : rng.next_u64() >> (64 - bits);
      auto back = decode(encode(v));
      ASSERT_TRUE(back.ok()) << back.error().describe();
      EXPECT_EQ(*back, v);
    }
  }
}

TEST(Varint, TruncatedInputIsATypedError) {
  auto r = decode(Bytes{0x80, 0x80});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kTruncated);
  EXPECT_NE(r.error().message.find("offset 0"), std::string::npos) << r.error().message;
  EXPECT_EQ(decode(Bytes{}).error().code, ErrorCode::kTruncated);
}

TEST(Varint, OverlongAndOverflowingEncodingsAreRejected) {
  // 1 encoded in two bytes: not minimal.
  EXPECT_EQ(decode(Bytes{0x81, 0x00}).error().code, ErrorCode::kCorrupt);
  // 2^64 does not fit.
  EXPECT_EQ(decode(Bytes{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02}).error().code,
            ErrorCode::kOverflow);
  // Eleven bytes.
  EXPECT_EQ(decode(Bytes(11, 0x80)).error().code, ErrorCode::kOverflow);
}

TEST(Varint, ReaderStopsRightAfterTheValue) {
  Bytes b = encode(300);
  b.push_back(0x42);
  ByteReader r(b);
  ASSERT_EQ(*read_varint(r), 300u);
  EXPECT_EQ(r.offset(), 2u);
  EXPECT_EQ(*r.u8(), 0x42);
}

TEST(Zigzag, MapsSmallMagnitudesToSmallCodes) {
  EXPECT_EQ(zigzag_encode(0), 0u);
  EXPECT_EQ(zigzag_encode(-1), 1u);
  EXPECT_EQ(zigzag_encode(1), 2u);
  EXPECT_EQ(zigzag_encode(-2), 3u);
  EXPECT_EQ(zigzag_encode(std::numeric_limits<std::int64_t>::max()), ~0ull - 1);
  EXPECT_EQ(zigzag_encode(std::numeric_limits<std::int64_t>::min()), ~0ull);
  for (std::int64_t v :
       {std::int64_t{0}, std::int64_t{-1}, std::int64_t{1}, std::int64_t{-64}, std::int64_t{64},
        std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()}) {
    EXPECT_EQ(zigzag_decode(zigzag_encode(v)), v);
  }
}

TEST(Zigzag, SignedVarintRoundTrip) {
  Bytes out;
  ByteWriter w(out);
  write_svarint(w, -300);
  write_svarint(w, 5);
  ByteReader r(out);
  EXPECT_EQ(*read_svarint(r), -300);
  EXPECT_EQ(*read_svarint(r), 5);
  EXPECT_TRUE(r.empty());
}

}  // namespace
}  // namespace theta_net
