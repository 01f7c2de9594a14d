// Fast coder, decoder pass 1's output for the AVX-512 row kernel (fast_rows_avx512.cpp): each
// voxel class's misses as one bit per voxel of the class (set: it missed), with the misses'
// codes and escape ids in order beside them. A row then finds all of a class's misses at once,
// by depositing the class's next 16 bits onto its lanes (BMI2 pdep), instead of counting hits
// against one event at a time. The parsers of fast_miss_parser.hpp write it through ClassSink,
// so the bitstream and its parsing are the ones every kernel shares.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "fast_decoder_parts.hpp"
#include "scratch_buffer.hpp"

namespace theta_net::codec::fast {

// Entries past a class's stop: the row kernel reads the other class's next entry without a
// branch, which can be one past the stop.
inline constexpr std::uint32_t kMissPad = 2;

// A miss's code (low 16 bits: kCandidate + rank, kEscape + palette index, or kHit for the stop,
// which no miss has and which fails the same way) and, for an escape, its palette id (high 16).
inline constexpr std::uint32_t miss_entry(std::uint32_t code, std::uint32_t id) {
  return id << 16 | code;
}

// One class's misses. Bit n of `bits` is the class's n-th voxel (in decoding order); the k-th
// set bit's code and id are entries[k].
struct ClassMisses {
  std::uint64_t* bits = nullptr;
  std::uint32_t* entries = nullptr;
  std::uint32_t misses = 0;  // before the stop
  std::uint32_t stop = 0;    // the stop's bit: for edge voxels, the sent edge voxel count

  // The 16 bits from bit `pos` on (the bit array has 64 zero bits of room past the box).
  std::uint32_t peek16(std::uint32_t pos) const {
    std::uint64_t word;
    std::memcpy(&word, reinterpret_cast<const std::uint8_t*>(bits) + pos / 8, sizeof word);
    return static_cast<std::uint32_t>(word >> (pos % 8)) & 0xFFFF;
  }
};

// A parser sink (see EventSink) that writes one class's ClassMisses.
class ClassSink {
 public:
  ClassSink(ClassMisses& out, const std::uint16_t* palette, std::uint64_t unreachable)
      : out_(out), palette_(palette), unreachable_(unreachable) {}

  THETA_FORCE_INLINE void miss(std::uint32_t k, std::uint32_t run, std::uint32_t code) {
    pos_ += run;
    set_bit();
    // (Every code is below 0x8000; an escape's index is below the palette size: the parser
    // checked it.)
    out_.entries[k] = miss_entry(code, code >= kEscape ? palette_[code - kEscape] : 0);
    ++pos_;
  }
  THETA_FORCE_INLINE void stop(std::uint32_t k, std::uint32_t run) {
    pos_ += run;
    set_bit();
    out_.misses = k;
    out_.stop = static_cast<std::uint32_t>(std::min(pos_, unreachable_));
    for (std::uint32_t i = k; i <= k + kMissPad; ++i) out_.entries[i] = miss_entry(kHit, 0);
  }

 private:
  // A bit beyond the box's voxels (a flat run can be anything) goes to one no row reaches.
  THETA_FORCE_INLINE void set_bit() {
    const std::uint64_t at = std::min(pos_, unreachable_);
    out_.bits[at / 64] |= std::uint64_t{1} << (at % 64);
  }

  ClassMisses& out_;
  const std::uint16_t* palette_;
  std::uint64_t unreachable_;
  std::uint64_t pos_ = 0;
};

// Storage for both classes of a box of `volume` voxels with at most `flat_misses` flat misses
// and `edge_voxels` edge voxels (the counts the payload sends).
class MissBits {
 public:
  MissBits(std::uint32_t volume, std::uint32_t flat_misses, std::uint32_t edge_voxels)
      : volume_(volume),
        words_(volume / 64 + 3),
        flat_entries_(flat_misses + 1 + kMissPad),
        edge_entries_(edge_voxels + 1 + kMissPad),
        bits_(2 * std::size_t{words_}),
        flat_store_(flat_entries_),
        edge_store_(edge_entries_) {
    if (!ok()) return;
    std::memset(bits_.data(), 0, 2 * std::size_t{words_} * sizeof(std::uint64_t));
    flat = {bits_.data(), flat_store_.data()};
    edge = {bits_.data() + words_, edge_store_.data()};
  }
  MissBits(const MissBits&) = delete;
  MissBits& operator=(const MissBits&) = delete;

  bool ok() { return bits_.data() && flat_store_.data() && edge_store_.data(); }
  ClassSink flat_sink(const std::uint16_t* palette) {
    return ClassSink(flat, palette, std::uint64_t{volume_} + 64);
  }
  ClassSink edge_sink(const std::uint16_t* palette) {
    return ClassSink(edge, palette, std::uint64_t{volume_} + 64);
  }

  ClassMisses flat, edge;

 private:
  std::uint32_t volume_, words_, flat_entries_, edge_entries_;
  ScratchBuffer<std::uint64_t, 2 * (4096 / 64 + 3)> bits_;
  // Inline room for as many misses as the event lists' (larger payloads use the heap), so the
  // decoder's stack frame stays about as small as with the event lists.
  ScratchBuffer<std::uint32_t, 1024 + 1 + kMissPad> flat_store_, edge_store_;
};

// Pass 2 with AVX-512 for 16-wide boxes, on CPUs with cpu_has_avx512(): predicts every voxel of
// `out` (the palette's ids) and returns the CRC32C of the result (as crc32c() would), or false
// if the misses do not fit the voxels (every miss used, exactly the sent edge voxels seen). The
// same ids and verdicts as the other kernels.
#if THETA_CODEC_HAVE_AVX2_KERNELS
bool predict_rows16_avx512(ChunkDims d, const std::uint16_t* palette, const MissBits& misses,
                           std::uint16_t* out, std::uint32_t& crc);
#endif

}  // namespace theta_net::codec::fast
