// A binary range coder (the LZMA design: 32-bit range, 12-bit probabilities, carry propagation
// through a cached byte), the arithmetic under the voxel context coder (codec/context_coder.cpp)
// and the entity bitstream (replication/bit_model_coder.hpp). It codes one binary decision at a
// time with the probability the caller's model gives; the models themselves, and what a
// decision means, are the callers'.
//
// One departure from LZMA saves a byte per payload: the leading byte (always 0) is not written,
// and the decoder does not expect it. Past the end of its input the decoder reads zeros and
// counts them, so truncation is reported by the caller (a valid payload makes it read at most
// 4, and none after flush()).
//
// Everything is integer arithmetic: output bytes depend only on the input, on every build.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "theta_net/core/byte_io.hpp"

namespace theta_net {

// Probabilities are in (0, 4096): the chance of the decision's first outcome, in 1/4096.
inline constexpr unsigned kRangeProbBits = 12;

// Where an encoder's bytes go: a fixed buffer, noting overflow instead of writing past it...
class FixedBufferSink {
 public:
  explicit FixedBufferSink(std::span<std::uint8_t> out) : out_(out) {}
  void put(std::uint8_t b) {
    if (pos_ < out_.size()) {
      out_[pos_++] = b;
    } else {
      overflow_ = true;
    }
  }
  std::size_t size() const { return pos_; }
  bool overflowed() const { return overflow_; }

 private:
  std::span<std::uint8_t> out_;
  std::size_t pos_ = 0;
  bool overflow_ = false;
};

// ...or the end of a growing byte vector.
class AppendSink {
 public:
  explicit AppendSink(Bytes& out) : out_(&out) {}
  void put(std::uint8_t b) { out_->push_back(b); }
  Bytes& bytes() { return *out_; }

 private:
  Bytes* out_;
};

template <class Sink>
class RangeEncoder {
 public:
  explicit RangeEncoder(Sink sink) : sink_(sink) {}

  // Codes one decision: `first` says whether it took its first outcome, whose probability is
  // p_first (the lower part of the range).
  void encode(bool first, std::uint32_t p_first) {
    narrow(first, p_first);
    normalize();
  }

  // encode() in its two steps, for a caller that updates its model in between: a model update
  // that writes a byte may alias the coder's state for the compiler, which must then reload it
  // unless normalize() comes last.
  void narrow(bool first, std::uint32_t p_first) {
    const std::uint32_t bound = (range_ >> kRangeProbBits) * p_first;
    if (first) {
      range_ = bound;
    } else {
      low_ += bound;
      range_ -= bound;
    }
  }
  void normalize() {
    while (range_ < (1u << 24)) {
      range_ <<= 8;
      shift_low();
    }
  }

  // `bits` (0..32) equiprobable bits of `value`, most significant first.
  void encode_direct(std::uint32_t value, int bits) {
    for (int i = bits - 1; i >= 0; --i) {
      range_ >>= 1;
      if ((value >> i) & 1) low_ += range_;
      normalize();
    }
  }

  // Writes the final bytes (LZMA's flush: enough for any decoder to read the last decision
  // without going past the end). The encoder must not be used afterwards.
  void flush() {
    for (int i = 0; i < 5; ++i) shift_low();
  }

  // The same, but first moves low to the value in [low, low + range) with the most trailing
  // zero bits (every value there decodes the same), so that the payload ends in as many zero
  // bytes as possible: a sink that drops trailing zeros (the decoder reads zeros past the end)
  // keeps the fewest bytes.
  void flush_toward_zeros() {
    const std::uint64_t high = low_ + range_ - 1;
    for (int k = 32; k > 0; --k) {
      const std::uint64_t candidate = (high >> k) << k;
      if (candidate >= low_) {
        low_ = candidate;
        break;
      }
    }
    flush();
  }

  Sink& sink() { return sink_; }

 private:
  // Emits the top byte of low, delaying 0xFF bytes until a carry is known. Out of line: it runs
  // about once per output byte, and inlined into every coding site it costs the callers more
  // (entity encoding: +6% instructions) than the call does.
  [[gnu::noinline]] void shift_low() {
    if (static_cast<std::uint32_t>(low_) < 0xFF000000u || (low_ >> 32) != 0) {
      const auto carry = static_cast<std::uint8_t>(low_ >> 32);
      std::uint8_t byte = cache_;
      do {
        if (!first_byte_) sink_.put(static_cast<std::uint8_t>(byte + carry));
        first_byte_ = false;
        byte = 0xFF;
      } while (--pending_ != 0);
      cache_ = static_cast<std::uint8_t>(low_ >> 24);
    }
    ++pending_;
    low_ = (low_ & 0x00FFFFFFu) << 8;
  }

  Sink sink_;
  std::uint64_t low_ = 0;
  std::uint32_t range_ = 0xFFFFFFFFu;
  std::uint8_t cache_ = 0;
  std::uint64_t pending_ = 1;  // the cached byte plus the 0xFF bytes behind it
  bool first_byte_ = true;     // the leading byte is always 0 and is not written
};

class RangeDecoder {
 public:
  explicit RangeDecoder(ByteSpan in) : in_(in) {
    for (int i = 0; i < 4; ++i) code_ = (code_ << 8) | next_byte();
  }

  // Whether the next decision took its first outcome, of probability p_first. Inlined always:
  // the context coder's decoder loop keeps the coder in registers.
  [[gnu::always_inline]] inline bool decode(std::uint32_t p_first) {
    const bool first = narrow(p_first);
    normalize();
    return first;
  }

  // decode() in its two steps (see RangeEncoder::narrow).
  [[gnu::always_inline]] inline bool narrow(std::uint32_t p_first) {
    const std::uint32_t bound = (range_ >> kRangeProbBits) * p_first;
    if (code_ < bound) {
      range_ = bound;
      return true;
    }
    code_ -= bound;
    range_ -= bound;
    return false;
  }
  [[gnu::always_inline]] inline void normalize() {
    while (range_ < (1u << 24)) {
      range_ <<= 8;
      code_ = (code_ << 8) | next_byte();
    }
  }

  std::uint32_t decode_direct(int bits) {
    std::uint32_t value = 0;
    for (int i = 0; i < bits; ++i) {
      range_ >>= 1;
      unsigned bit = 0;
      if (code_ >= range_) {
        code_ -= range_;
        bit = 1;
      }
      value = (value << 1) | bit;
      normalize();
    }
    return value;
  }

  // Bytes read past the end of the input (as zeros).
  std::size_t overrun() const { return overrun_; }
  // Input bytes not read yet: 0 once a whole valid payload is decoded.
  std::size_t unread() const { return in_.size() - pos_; }

 private:
  std::uint32_t next_byte() {
    if (pos_ < in_.size()) return in_[pos_++];
    ++overrun_;
    return 0;
  }

  ByteSpan in_;
  std::size_t pos_ = 0;
  std::size_t overrun_ = 0;
  std::uint32_t code_ = 0;
  std::uint32_t range_ = 0xFFFFFFFFu;
};

}  // namespace theta_net
