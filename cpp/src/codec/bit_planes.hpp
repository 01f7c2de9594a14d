// Per-voxel bit planes (one bit per voxel in linear scan order) with word-level prefix counts.
// The fast encoder classifies the whole volume into such planes with SIMD-friendly code and
// then visits only the misses, so its cost per correctly predicted voxel is a fraction of a
// cycle. Storage is inline up to 8192 voxels (a 16^3 section allocates nothing).
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

#include "scratch_buffer.hpp"

namespace theta_net::codec {

class BitPlane {
 public:
  explicit BitPlane(std::size_t bits)
      : words_((bits + 63) / 64), storage_(words_ + 1), data_(storage_.data()) {
    if (data_)
      for (std::size_t i = 0; i <= words_; ++i) data_[i] = 0;
  }

  bool ok() const { return data_ != nullptr; }
  std::uint64_t* words() { return data_; }
  const std::uint64_t* words() const { return data_; }
  std::size_t word_count() const { return words_; }

  // ORs the low `count` (<= 64) bits of `bits` in at bit `offset`. The extra word at the end
  // absorbs the spill of the last call.
  void put(std::size_t offset, std::uint64_t bits, unsigned count) {
    const unsigned shift = offset & 63;
    std::uint64_t* w = data_ + (offset >> 6);
    w[0] |= bits << shift;
    if (shift + count > 64) w[1] |= bits >> (64 - shift);
  }

 private:
  std::size_t words_;
  ScratchBuffer<std::uint64_t, 129> storage_;
  std::uint64_t* data_;
};

// Number of set bits below each word boundary, for O(1) rank queries.
class RankIndex {
 public:
  explicit RankIndex(const BitPlane& plane)
      : bits_(plane.words()), prefix_(plane.word_count() + 1), data_(prefix_.data()) {
    if (!data_) return;
    data_[0] = 0;
    for (std::size_t w = 0; w < plane.word_count(); ++w)
      data_[w + 1] = data_[w] + static_cast<std::uint32_t>(std::popcount(bits_[w]));
  }

  bool ok() const { return data_ != nullptr; }

  // Set bits at positions < p.
  std::uint32_t rank(std::size_t p) const {
    const std::size_t w = p >> 6;
    std::uint32_t r = data_[w];
    if (p & 63)
      r += static_cast<std::uint32_t>(
          std::popcount(bits_[w] & ((std::uint64_t{1} << (p & 63)) - 1)));
    return r;
  }

 private:
  const std::uint64_t* bits_;
  ScratchBuffer<std::uint32_t, 130> prefix_;
  std::uint32_t* data_;
};

}  // namespace theta_net::codec
