#include "theta_net/core/siphash.hpp"

#include <bit>

#include "theta_net/core/byte_io.hpp"

namespace theta_net {
namespace {

struct SipState {
  std::uint64_t v0, v1, v2, v3;

  void round() {
    v0 += v1;
    v1 = std::rotl(v1, 13);
    v1 ^= v0;
    v0 = std::rotl(v0, 32);
    v2 += v3;
    v3 = std::rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = std::rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = std::rotl(v1, 17);
    v1 ^= v2;
    v2 = std::rotl(v2, 32);
  }

  void compress(std::uint64_t m) {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
};

}  // namespace

SipKey SipKey::from_bytes(std::span<const std::uint8_t, 16> bytes) {
  return SipKey{load_le64(bytes.data()), load_le64(bytes.data() + 8)};
}

std::uint64_t siphash24(const SipKey& key, const void* data, std::size_t size) {
  // Initialisation constants: "somepseudorandomlygeneratedbytes" in ASCII.
  SipState s{key.k0 ^ 0x736f6d6570736575ull, key.k1 ^ 0x646f72616e646f6dull,
             key.k0 ^ 0x6c7967656e657261ull, key.k1 ^ 0x7465646279746573ull};
  const auto* p = static_cast<const std::uint8_t*>(data);
  const std::size_t full = size & ~std::size_t{7};
  for (std::size_t i = 0; i < full; i += 8) s.compress(load_le64(p + i));

  // Last block: the remaining bytes, with the message length mod 256 in the top byte.
  std::uint64_t last = static_cast<std::uint64_t>(size & 0xff) << 56;
  for (std::size_t i = 0; i < (size & 7); ++i) last |= std::uint64_t{p[full + i]} << (8 * i);
  s.compress(last);

  s.v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) s.round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

}  // namespace theta_net
