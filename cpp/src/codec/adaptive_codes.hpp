// Cheap adaptive prefix codes for the fast preset (no arithmetic coding on the hot path).
//  - RiceModel: Golomb-Rice codes for run lengths with the parameter adapted from the running
//    mean (as in LOCO-I), so long runs in flat regions and short runs at surfaces both stay cheap.
//  - PrefixCode: a small fixed prefix code decoded with one 4-bit peek.
//  - Elias-gamma and truncated-binary helpers for escapes.
// Encoder and decoder run the same update code, so adaptation costs no side information.
#pragma once

#include <bit>
#include <cstdint>

#include "bit_stream.hpp"

namespace theta_net::codec {

class RiceModel {
 public:
  static constexpr unsigned kRawBits = 20;  // runs are < 2^20 voxels
  static constexpr unsigned kUnaryLimit = 24;
  static constexpr unsigned kMaxK = 19;
  static constexpr unsigned kMeanShift = 3;  // moving average over ~8 runs

  explicit RiceModel(std::uint32_t initial_mean = 1) : mean8_(initial_mean << kMeanShift) {
    update_k();
  }

  unsigned k() const { return k_; }

  // k = floor(log2(mean run)), from an exponential moving average of the runs. (Measured
  // smaller than LOCO-I's halving counts on terrain, and cheaper: no division-like search.)
  THETA_FORCE_INLINE void update(std::uint32_t value) {
    mean8_ = mean8_ - (mean8_ >> kMeanShift) + value;
    update_k();
  }

  void encode(BitStreamWriter& w, std::uint32_t value) {
    const unsigned kk = k();
    const std::uint32_t q = value >> kk;
    if (q < kUnaryLimit) {
      w.put(std::uint64_t{1} << q, q + 1);
      if (kk) w.put(value & ((1u << kk) - 1), kk);
    } else {
      w.put(0, kUnaryLimit);
      w.put(value, kRawBits);
    }
    update(value);
  }

  // Caller must have refilled the reader (needs <= kUnaryLimit + kRawBits bits).
  THETA_FORCE_INLINE std::uint32_t decode(BitStreamReader& r) {
    const unsigned kk = k();
    const unsigned zeros = static_cast<unsigned>(std::countr_zero(r.peek_all()));
    std::uint32_t value;
    if (THETA_LIKELY(zeros < kUnaryLimit)) {
      r.skip(zeros + 1);
      value = (zeros << kk) | r.get(kk);
    } else {
      r.skip(kUnaryLimit);
      value = r.get(kRawBits);
    }
    update(value);
    return value;
  }

 private:
  // mean8_ < 2^23 (runs are < 2^20), so k <= kMaxK without clamping.
  THETA_FORCE_INLINE void update_k() {
    const auto width = static_cast<unsigned>(std::bit_width(mean8_));
    k_ = width > kMeanShift + 1 ? width - (kMeanShift + 1) : 0;
  }

  std::uint32_t mean8_;  // 8 x mean run length
  unsigned k_ = 0;
};

// A fixed prefix code over at most 8 symbols with codewords of at most 4 bits, decoded with one
// 4-bit peek and a table lookup. Codewords are given per symbol (first bit in the LSB).
class PrefixCode {
 public:
  struct Word {
    std::uint8_t bits, len;
  };

  template <std::size_t kN>
  constexpr explicit PrefixCode(const Word (&words)[kN]) {
    static_assert(kN <= 8);
    for (unsigned s = 0; s < kN; ++s) {
      enc_[s] = words[s];
      // Every 4-bit window starting with this codeword decodes to it.
      for (unsigned rest = 0; rest < (16u >> words[s].len); ++rest) {
        const unsigned window = words[s].bits | rest << words[s].len;
        dec_sym_[window] = static_cast<std::uint8_t>(s);
        dec_len_[window] = words[s].len;
      }
    }
  }

  void encode(BitStreamWriter& w, unsigned symbol) const {
    w.put(enc_[symbol].bits, enc_[symbol].len);
  }

  // Needs 4 readable bits.
  THETA_FORCE_INLINE unsigned decode(BitStreamReader& r) const {
    const auto window = static_cast<unsigned>(r.peek(4));
    r.skip(dec_len_[window]);
    return dec_sym_[window];
  }

 private:
  Word enc_[8] = {};
  std::uint8_t dec_sym_[16] = {}, dec_len_[16] = {};
};

// Elias-gamma code of m >= 1, m < 2^24: n-1 zeros, a one, then the low n-1 bits of m.
inline void put_gamma(BitStreamWriter& w, std::uint32_t m) {
  const unsigned n = static_cast<unsigned>(std::bit_width(m));
  w.put(std::uint64_t{1} << (n - 1), n);
  if (n > 1) w.put(m & ((1u << (n - 1)) - 1), n - 1);
}

// Returns 0 on a malformed code (more than 23 leading zeros). Needs 47 readable bits.
THETA_FORCE_INLINE std::uint32_t get_gamma(BitStreamReader& r) {
  const unsigned zeros = static_cast<unsigned>(std::countr_zero(r.peek_all()));
  if (zeros > 23) return 0;
  r.skip(zeros + 1);
  return (1u << zeros) | r.get(zeros);
}

// Truncated binary code for value < n (n >= 1): k or k+1 bits.
inline void put_truncated(BitStreamWriter& w, std::uint32_t value, std::uint32_t n) {
  const unsigned k = static_cast<unsigned>(std::bit_width(n)) - 1;
  const std::uint32_t u = (2u << k) - n;
  if (value < u) {
    w.put(value, k);
  } else {
    const std::uint32_t v = value + u;
    w.put(v >> 1, k);
    w.put(v & 1, 1);
  }
}

THETA_FORCE_INLINE std::uint32_t get_truncated(BitStreamReader& r, std::uint32_t n) {
  const unsigned k = static_cast<unsigned>(std::bit_width(n)) - 1;
  const std::uint32_t u = (2u << k) - n;
  const std::uint32_t v = r.get(k);
  if (v < u) return v;
  return ((v << 1) | r.get(1)) - u;
}

}  // namespace theta_net::codec
