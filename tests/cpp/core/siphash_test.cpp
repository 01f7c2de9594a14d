#include "theta_net/core/siphash.hpp"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <array>
#include <vector>

namespace theta_net {
namespace {

// The reference key 00 01 .. 0f and message i = 00 01 .. (i-1) from the SipHash paper's
// vectors.h; each expected value is the little-endian reading of the 8 published output bytes.
constexpr std::array<std::uint8_t, 16> kReferenceKey = {0, 1, 2,  3,  4,  5,  6,  7,
                                                        8, 9, 10, 11, 12, 13, 14, 15};

struct Vector {
  std::size_t length;
  std::array<std::uint8_t, 8> output;
};

constexpr Vector kPublished[] = {
    {0, {0x31, 0x0e, 0x0e, 0xdd, 0x47, 0xdb, 0x6f, 0x72}},
    {1, {0xfd, 0x67, 0xdc, 0x93, 0xc5, 0x39, 0xf8, 0x74}},
    {2, {0x5a, 0x4f, 0xa9, 0xd9, 0x09, 0x80, 0x6c, 0x0d}},
    {3, {0x2d, 0x7e, 0xfb, 0xd7, 0x96, 0x66, 0x67, 0x85}},
    {4, {0xb7, 0x87, 0x71, 0x27, 0xe0, 0x94, 0x27, 0xcf}},
    {5, {0x8d, 0xa6, 0x99, 0xcd, 0x64, 0x55, 0x76, 0x18}},
    {6, {0xce, 0xe3, 0xfe, 0x58, 0x6e, 0x46, 0xc9, 0xcb}},
    {7, {0x37, 0xd1, 0x01, 0x8b, 0xf5, 0x00, 0x02, 0xab}},
    {8, {0x62, 0x24, 0x93, 0x9a, 0x79, 0xf5, 0xf5, 0x93}},
    {9, {0xb0, 0xe4, 0xa9, 0x0b, 0xdf, 0x82, 0x00, 0x9e}},
    {15, {0xe5, 0x45, 0xbe, 0x49, 0x61, 0xca, 0x29, 0xa1}},
    {63, {0x72, 0x45, 0x06, 0xeb, 0x4c, 0x32, 0x8a, 0x95}},
};

std::vector<std::uint8_t> counting_message(std::size_t n) {
  std::vector<std::uint8_t> m(n);
  for (std::size_t i = 0; i < n; ++i) m[i] = static_cast<std::uint8_t>(i);
  return m;
}

std::uint64_t le64(const std::array<std::uint8_t, 8>& b) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | b[i];
  return v;
}

// OpenSSL 3's EVP_MAC "SIPHASH" with an 8-byte output: an independent implementation.
std::uint64_t openssl_siphash(const std::array<std::uint8_t, 16>& key,
                              const std::vector<std::uint8_t>& msg) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "SIPHASH", nullptr);
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  size_t out_size = 8;
  OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &out_size),
                         OSSL_PARAM_construct_end()};
  EXPECT_EQ(EVP_MAC_init(ctx, key.data(), key.size(), params), 1);
  EXPECT_EQ(EVP_MAC_update(ctx, msg.data(), msg.size()), 1);
  std::array<std::uint8_t, 8> out{};
  size_t written = 0;
  EXPECT_EQ(EVP_MAC_final(ctx, out.data(), &written, out.size()), 1);
  EXPECT_EQ(written, 8u);
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
  return le64(out);
}

TEST(SipHash24, PublishedReferenceVectors) {
  const SipKey key = SipKey::from_bytes(kReferenceKey);
  for (const Vector& v : kPublished) {
    EXPECT_EQ(siphash24(key, counting_message(v.length)), le64(v.output)) << "length " << v.length;
  }
}

TEST(SipHash24, AgreesWithOpenSslForEveryLengthUpTo64) {
  const SipKey key = SipKey::from_bytes(kReferenceKey);
  for (std::size_t n = 0; n <= 64; ++n) {
    const auto msg = counting_message(n);
    EXPECT_EQ(siphash24(key, msg), openssl_siphash(kReferenceKey, msg)) << "length " << n;
  }
}

TEST(SipHash24, AgreesWithOpenSslForOtherKeys) {
  std::array<std::uint8_t, 16> key{};
  for (int trial = 0; trial < 20; ++trial) {
    for (std::size_t i = 0; i < key.size(); ++i)
      key[i] = static_cast<std::uint8_t>(trial * 31 + i * 7);
    const auto msg = counting_message(static_cast<std::size_t>(trial * 13));
    EXPECT_EQ(siphash24(SipKey::from_bytes(key), msg), openssl_siphash(key, msg)) << trial;
  }
}

TEST(SipHash24, KeyBytesAreReadLittleEndian) {
  const SipKey key = SipKey::from_bytes(kReferenceKey);
  EXPECT_EQ(key.k0, 0x0706050403020100ull);
  EXPECT_EQ(key.k1, 0x0f0e0d0c0b0a0908ull);
}

TEST(SipHash24, StringOverloadHashesTheCharacters) {
  const SipKey key{1, 2};
  const std::string_view text = "theta_net.Transform";
  EXPECT_EQ(siphash24(key, text), siphash24(key, text.data(), text.size()));
  EXPECT_NE(siphash24(key, "theta_net.Transform"), siphash24(key, "theta_net.Velocity"));
}

}  // namespace
}  // namespace theta_net
