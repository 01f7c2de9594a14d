#include "theta_net/protocol/msgpack_reader.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <msgpack.hpp>
#include <string>

namespace theta_net::protocol {
namespace {

// Packs with msgpack-cxx, an independent implementation of the format.
template <class T>
Bytes packed(const T& value) {
  msgpack::sbuffer buffer;
  msgpack::pack(buffer, value);
  return Bytes(buffer.data(), buffer.data() + buffer.size());
}

TEST(MsgpackReader, ReadsEveryIntegerWidthThatMsgpackCxxWrites) {
  const std::int64_t values[] = {0,
                                 1,
                                 127,
                                 128,
                                 255,
                                 256,
                                 65535,
                                 65536,
                                 4294967295,
                                 4294967296,
                                 -1,
                                 -32,
                                 -33,
                                 -128,
                                 -129,
                                 -32768,
                                 -32769,
                                 std::numeric_limits<std::int64_t>::min(),
                                 std::numeric_limits<std::int64_t>::max()};
  for (std::int64_t v : values) {
    const Bytes b = packed(v);
    MsgpackReader r(b);
    auto got = r.read_int(std::numeric_limits<std::int64_t>::min(),
                          std::numeric_limits<std::int64_t>::max(), "v");
    ASSERT_TRUE(got.ok()) << v << ": " << got.error().describe();
    EXPECT_EQ(*got, v);
    EXPECT_TRUE(r.at_end());
  }
  const Bytes big = packed(std::numeric_limits<std::uint64_t>::max());
  MsgpackReader r(big);
  EXPECT_EQ(*r.read_uint(std::numeric_limits<std::uint64_t>::max(), "v"),
            std::numeric_limits<std::uint64_t>::max());
}

TEST(MsgpackReader, RangeErrorsNameTheFieldAndRestorePosition) {
  const Bytes b = packed(300);
  MsgpackReader r(b);
  auto got = r.read_uint(255, "InputFrame.slot");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kOutOfRange);
  EXPECT_EQ(got.error().message, "InputFrame.slot: 300 is over the maximum 255");
  EXPECT_EQ(r.offset(), 0u);
  const Bytes neg = packed(-5);
  MsgpackReader rn(neg);
  EXPECT_EQ(rn.read_uint(10, "x").error().message, "x: -5 is negative, expected 0..10");
}

TEST(MsgpackReader, TypeMismatchSaysWhatWasFound) {
  const Bytes b = packed(std::string("hi"));
  MsgpackReader r(b);
  auto got = r.read_uint(10, "tick");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().message, "tick: expected an integer, found str at offset 0");
}

TEST(MsgpackReader, StringsBinsFloatsAndBools) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack(std::string("θeta"));
  pk.pack_bin(3);
  pk.pack_bin_body("\x01\x02\x03", 3);
  pk.pack_float(1.5f);
  pk.pack_double(-2.25);
  pk.pack_true();
  pk.pack_nil();
  MsgpackReader r(ByteSpan(reinterpret_cast<const std::uint8_t*>(buffer.data()), buffer.size()));
  EXPECT_EQ(*r.read_str(100, "s"), "θeta");
  EXPECT_EQ(r.read_bin(100, "b")->size(), 3u);
  EXPECT_EQ(*r.read_float("f"), 1.5);
  EXPECT_EQ(*r.read_float("d"), -2.25);
  EXPECT_EQ(*r.read_bool("t"), true);
  EXPECT_TRUE(r.consume_nil());
  EXPECT_TRUE(r.at_end());
}

TEST(MsgpackReader, LengthLimitsAreEnforcedBeforeReading) {
  const Bytes b = packed(std::string(100, 'x'));
  MsgpackReader r(b);
  auto got = r.read_str(64, "client_name");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kLimitExceeded);
  // A bin header that promises 4 GiB in a 6-byte input.
  const Bytes lie = {0xc6, 0xff, 0xff, 0xff, 0xff, 0x00};
  MsgpackReader r2(lie);
  EXPECT_EQ(r2.read_bin(SIZE_MAX, "blob").error().code, ErrorCode::kTruncated);
}

TEST(MsgpackReader, ArrayCountsCannotExceedTheBytesLeft) {
  // array32 declaring 2^31 elements followed by 3 bytes.
  const Bytes lie = {0xdd, 0x80, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03};
  MsgpackReader r(lie);
  auto got = r.array_header(SIZE_MAX, "inputs");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kTruncated);
  EXPECT_NE(got.error().message.find("declares 2147483648 elements"), std::string::npos);
  const Bytes ok = packed(std::vector<int>{1, 2, 3});
  MsgpackReader r2(ok);
  EXPECT_EQ(r2.array_header(2, "inputs").error().code, ErrorCode::kLimitExceeded);
}

TEST(MsgpackReader, InvalidUtf8IsRejected) {
  // The validator itself is core's (tests/cpp/core/utf8_test.cpp): the reader must apply it.
  const Bytes b = {0xa2, 0xc0, 0xaf};
  MsgpackReader r(b);
  EXPECT_EQ(r.read_str(10, "text").error().code, ErrorCode::kCorrupt);
}

TEST(MsgpackReader, SkipWalksNestedValuesAndLimitsDepth) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_map(2);
  pk.pack(std::string("a"));
  pk.pack(std::vector<std::vector<int>>{{1, 2}, {3}});
  pk.pack(std::string("b"));
  pk.pack(3.5);
  pk.pack(7);
  MsgpackReader r(ByteSpan(reinterpret_cast<const std::uint8_t*>(buffer.data()), buffer.size()));
  ASSERT_TRUE(r.skip("map").ok());
  EXPECT_EQ(*r.read_uint(10, "after"), 7u);

  Bytes deep(40, 0x91);  // 40 nested one-element arrays
  deep.push_back(0x00);
  MsgpackReader rd(deep);
  EXPECT_EQ(rd.skip("deep").error().code, ErrorCode::kLimitExceeded);
  const Bytes reserved = {0xc1};
  MsgpackReader rr(reserved);
  EXPECT_EQ(rr.skip("x").error().code, ErrorCode::kCorrupt);
}

TEST(MsgpackReader, EveryPrefixOfAValueIsTruncated) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack(std::vector<std::string>{"alpha", "beta"});
  const Bytes full(buffer.data(), buffer.data() + buffer.size());
  for (std::size_t n = 0; n < full.size(); ++n) {
    MsgpackReader r(ByteSpan(full.data(), n));
    EXPECT_FALSE(r.skip("v").ok()) << n;
  }
}

}  // namespace
}  // namespace theta_net::protocol
