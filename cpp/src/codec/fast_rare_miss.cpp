// Fast coder: the rare misses (diagonal candidates, escapes), kept out of the hot loops.

#include "fast_decoder_parts.hpp"

namespace theta_net::codec::fast {

THETA_NOINLINE std::uint32_t resolve_rare_miss(const NeighbourRows& nb, std::uint32_t x,
                                               std::uint32_t width, std::uint16_t a,
                                               std::uint16_t pred, std::uint32_t code,
                                               const std::uint16_t* palette) {
  if (code == kStopCode || code == kHit) return kBadValue;
  if (code < kEscape) return candidate_at(nb, x, width, a, pred, code - kCandidate);
  const std::uint16_t value = palette[code - kEscape];  // < palette size, checked by the parser
  return value != pred ? value : kBadValue;
}

}  // namespace theta_net::codec::fast
