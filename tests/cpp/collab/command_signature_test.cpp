#include "theta_net/collab/command_signature.hpp"

#include <gtest/gtest.h>

#include "theta_net/core/rng.hpp"

namespace theta_net::collab {
namespace {

protocol::CommandLogEntry sample_entry() {
  protocol::CommandLogEntry e;
  e.sequence = 0x0102030405060708ull;
  e.lamport = 9;
  e.base_version = 300;
  e.command = 0x0201;
  e.payload = {0xaa, 0xbb, 0xcc};
  return e;
}

TEST(CommandSignature, SignedBytesAreTheDomainThenEveryFieldButTheSignatureAndIndex) {
  Rng rng(1);
  const Ed25519KeyPair key = Ed25519KeyPair::from_rng(rng);
  protocol::CommandLogEntry e = sample_entry();
  e.author = key.public_key();
  e.index = 77;
  Bytes want(kCommandSignatureDomain.begin(), kCommandSignatureDomain.end());
  want.push_back(0);
  want.insert(want.end(), e.author.begin(), e.author.end());
  for (std::uint8_t b : {8, 7, 6, 5, 4, 3, 2, 1}) want.push_back(b);   // sequence, LE
  for (std::uint8_t b : {9, 0, 0, 0, 0, 0, 0, 0}) want.push_back(b);   // lamport
  for (std::uint8_t b : {44, 1, 0, 0, 0, 0, 0, 0}) want.push_back(b);  // base_version 300
  for (std::uint8_t b : {0x01, 0x02}) want.push_back(b);               // command
  for (std::uint8_t b : {3, 0, 0, 0}) want.push_back(b);               // payload length
  for (std::uint8_t b : {0xaa, 0xbb, 0xcc}) want.push_back(b);
  EXPECT_EQ(command_signed_bytes(e), want);
  EXPECT_EQ(std::string(kCommandSignatureDomain), "theta_net command v1");
}

TEST(CommandSignature, ASignedEntryVerifiesAndItsIndexIsNotSigned) {
  Rng rng(2);
  const Ed25519KeyPair key = Ed25519KeyPair::from_rng(rng);
  protocol::CommandLogEntry e = sample_entry();
  sign_command(e, key);
  EXPECT_EQ(e.author, key.public_key());
  EXPECT_TRUE(verify_command(e));
  e.index = 12345;  // the server sets it after the author signed
  EXPECT_TRUE(verify_command(e));
}

TEST(CommandSignature, ChangingAnySignedFieldBreaksTheSignature) {
  Rng rng(3);
  const Ed25519KeyPair key = Ed25519KeyPair::from_rng(rng);
  const Ed25519KeyPair other = Ed25519KeyPair::from_rng(rng);
  protocol::CommandLogEntry signed_entry = sample_entry();
  sign_command(signed_entry, key);
  const std::vector<void (*)(protocol::CommandLogEntry&)> changes = {
      [](protocol::CommandLogEntry& e) { ++e.sequence; },
      [](protocol::CommandLogEntry& e) { ++e.lamport; },
      [](protocol::CommandLogEntry& e) { --e.base_version; },
      [](protocol::CommandLogEntry& e) { e.command = 1; },
      [](protocol::CommandLogEntry& e) { e.payload.back() ^= 1; },
      [](protocol::CommandLogEntry& e) { e.payload.push_back(0); },
      [](protocol::CommandLogEntry& e) { e.signature[10] ^= 0x40; },
  };
  for (std::size_t i = 0; i < changes.size(); ++i) {
    protocol::CommandLogEntry e = signed_entry;
    changes[i](e);
    EXPECT_FALSE(verify_command(e)) << "change " << i;
  }
  protocol::CommandLogEntry forged = signed_entry;
  forged.author = other.public_key();  // someone else's key on a signature it did not make
  EXPECT_FALSE(verify_command(forged));
}

TEST(CommandSignature, SigningIsDeterministic) {
  Rng a(4), b(4);
  protocol::CommandLogEntry x = sample_entry(), y = sample_entry();
  sign_command(x, Ed25519KeyPair::from_rng(a));
  sign_command(y, Ed25519KeyPair::from_rng(b));
  EXPECT_EQ(x, y);
}

}  // namespace
}  // namespace theta_net::collab
