#include "theta_net/core/ed25519.hpp"

#include <gtest/gtest.h>

#include <string>

#include "theta_net/core/rng.hpp"
#include "theta_net/core/sha256.hpp"

namespace theta_net {
namespace {

template <std::size_t N>
std::array<std::uint8_t, N> from_hex(const std::string& hex) {
  std::array<std::uint8_t, N> out{};
  for (std::size_t i = 0; i < N; ++i)
    out[i] = static_cast<std::uint8_t>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  return out;
}

// RFC 8032, section 7.1, TEST 1 (empty message) and TEST 2 (one byte 0x72).
TEST(Ed25519, Rfc8032Test1) {
  auto pair = Ed25519KeyPair::from_seed(
      from_hex<32>("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
  ASSERT_TRUE(pair.ok());
  EXPECT_EQ(to_hex(pair->public_key()),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  const auto sig = pair->sign({});
  EXPECT_EQ(
      to_hex(sig),
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e3970"
      "1cf9b46bd25bf5f0595bbe24655141438e7a100b");
  EXPECT_TRUE(ed25519_verify(pair->public_key(), {}, sig));
}

TEST(Ed25519, Rfc8032Test2) {
  auto pair = Ed25519KeyPair::from_seed(
      from_hex<32>("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"));
  ASSERT_TRUE(pair.ok());
  EXPECT_EQ(to_hex(pair->public_key()),
            "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c");
  const Bytes message = {0x72};
  EXPECT_EQ(to_hex(pair->sign(message)),
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f36"
            "13d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");
}

TEST(Ed25519, TamperedMessageOrSignatureFails) {
  Rng rng(1);
  const auto pair = Ed25519KeyPair::from_rng(rng);
  const Bytes message = {1, 2, 3, 4};
  auto sig = pair.sign(message);
  EXPECT_TRUE(ed25519_verify(pair.public_key(), message, sig));
  Bytes other = message;
  other[0] ^= 1;
  EXPECT_FALSE(ed25519_verify(pair.public_key(), other, sig));
  sig[10] ^= 0x40;
  EXPECT_FALSE(ed25519_verify(pair.public_key(), message, sig));
  Rng rng2(2);
  EXPECT_FALSE(
      ed25519_verify(Ed25519KeyPair::from_rng(rng2).public_key(), message, pair.sign(message)));
}

TEST(Ed25519, GeneratedKeysDiffer) {
  auto a = Ed25519KeyPair::generate();
  auto b = Ed25519KeyPair::generate();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->public_key(), b->public_key());
}

// FIPS 180-2 examples.
TEST(Sha256, PublishedVectors) {
  const std::string abc = "abc";
  EXPECT_EQ(to_hex(sha256(ByteSpan(reinterpret_cast<const std::uint8_t*>(abc.data()), abc.size()))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(to_hex(sha256({})), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const std::string two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  Sha256 incremental;
  for (char c : two_blocks)
    incremental.update(ByteSpan(reinterpret_cast<const std::uint8_t*>(&c), 1));
  EXPECT_EQ(to_hex(incremental.finish()),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

}  // namespace
}  // namespace theta_net
