// Fast coder, decoder pass 1: the flat misses and the edge codes, parsed into arrays.

#include <algorithm>
#include <bit>
#include <cstring>

#include "fast_decoder_parts.hpp"

namespace theta_net::codec::fast {
namespace {

// The two most common edge codes, hit '0' and outvoted neighbour '10', decoded up to 8 at a
// time: for an 8-bit window, how many such codes it starts with, which of them are '10' (bit j),
// and their total length. A window starting with '11' (a rarer code) has count 0.
struct EdgeRunTable {
  struct Entry {
    std::uint8_t count, outvoted, bits;
  };
  Entry e[256];
  constexpr EdgeRunTable() : e{} {
    for (unsigned w = 0; w < 256; ++w) {
      unsigned pos = 0, n = 0, mask = 0;
      while (pos < 8) {
        if (!(w >> pos & 1)) {
          ++pos;  // '0'
        } else if (pos + 1 < 8 && !(w >> (pos + 1) & 1)) {
          mask |= 1u << n;  // '10'
          pos += 2;
        } else {
          break;  // '11' or cut off
        }
        ++n;
      }
      e[w] = {static_cast<std::uint8_t>(n), static_cast<std::uint8_t>(mask),
              static_cast<std::uint8_t>(pos)};
    }
  }
};
constexpr EdgeRunTable kEdgeRuns{};

// The codes of an 8-bit outvoted mask, as 8 voxel codes (kHit or kCandidate).
struct ExpandTable {
  alignas(16) std::uint16_t codes[256][8];
  constexpr ExpandTable() : codes{} {
    for (unsigned m = 0; m < 256; ++m)
      for (unsigned j = 0; j < 8; ++j) codes[m][j] = static_cast<std::uint16_t>(m >> j & 1);
  }
};
constexpr ExpandTable kExpand{};

}  // namespace

THETA_NOINLINE bool parse_flat_misses(BitStreamReader& reader, std::uint32_t count,
                                      std::uint32_t palette_size, EscapeState& esc,
                                      std::uint64_t* events) {
  BitStreamReader r = reader;  // a local copy: the event stores cannot alias it
  RiceModel rice = initial_flat_run_model();
  bool ok = true;
  for (std::uint32_t i = 0; i < count; ++i) {
    r.refill();  // a run code (<= 44 bits) and a symbol (<= 4 bits) fit in one refill
    const std::uint32_t run = rice.decode(r);
    const unsigned symbol = kFlatMissCode.decode(r);
    std::uint32_t code = kCandidate + symbol;
    if (THETA_UNLIKELY(symbol == kFlatSymbolEscape)) {
      r.refill();
      const std::uint32_t index = esc.decode(r, palette_size);
      ok &= index < palette_size;
      code = kEscape + (index < palette_size ? index : 0);
    }
    events[i] = std::uint64_t{code} << 32 | run;
  }
  events[count] = events[count + 1] = kSentinelEvent;  // two: the decoder reads one ahead
  reader = r;
  return ok;
}

THETA_NOINLINE bool parse_edge_codes(BitStreamReader& reader, std::uint32_t count,
                                     std::uint32_t palette_size, EscapeState& esc,
                                     std::uint16_t* codes) {
  BitStreamReader r = reader;  // a local copy: the code stores cannot alias it
  bool ok = true;
  std::uint32_t i = 0;
  while (i < count) {
    r.refill();
    // Six table steps use at most 48 of the >= 56 buffered bits.
    for (unsigned step = 0; step < 6 && i < count; ++step) {
      const EdgeRunTable::Entry e = kEdgeRuns.e[r.peek(8)];
      if (THETA_UNLIKELY(e.count == 0)) {
        const unsigned symbol = kEdgeCode.decode(r);  // '110', '1110' or '1111'
        if (symbol == kEdgeSymbolEscape) {
          r.refill();
          const std::uint32_t index = esc.decode(r, palette_size);
          ok &= index < palette_size;
          codes[i++] = static_cast<std::uint16_t>(kEscape + (index < palette_size ? index : 0));
          break;  // refill
        }
        codes[i++] = static_cast<std::uint16_t>(symbol);
        continue;
      }
      // Writes 8 codes (the buffer has padding), keeps the first `take`.
      const std::uint32_t take = std::min<std::uint32_t>(e.count, count - i);
      std::memcpy(codes + i, kExpand.codes[e.outvoted], sizeof kExpand.codes[0]);
      const std::uint32_t kept = e.outvoted & ((1u << take) - 1);
      r.skip(take == e.count ? e.bits : take + static_cast<unsigned>(std::popcount(kept)));
      i += take;
    }
  }
  for (std::size_t j = 0; j < kEdgePadding; ++j) codes[count + j] = kStopCode;
  reader = r;
  return ok;
}

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
