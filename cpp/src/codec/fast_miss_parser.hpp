// Fast coder, decoder pass 1: the flat and the edge misses, parsed into event lists (see
// fast_decoder_parts.hpp). Inline, so that fast_decoder.cpp compiles them into both its
// baseline and its x86-64-v3 decoder.
#pragma once

#include <bit>

#include "fast_decoder_parts.hpp"

namespace theta_net::codec::fast {

// Where the parsers put the misses: the k-th miss of a list as miss(k, run of hits before it,
// code), then its stop as stop(k, run). This one writes event lists; fast_miss_bits.hpp has
// the AVX-512 kernel's per-class bits.
struct EventSink {
  std::uint64_t* events;
  THETA_FORCE_INLINE void miss(std::uint32_t k, std::uint32_t run, std::uint32_t code) {
    events[k] = event(run, code);
  }
  THETA_FORCE_INLINE void stop(std::uint32_t k, std::uint32_t run) {
    events[k] = event(run, kStopCode);
  }
};

// `count` flat misses into events[0, count], the last being the stop event. False on an escape
// to an index beyond the palette (truncation shows in reader.overran()).
template <class Sink = EventSink>
THETA_FORCE_INLINE bool parse_flat_misses(BitStreamReader& reader, std::uint32_t count,
                                          std::uint32_t palette_size, EscapeState& esc, Sink sink) {
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
    sink.miss(i, run, code);
  }
  sink.stop(count, kNoMoreMisses);
  reader = r;
  return ok;
}

// The codes of `count` edge voxels ('0' a hit, '10' rank 0, '110' escape, '1110'/'1111' ranks
// 1/2) into events: a run of hits is a run of zero bits, counted at once. Writes at most
// count + 1 events, the last being the stop event; returns the number of misses, or -1 on an
// escape beyond the palette.
template <class Sink = EventSink>
THETA_FORCE_INLINE std::int64_t parse_edge_misses(BitStreamReader& reader, std::uint32_t count,
                                                  std::uint32_t palette_size, EscapeState& esc,
                                                  Sink sink) {
  BitStreamReader r = reader;
  bool ok = true;
  std::uint32_t misses = 0, run = 0, left = count;  // left: edge voxels not yet accounted for
  while (left > run) {
    // >= 56 bits: up to 52 zeros of a run, and then still room for a 4-bit miss code.
    r.refill();
    const auto zeros = static_cast<std::uint32_t>(std::countr_zero(r.peek_all() | 1ull << 52));
    if (zeros >= left - run) {  // every remaining edge voxel hits
      r.skip(left - run);
      run = left;
      break;
    }
    r.skip(zeros);
    run += zeros;
    if (zeros == 52) continue;
    const unsigned symbol = kEdgeCode.decode(r);  // not a hit: the code starts with '1'
    std::uint32_t code = symbol;
    if (symbol == kEdgeSymbolEscape) {
      r.refill();
      const std::uint32_t index = esc.decode(r, palette_size);
      ok &= index < palette_size;
      code = kEscape + (index < palette_size ? index : 0);
    }
    sink.miss(misses++, run, code);
    left -= run + 1;
    run = 0;
  }
  sink.stop(misses, run);
  reader = r;
  return ok ? std::int64_t{misses} : -1;
}

}  // namespace theta_net::codec::fast
