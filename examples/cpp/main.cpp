// The smallest engine-side use of theta_net: link the installed library and call into it.
#include <cstdio>
#include <string_view>
#include <theta_net/core/crc32c.hpp>
#include <theta_net/core/rng.hpp>
#include <theta_net/core/siphash.hpp>
#include <theta_net/version.hpp>

int main() {
  constexpr std::string_view kCheck = "123456789";
  const std::uint32_t crc = theta_net::crc32c(kCheck.data(), kCheck.size());
  const std::uint64_t id = theta_net::siphash24(theta_net::SipKey{1, 2}, "game.Transform");
  theta_net::Rng rng(42);
  std::printf("theta_net %s\n", theta_net::kVersionString);
  std::printf("crc32c(\"123456789\") = %08x\n", crc);
  std::printf("component id of game.Transform = %016llx\n", static_cast<unsigned long long>(id));
  std::printf("first draw of Rng(42) = %016llx\n", static_cast<unsigned long long>(rng.next_u64()));
  const bool ok = crc == 0xE3069283u;
  std::printf("theta_net example: %s\n", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
