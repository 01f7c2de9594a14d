// The entity bitstream's binary coding: adaptive BitModels coded with core's range coder
// (core/range_coder.hpp), and an exact cost counter with the encoder's interface. Each binary
// decision is coded with a BitModel that learns the probability of a 0 as it goes, so a flag
// that is almost always 0 costs a small fraction of a bit, and predictable small deltas cost
// little.
//
// The flush writes only as many bytes as the decoder needs, trailing zero bytes dropped: the
// decoder reads zeros past the end. With the range coder's unwritten leading byte, an idle
// packet is one or two bytes.
//
// Everything is integer arithmetic: output bytes depend only on the input, on every build.
#pragma once

#include <cstdint>

#include "theta_net/core/byte_io.hpp"
#include "theta_net/core/range_coder.hpp"

namespace theta_net::replication {

inline constexpr std::uint32_t kProbOne = 1u << kRangeProbBits;  // a BitModel probability of 1

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

// Codes BitModel decisions (and equiprobable bits) with core's range coder, appending to a
// byte vector; the models learn as they code.
class BitModelEncoder {
 public:
  explicit BitModelEncoder(Bytes& out) : rc_(AppendSink(out)) {}

  void encode(BitModel& model, unsigned bit) {
    rc_.narrow(bit == 0, model.p0);
    model.update(bit);
    rc_.normalize();
  }
  void encode_run(BitModel& model, unsigned bit, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) encode(model, bit);
  }
  // `bits` (0..32) equiprobable bits of `value`, most significant first.
  void encode_direct(std::uint32_t value, int bits) { rc_.encode_direct(value, bits); }
  // Writes the final bytes, the fewest the decoder needs. The encoder must not be used afterwards.
  void finish();

 private:
  RangeEncoder<AppendSink> rc_;
};

class BitModelDecoder {
 public:
  explicit BitModelDecoder(ByteSpan in) : rd_(in) {}

  unsigned decode(BitModel& model) {
    const unsigned bit = rd_.narrow(model.p0) ? 0 : 1;
    model.update(bit);
    rd_.normalize();
    return bit;
  }
  std::uint32_t decode_direct(int bits) { return rd_.decode_direct(bits); }

  // Bytes read past the end of the input (as zeros): at most 4 for a valid payload.
  std::size_t overrun() const { return rd_.overrun(); }
  // Input bytes not read yet: 0 once a valid payload is decoded.
  std::size_t unread() const { return rd_.unread(); }

 private:
  RangeDecoder rd_;
};

// Counts what a BitModelEncoder would spend, in 1/65536 bit, without writing: used to choose
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
