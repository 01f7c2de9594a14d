// An adaptive binary range coder (the LZMA design: 32-bit range, 12-bit probabilities, carry
// propagation through a cached byte) for the entity bitstream. Each binary decision is coded
// with a BitModel that learns the probability of a 0 as it goes, so a flag that is almost
// always 0 costs a small fraction of a bit, and predictable small deltas cost little.
//
// Two departures from LZMA save bytes on small packets: the leading byte (always 0) is not
// written, and the flush writes only as many bytes as the decoder needs, trailing zero bytes
// dropped: the decoder reads zeros past the end. So an idle packet is one or two bytes.
//
// Everything is integer arithmetic: output bytes depend only on the input, on every build.
#pragma once

#include <cstdint>

#include "theta_net/core/byte_io.hpp"

namespace theta_net::replication {

inline constexpr int kProbBits = 12;
inline constexpr std::uint32_t kProbOne = 1u << kProbBits;
// A model adapts by counting at first and by a moving average later: the n-th observation
// moves the probability by about 1/(n+2) (an estimate from frequencies, so a packet's models
// learn from its first few symbols), settling at 1/32 per observation.
inline constexpr std::uint8_t kAdaptShift[] = {1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 5};
inline constexpr std::uint8_t kAdaptSteps = sizeof(kAdaptShift) - 1;

struct BitModel {
  std::uint16_t p0 = kProbOne / 2;  // probability of a 0, in 1/4096
  std::uint8_t seen = 0;            // observations so far, up to kAdaptSteps

  void update(unsigned bit) {
    const int shift = kAdaptShift[seen];
    if (seen < kAdaptSteps) ++seen;
    if (bit == 0) {
      p0 = static_cast<std::uint16_t>(p0 + ((kProbOne - p0) >> shift));
    } else {
      p0 = static_cast<std::uint16_t>(p0 - (p0 >> shift));
    }
  }
};

class RangeEncoder {
 public:
  explicit RangeEncoder(Bytes& out) : out_(&out) {}

  void encode(BitModel& model, unsigned bit) {
    const std::uint32_t bound = (range_ >> kProbBits) * model.p0;
    if (bit == 0) {
      range_ = bound;
    } else {
      low_ += bound;
      range_ -= bound;
    }
    model.update(bit);
    while (range_ < (1u << 24)) {
      range_ <<= 8;
      shift_low();
    }
  }
  void encode_run(BitModel& model, unsigned bit, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) encode(model, bit);
  }
  // `bits` (0..32) equiprobable bits of `value`, most significant first.
  void encode_direct(std::uint32_t value, int bits);
  // Writes the final bytes. The encoder must not be used afterwards.
  void finish();

 private:
  void shift_low();
  void emit(std::uint8_t byte);

  Bytes* out_;
  std::uint64_t low_ = 0;
  std::uint32_t range_ = 0xFFFFFFFFu;
  std::uint8_t cache_ = 0;
  std::uint64_t cache_size_ = 1;
  bool first_ = true;
};

class RangeDecoder {
 public:
  explicit RangeDecoder(ByteSpan in);

  unsigned decode(BitModel& model) {
    const std::uint32_t bound = (range_ >> kProbBits) * model.p0;
    unsigned bit;
    if (code_ < bound) {
      range_ = bound;
      bit = 0;
    } else {
      code_ -= bound;
      range_ -= bound;
      bit = 1;
    }
    model.update(bit);
    while (range_ < (1u << 24)) {
      range_ <<= 8;
      code_ = (code_ << 8) | next();
    }
    return bit;
  }
  std::uint32_t decode_direct(int bits);

  // Bytes read past the end of the input (as zeros): at most 4 for a valid payload.
  std::size_t overrun() const { return overrun_; }
  // Input bytes not read yet: 0 once a valid payload is decoded.
  std::size_t unread() const { return in_.size() - pos_; }

 private:
  std::uint8_t next() {
    if (pos_ < in_.size()) return in_[pos_++];
    ++overrun_;
    return 0;
  }

  ByteSpan in_;
  std::size_t pos_ = 0;
  std::size_t overrun_ = 0;
  std::uint32_t range_ = 0xFFFFFFFFu;
  std::uint32_t code_ = 0;
};

// Counts what a RangeEncoder would spend, in 1/65536 bit, without writing: used to choose
// between two codings of the same information. Integer-only, so the choice is deterministic.
class BitCostCounter {
 public:
  void encode(BitModel& model, unsigned bit);
  // `count` equal bits, costed in O(1) once the model stops changing (it reaches a fixed
  // point after a few dozen equal bits, and from there every bit costs the same).
  void encode_run(BitModel& model, unsigned bit, std::size_t count);
  void encode_direct(std::uint32_t, int bits) { cost_ += static_cast<std::uint64_t>(bits) << 16; }
  std::uint64_t cost() const { return cost_; }

 private:
  std::uint64_t cost_ = 0;
};

}  // namespace theta_net::replication
