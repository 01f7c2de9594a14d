// Coding of a palette index that none of the neighbour candidates predicted.
// Indices split into "seen" (index 0, which the virtual border rows carry, plus every index
// escaped before: nothing else can appear, because all other voxels copy a neighbour) and
// "unseen". Seen ones are sent as a truncated-binary position in first-seen order; unseen ones
// as their rank among the unseen indices (Elias-gamma), which is always 0 when the palette is in
// first-appearance order, as the section encoder builds it. Work per escape is O(1) for seen
// indices and O(palette / 64) for new ones, so a hostile payload cannot make it quadratic in
// voxels.
#pragma once

#include <bit>
#include <cstdint>

#include "adaptive_codes.hpp"
#include "theta_net/codec/chunk_dims.hpp"

namespace theta_net::codec {

class EscapeState {
 public:
  EscapeState() {
    for (auto& w : seen_bits_) w = 0;
    mark_seen(0);
  }

  std::uint32_t seen_count() const { return seen_count_; }
  bool is_seen(std::uint32_t index) const { return (seen_bits_[index >> 6] >> (index & 63)) & 1; }
  std::uint32_t position_of(std::uint32_t index) const { return position_[index]; }
  std::uint32_t at_position(std::uint32_t pos) const { return list_[pos]; }

  // Number of unseen indices below `index`.
  std::uint32_t unseen_rank(std::uint32_t index) const {
    std::uint32_t seen_below = 0;
    for (std::uint32_t w = 0; w < (index >> 6); ++w)
      seen_below += static_cast<std::uint32_t>(std::popcount(seen_bits_[w]));
    if (index & 63)
      seen_below += static_cast<std::uint32_t>(
          std::popcount(seen_bits_[index >> 6] & ((std::uint64_t{1} << (index & 63)) - 1)));
    return index - seen_below;
  }

  // The unseen index with the given rank, or kMaxPalette if there is none below `limit`.
  std::uint32_t unseen_with_rank(std::uint32_t rank, std::uint32_t limit) const {
    for (std::uint32_t w = 0; w * 64 < limit; ++w) {
      std::uint64_t free = ~seen_bits_[w];
      const auto n = static_cast<std::uint32_t>(std::popcount(free));
      if (rank >= n) {
        rank -= n;
        continue;
      }
      while (rank--) free &= free - 1;
      const std::uint32_t index = w * 64 + static_cast<std::uint32_t>(std::countr_zero(free));
      return index < limit ? index : kMaxPalette;
    }
    return kMaxPalette;
  }

  void mark_seen(std::uint32_t index) {
    seen_bits_[index >> 6] |= std::uint64_t{1} << (index & 63);
    position_[index] = static_cast<std::uint16_t>(seen_count_);
    list_[seen_count_++] = static_cast<std::uint16_t>(index);
  }

  void encode(BitStreamWriter& w, std::uint32_t index) {
    if (is_seen(index)) {
      w.put(0, 1);
      put_truncated(w, position_of(index), seen_count_);
    } else {
      w.put(1, 1);
      put_gamma(w, unseen_rank(index) + 1);
      mark_seen(index);
    }
  }

  // Returns kMaxPalette on a corrupt code. Needs a refilled reader (<= 34 bits).
  THETA_FORCE_INLINE std::uint32_t decode(BitStreamReader& r, std::uint32_t palette_size) {
    if (r.get(1) == 0) return at_position(get_truncated(r, seen_count_));
    const std::uint32_t m = get_gamma(r);
    if (m == 0) return kMaxPalette;
    const std::uint32_t index = unseen_with_rank(m - 1, palette_size);
    if (index < palette_size) mark_seen(index);
    return index;
  }

 private:
  std::uint64_t seen_bits_[kMaxPalette / 64];
  std::uint16_t list_[kMaxPalette];
  std::uint16_t position_[kMaxPalette];
  std::uint32_t seen_count_ = 0;
};

}  // namespace theta_net::codec
