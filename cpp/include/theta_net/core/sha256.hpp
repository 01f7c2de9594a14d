// SHA-256 (FIPS 180-4) through OpenSSL 3, for asset transfers and certificate fingerprints.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "theta_net/core/byte_io.hpp"

namespace theta_net {

using Sha256Digest = std::array<std::uint8_t, 32>;

Sha256Digest sha256(ByteSpan data);

// Incremental hashing of data that arrives in pieces (an asset, a large transfer).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;

  void update(ByteSpan data);
  Sha256Digest finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Lower-case hexadecimal of any bytes ("ba7816bf...").
std::string to_hex(ByteSpan data);
// The digest written as 64 lower-case hex digits (an asset's name), or none for other text.
std::optional<Sha256Digest> sha256_from_hex(std::string_view hex);

}  // namespace theta_net
