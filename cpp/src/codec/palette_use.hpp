// Which palette indices a section has used so far, in first-use order: the bookkeeping behind
// the escape codes of the fast mode (escape_code.hpp, bit-stream coded) and of the context mode
// (context_coder.cpp, arithmetic coded). Index 0 starts used: the virtual border rows carry it.
// Every other index is "unseen" until first used; an unseen index is named by its rank among
// the unseen ones. Work is O(1) for a seen index and O(palette / 64) for a new one, so a hostile
// payload cannot make coding quadratic in voxels.
#pragma once

#include <bit>
#include <cstdint>

#include "theta_net/codec/chunk_dims.hpp"

namespace theta_net::codec {

class PaletteUse {
 public:
  PaletteUse() {
    for (auto& w : seen_bits_) w = 0;
    mark_seen(0);
  }

  std::uint32_t seen_count() const { return seen_count_; }
  bool is_seen(std::uint32_t index) const { return (seen_bits_[index >> 6] >> (index & 63)) & 1; }
  // Position of a seen index in first-use order, and the index at a position.
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

  // Records the first use of an unseen index.
  void mark_seen(std::uint32_t index) {
    seen_bits_[index >> 6] |= std::uint64_t{1} << (index & 63);
    position_[index] = static_cast<std::uint16_t>(seen_count_);
    list_[seen_count_++] = static_cast<std::uint16_t>(index);
  }
  // Records a use of any index.
  void mark_used(std::uint32_t index) {
    if (!is_seen(index)) mark_seen(index);
  }

 private:
  std::uint64_t seen_bits_[kMaxPalette / 64];
  std::uint16_t list_[kMaxPalette];
  std::uint16_t position_[kMaxPalette];
  std::uint32_t seen_count_ = 0;
};

}  // namespace theta_net::codec
