// Ed25519 signatures (RFC 8032) through OpenSSL 3: the handshake signs its transcript and
// command-log entries are signed by their authors.
#pragma once

#include <array>
#include <cstdint>

#include "theta_net/core/byte_io.hpp"
#include "theta_net/core/result.hpp"

namespace theta_net {

using Ed25519PublicKey = std::array<std::uint8_t, 32>;
using Ed25519Signature = std::array<std::uint8_t, 64>;

class Rng;

class Ed25519KeyPair {
 public:
  // The key pair whose 32-byte private seed is `seed` (RFC 8032's "secret key").
  // Errors: kInvalidArgument (OpenSSL refuses the seed or cannot derive its public key).
  static Result<Ed25519KeyPair> from_seed(const std::array<std::uint8_t, 32>& seed);
  // A key pair from the operating system's random generator (OpenSSL RAND_bytes).
  // Errors: kIo (RAND_bytes fails), and those of from_seed.
  static Result<Ed25519KeyPair> generate();
  // A reproducible key pair for tests and simulations.
  static Ed25519KeyPair from_rng(Rng& rng);

  const Ed25519PublicKey& public_key() const { return public_key_; }
  const std::array<std::uint8_t, 32>& seed() const { return seed_; }
  Ed25519Signature sign(ByteSpan message) const;

 private:
  std::array<std::uint8_t, 32> seed_{};
  Ed25519PublicKey public_key_{};
};

// True when `signature` is a valid signature of `message` under `public_key`.
bool ed25519_verify(const Ed25519PublicKey& public_key, ByteSpan message,
                    const Ed25519Signature& signature);

}  // namespace theta_net
