#include "theta_net/core/bit_io.hpp"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "theta_net/core/rng.hpp"

namespace theta_net {
namespace {

TEST(BitIo, PacksLeastSignificantBitFirst) {
  Bytes out;
  BitWriter w(out);
  w.write(0b101, 3);
  w.write(0b11, 2);
  w.write(0x1ff, 9);
  w.finish();
  // bits, low first: 101 | 11 | 111111111 -> byte0 = 0b11111101, byte1 = 0b00111111
  EXPECT_EQ(out, (Bytes{0xfd, 0x3f}));
  EXPECT_EQ(w.bit_size(), 16u);
}

TEST(BitIo, RoundTripsRandomWidthsUpTo64) {
  Rng rng(99);
  std::vector<std::pair<std::uint64_t, unsigned>> values;
  Bytes out;
  BitWriter w(out);
  for (int i = 0; i < 5000; ++i) {
    const auto bits = static_cast<unsigned>(rng.uniform(65));
    const std::uint64_t v = bits == 0 ? 0 : rng.next_u64() >> (64 - bits);
    values.emplace_back(v, bits);
    w.write(v, bits);
  }
  w.finish();
  BitReader r(out);
  for (auto [v, bits] : values) {
    auto got = r.read(bits);
    ASSERT_TRUE(got.ok()) << got.error().describe();
    ASSERT_EQ(*got, v) << bits;
  }
  EXPECT_LT(r.bits_remaining(), 8u);
}

TEST(BitIo, HighBitsOfTheValueAreIgnored) {
  Bytes out;
  BitWriter w(out);
  w.write(0xffff, 4);
  w.finish();
  EXPECT_EQ(out, (Bytes{0x0f}));
}

TEST(BitIo, ReadingPastTheEndIsTruncated) {
  Bytes data{0xff};
  BitReader r(data);
  ASSERT_TRUE(r.read(5).ok());
  auto bad = r.read(4, "entity index");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kTruncated);
  EXPECT_NE(bad.error().message.find("entity index"), std::string::npos);
  EXPECT_EQ(r.bit_position(), 5u);
  EXPECT_EQ(r.read(65).error().code, ErrorCode::kInvalidArgument);
}

TEST(BitIo, AlignSkipsToTheNextByte) {
  Bytes out;
  BitWriter w(out);
  w.write(1, 1);
  w.align();
  w.write(0xab, 8);
  w.finish();
  ASSERT_EQ(out.size(), 2u);
  BitReader r(out);
  EXPECT_EQ(*r.read_bool(), true);
  r.align();
  EXPECT_EQ(*r.read(8), 0xabu);
}

}  // namespace
}  // namespace theta_net
