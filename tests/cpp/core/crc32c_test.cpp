#include "theta_net/core/crc32c.hpp"

#include <gtest/gtest.h>

#include <numeric>
#include <string_view>
#include <vector>

namespace theta_net {
namespace {

std::uint32_t crc_of(const std::vector<std::uint8_t>& v) {
  return crc32c(v);
}

// RFC 3720 (iSCSI), appendix B.4: CRC32C test vectors.
TEST(Crc32c, Rfc3720ThirtyTwoZeros) {
  EXPECT_EQ(crc_of(std::vector<std::uint8_t>(32, 0x00)), 0x8A9136AAu);
}

TEST(Crc32c, Rfc3720ThirtyTwoOnes) {
  EXPECT_EQ(crc_of(std::vector<std::uint8_t>(32, 0xFF)), 0x62A8AB43u);
}

TEST(Crc32c, Rfc3720Incrementing) {
  std::vector<std::uint8_t> v(32);
  std::iota(v.begin(), v.end(), 0);
  EXPECT_EQ(crc_of(v), 0x46DD794Eu);
}

TEST(Crc32c, Rfc3720Decrementing) {
  std::vector<std::uint8_t> v(32);
  for (int i = 0; i < 32; ++i) v[i] = static_cast<std::uint8_t>(31 - i);
  EXPECT_EQ(crc_of(v), 0x113FDB5Cu);
}

TEST(Crc32c, Rfc3720IscsiReadCommandPdu) {
  const std::vector<std::uint8_t> pdu = {0x01, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                         0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00,
                                         0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00,
                                         0x00, 0x18, 0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                         0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  EXPECT_EQ(crc_of(pdu), 0xD9963A56u);
}

TEST(Crc32c, CheckValueOfDigitString) {
  constexpr std::string_view kDigits = "123456789";
  EXPECT_EQ(crc32c(kDigits.data(), kDigits.size()), 0xE3069283u);
}

TEST(Crc32c, EmptyInputIsZero) {
  EXPECT_EQ(crc32c(nullptr, 0), 0u);
}

TEST(Crc32c, ExtendingEqualsWholeAtEverySplit) {
  std::vector<std::uint8_t> v(300);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<std::uint8_t>(i * 37 + 11);
  const std::uint32_t whole = crc32c(v);
  for (std::size_t split = 0; split <= v.size(); split += 7) {
    const std::uint32_t head = crc32c(v.data(), split);
    EXPECT_EQ(crc32c(v.data() + split, v.size() - split, head), whole) << "split " << split;
  }
}

TEST(Crc32c, HardwareAndPortableAgreeOnAllLengthsAndAlignments) {
  std::vector<std::uint8_t> v(1100);
  for (std::size_t i = 0; i < v.size(); ++i)
    v[i] = static_cast<std::uint8_t>((i * 2654435761u) >> 13);
  for (std::size_t offset = 0; offset < 8; ++offset) {
    for (std::size_t len = 0; len + offset <= v.size(); len += 13) {
      ASSERT_EQ(crc32c(v.data() + offset, len), crc32c_portable(v.data() + offset, len))
          << "offset " << offset << " length " << len;
    }
  }
}

TEST(Crc32c, SingleBitFlipChangesTheValue) {
  std::vector<std::uint8_t> v(64, 0x5a);
  const std::uint32_t before = crc32c(v);
  for (std::size_t bit = 0; bit < v.size() * 8; ++bit) {
    v[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    EXPECT_NE(crc32c(v), before) << "bit " << bit;
    v[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
  }
}

}  // namespace
}  // namespace theta_net
