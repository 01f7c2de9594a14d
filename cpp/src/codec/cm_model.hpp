// Context-mixing building blocks for the best preset, all integer arithmetic so that encoder and
// decoder agree bit for bit on every platform:
//  - squash/stretch: the logistic function and its inverse in the 12-bit probability domain;
//  - BitModel: an adaptive probability that learns fast at first (rate 1/n) then settles;
//  - Mixer: logistic mixing of several model outputs with online-trained weights.
#pragma once

#include <cstdint>

#include "hot_path.hpp"

namespace theta_net::codec::cm {

// 4096 / (1 + e^(-x/256)) sampled at x = -2048, -1920, ..., 2048, then linearly interpolated.
inline constexpr int kSquashKnots[33] = {1,    2,    4,    6,    10,   17,   27,   45,   74,
                                         120,  194,  311,  488,  747,  1102, 1546, 2048, 2550,
                                         2994, 3349, 3608, 3785, 3902, 3976, 4022, 4051, 4069,
                                         4079, 4086, 4090, 4092, 4094, 4095};

constexpr int squash(int d) {  // d in stretch units (8 bits of fraction), result in (0, 4096)
  if (d > 2047) return 4095;
  if (d < -2047) return 1;
  const int w = d & 127, i = (d + 2048) >> 7;
  return (kSquashKnots[i] * (128 - w) + kSquashKnots[i + 1] * w + 64) >> 7;
}

struct StretchTable {
  short v[4096];
  constexpr StretchTable() : v{} {
    // Inverse of squash: for each p, the smallest d with squash(d) >= p.
    int pi = 0;
    for (int d = -2047; d <= 2047; ++d) {
      const int p = squash(d);
      for (; pi <= p; ++pi) v[pi] = static_cast<short>(d);
    }
    for (; pi < 4096; ++pi) v[pi] = 2047;
  }
};
inline constexpr StretchTable kStretch{};
inline int stretch(int p) {
  return kStretch.v[p];
}

// 1 / (n + 1.5) in 16.16 fixed point: the adaptation rate after n updates.
inline constexpr int kBitModelLimit = 30;
struct BitModelRates {
  int r[kBitModelLimit + 1];
  constexpr BitModelRates() : r{} {
    for (int n = 0; n <= kBitModelLimit; ++n) r[n] = 65536 * 2 / (2 * n + 3);
  }
};
inline constexpr BitModelRates kBitModelRates{};

// Adaptive P(1) with 16-bit precision; the rate starts at 1/1.5 and slows to 1/31, so a context
// seen a few times is already informative, while a long-lived one averages over ~30 events.
class BitModel {
 public:
  // P(1) in [1, 4095].
  THETA_FORCE_INLINE int p12() const {
    const int p = p_ >> 4;
    return p < 1 ? 1 : (p > 4095 ? 4095 : p);
  }
  THETA_FORCE_INLINE void update(unsigned bit) {
    const std::int64_t target = bit ? 65535 : 0;
    p_ = static_cast<std::uint16_t>(p_ + (target - p_) * kBitModelRates.r[n_] / 65536);
    if (n_ < kBitModelLimit) ++n_;
  }

 private:
  std::uint16_t p_ = 32768;
  std::uint8_t n_ = 0;
};

// Mixes kInputs stretched probabilities with one of kSets weight vectors.
template <int kInputs, int kSets>
class Mixer {
 public:
  constexpr Mixer() {
    for (auto& set : w_)
      for (auto& w : set) w = (1 << 16) / kInputs;
  }

  // Inputs are stretched probabilities; returns the mixed 12-bit probability.
  THETA_FORCE_INLINE int mix(const int (&st)[kInputs], int set) {
    set_ = set;
    for (int i = 0; i < kInputs; ++i) st_[i] = st[i];
    std::int64_t dot = 0;
    for (int i = 0; i < kInputs; ++i) dot += static_cast<std::int64_t>(st_[i]) * w_[set][i];
    int d = static_cast<int>(dot >> 16);
    d = d < -2047 ? -2047 : (d > 2047 ? 2047 : d);
    p_ = squash(d);
    return p_;
  }

  THETA_FORCE_INLINE void update(unsigned bit) {
    const int err = ((static_cast<int>(bit) << 12) - p_) * kLearningRate;
    for (int i = 0; i < kInputs; ++i) w_[set_][i] += (st_[i] * err) >> 10;
  }

 private:
  static constexpr int kLearningRate = 6;
  int w_[kSets][kInputs] = {};
  int st_[kInputs] = {};
  int set_ = 0, p_ = 2048;
};

}  // namespace theta_net::codec::cm
