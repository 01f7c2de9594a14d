// SipHash-2-4 with a 64-bit output (Aumasson & Bernstein, 2012). theta_net uses it for stable
// 64-bit ids (component types, schema hash): a keyed hash whose value depends only on the key and
// the bytes, identical on every machine and build.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace theta_net {

struct SipKey {
  std::uint64_t k0 = 0;
  std::uint64_t k1 = 0;

  // The 16 key bytes as the reference implementation reads them: k0 = bytes 0..7 little-endian,
  // k1 = bytes 8..15.
  static SipKey from_bytes(std::span<const std::uint8_t, 16> bytes);
};

std::uint64_t siphash24(const SipKey& key, const void* data, std::size_t size);

inline std::uint64_t siphash24(const SipKey& key, std::span<const std::uint8_t> data) {
  return siphash24(key, data.data(), data.size());
}
inline std::uint64_t siphash24(const SipKey& key, std::string_view text) {
  return siphash24(key, text.data(), text.size());
}

}  // namespace theta_net
