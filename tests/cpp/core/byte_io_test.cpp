#include "theta_net/core/byte_io.hpp"

#include <gtest/gtest.h>

namespace theta_net {
namespace {

TEST(ByteIo, WritesLittleEndianAndReadsBack) {
  Bytes out;
  ByteWriter w(out);
  w.u8(0xab);
  w.u16le(0x1234);
  w.u32le(0xdeadbeef);
  w.u64le(0x0102030405060708ull);
  EXPECT_EQ(out, (Bytes{0xab, 0x34, 0x12, 0xef, 0xbe, 0xad, 0xde, 0x08, 0x07, 0x06, 0x05, 0x04,
                        0x03, 0x02, 0x01}));
  ByteReader r(out);
  EXPECT_EQ(*r.u8(), 0xab);
  EXPECT_EQ(*r.u16le(), 0x1234);
  EXPECT_EQ(*r.u32le(), 0xdeadbeefu);
  EXPECT_EQ(*r.u64le(), 0x0102030405060708ull);
  EXPECT_TRUE(r.empty());
}

TEST(ByteIo, ShortReadNamesTheFieldAndOffset) {
  Bytes data{1, 2, 3};
  ByteReader r(data);
  ASSERT_TRUE(r.u16le().ok());
  auto bad = r.u32le("frame length");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kTruncated);
  EXPECT_EQ(bad.error().describe(),
            "truncated: frame length needs 4 bytes at offset 2, only 1 left");
  // A failed read consumes nothing.
  EXPECT_EQ(r.offset(), 2u);
  EXPECT_EQ(*r.u8(), 3);
}

TEST(ByteIo, BytesIsAViewIntoTheInput) {
  Bytes data{9, 8, 7, 6};
  ByteReader r(data);
  auto view = r.bytes(3);
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->data(), data.data());
  EXPECT_EQ(view->size(), 3u);
  EXPECT_EQ(r.rest().size(), 1u);
  EXPECT_FALSE(r.bytes(2).ok());
}

TEST(ByteIo, PatchOverwritesInPlace) {
  Bytes out;
  ByteWriter w(out);
  w.u32le(0);
  w.u8(7);
  w.patch_u32le(0, 0x11223344);
  EXPECT_EQ(out, (Bytes{0x44, 0x33, 0x22, 0x11, 7}));
}

}  // namespace
}  // namespace theta_net
