// Fast coder, decoder pass 2 for the AVX-512 row kernel (fast_rows_avx512.cpp): each voxel
// class's misses as one bit per voxel of the class (set: it missed), with the misses' codes in
// order beside it. A row then finds all its misses of a class at once, by depositing the next
// bits of the class onto the class's lanes (BMI2 pdep), instead of walking the events one miss
// at a time. Built from the event lists of pass 1 (fast_decoder_parts.hpp), so the bitstream
// and its parser are the ones every kernel shares.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "fast_decoder_parts.hpp"
#include "scratch_buffer.hpp"

namespace theta_net::codec::fast {

// Entries read past the last miss by 16-lane vector loads (and zeroed).
inline constexpr std::uint32_t kMissPad = 32;

// One class's misses. Bit n of `bits` is the class's n-th voxel (in decoding order); the k-th
// set bit's code is codes[k] (kCandidate + rank, kEscape + palette index, or kStopCode) and, for
// an escape, its palette id is ids[k].
struct ClassMisses {
  const std::uint64_t* bits = nullptr;
  const std::uint16_t* codes = nullptr;
  const std::uint16_t* ids = nullptr;
  std::uint32_t misses = 0;  // entries before the stop (the edge list's stop has a bit too)
  std::uint32_t voxels = 0;  // edge: the rank of the stop bit, the sent edge voxel count

  // The 16 bits from bit `pos` on (the bit array has 64 zero bits of room past its end).
  std::uint32_t peek16(std::uint32_t pos) const {
    std::uint64_t word;
    std::memcpy(&word, reinterpret_cast<const std::uint8_t*>(bits) + pos / 8, sizeof word);
    return static_cast<std::uint32_t>(word >> (pos % 8)) & 0xFFFF;
  }
  bool bit(std::uint32_t pos) const { return (bits[pos / 64] >> (pos % 64) & 1) != 0; }
};

// Both classes' misses for a box of `volume` voxels, converted from the event lists of pass 1
// (each ending with its stop event).
class MissBits {
 public:
  MissBits(std::uint32_t volume, const std::uint64_t* flat_events, const std::uint64_t* edge_events)
      : volume_(volume),
        words_(volume / 64 + 3),
        flat_count_(count_misses(flat_events)),
        edge_count_(count_misses(edge_events) + 1),  // with its stop
        bits_(2 * std::size_t{words_}),
        flat_store_(2 * (std::size_t{flat_count_} + kMissPad)),
        edge_store_(2 * (std::size_t{edge_count_} + kMissPad)),
        flat_events_(flat_events),
        edge_events_(edge_events) {}

  // Fills `flat` and `edge`. False if there is no memory, or if a flat miss lies beyond the
  // box's voxels: no decoder reaches it, so the misses cannot fit (the other kernels find that
  // out at the end, with the miss unused).
  bool build(const std::uint16_t* palette) {
    if (!bits_.data() || !flat_store_.data() || !edge_store_.data()) return false;
    std::memset(bits_.data(), 0, 2 * std::size_t{words_} * sizeof(std::uint64_t));
    flat.misses = flat_count_;
    edge.misses = edge_count_ - 1;
    return fill(flat_events_, flat_count_, bits_.data(), flat_store_.data(), palette, flat) &&
           fill(edge_events_, edge_count_, bits_.data() + words_, edge_store_.data(), palette,
                edge);
  }

  ClassMisses flat, edge;

 private:
  static constexpr std::size_t kInlineEntries = 2 * (512 + kMissPad);

  static std::uint32_t count_misses(const std::uint64_t* events) {
    std::uint32_t n = 0;
    while (event_code(events[n]) != kStopCode) ++n;
    return n;
  }

  // Sets the bits of `count` events (an edge stop event's bit sits at the sent voxel count);
  // `store` takes count + kMissPad codes, then as many ids.
  bool fill(const std::uint64_t* events, std::uint32_t count, std::uint64_t* bits,
            std::uint16_t* store, const std::uint16_t* palette, ClassMisses& out) const {
    std::uint16_t* codes = store;
    std::uint16_t* ids = store + count + kMissPad;
    std::uint64_t pos = 0;
    for (std::uint32_t k = 0; k < count; ++k) {
      pos += event_run(events[k]);
      if (pos > volume_) return false;  // (only the edge stop may sit at `volume`)
      bits[pos / 64] |= std::uint64_t{1} << (pos % 64);
      const std::uint32_t code = event_code(events[k]);
      codes[k] = static_cast<std::uint16_t>(code);  // every code is below 0x8000
      // (Escape indices are below the palette size: the parser checked them.)
      ids[k] = code >= kEscape && code != kStopCode ? palette[code - kEscape] : 0;
      out.voxels = static_cast<std::uint32_t>(pos);
      ++pos;
    }
    for (std::uint32_t k = count; k < count + kMissPad; ++k) codes[k] = ids[k] = 0;
    out.bits = bits;
    out.codes = codes;
    out.ids = ids;
    return true;
  }

  std::uint32_t volume_, words_, flat_count_, edge_count_;
  ScratchBuffer<std::uint64_t, 2 * (4096 / 64 + 3)> bits_;
  ScratchBuffer<std::uint16_t, kInlineEntries> flat_store_, edge_store_;
  const std::uint64_t* flat_events_;
  const std::uint64_t* edge_events_;
};

}  // namespace theta_net::codec::fast
