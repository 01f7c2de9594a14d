// Binary arithmetic coder (range coder with carry propagation, as in LZMA) driven by 12-bit
// probabilities, used by the best preset. The decoder is bounds-safe: bytes past the end of the
// payload read as zero and are counted, so truncation is reported by the caller.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "hot_path.hpp"

namespace theta_net::codec {

// Probabilities are P(bit == 1) in (0, 4096).
inline constexpr unsigned kProbBits = 12;

class RangeEncoder {
 public:
  explicit RangeEncoder(std::span<std::uint8_t> out) : out_(out) {}

  void encode(unsigned bit, std::uint32_t p1) {
    const std::uint32_t bound = (range_ >> kProbBits) * p1;
    if (bit) {
      range_ = bound;
    } else {
      low_ += bound;
      range_ -= bound;
    }
    while (range_ < (1u << 24)) {
      range_ <<= 8;
      shift_low();
    }
  }

  // Flushes and returns the byte count, 0 on overflow.
  std::size_t finish() {
    for (int i = 0; i < 5; ++i) shift_low();
    return overflow_ ? 0 : pos_;
  }
  bool overflowed() const { return overflow_; }

 private:
  // Emits the top byte of low, delaying 0xFF bytes until a carry is known.
  void shift_low() {
    if (static_cast<std::uint32_t>(low_) < 0xFF000000u || (low_ >> 32) != 0) {
      const auto carry = static_cast<std::uint8_t>(low_ >> 32);
      std::uint8_t byte = cache_;
      do {
        if (!first_) put(static_cast<std::uint8_t>(byte + carry));
        first_ = false;
        byte = 0xFF;
      } while (--pending_ff_ != 0);
      cache_ = static_cast<std::uint8_t>(low_ >> 24);
    }
    ++pending_ff_;
    low_ = (low_ & 0x00FFFFFFu) << 8;
  }

  void put(std::uint8_t b) {
    if (pos_ < out_.size())
      out_[pos_++] = b;
    else
      overflow_ = true;
  }

  std::span<std::uint8_t> out_;
  std::size_t pos_ = 0;
  std::uint64_t low_ = 0;
  std::uint32_t range_ = 0xFFFFFFFFu;
  std::uint8_t cache_ = 0;
  std::uint32_t pending_ff_ = 1;
  bool first_ = true;  // the first cache byte is always 0 and is not emitted
  bool overflow_ = false;
};

class RangeDecoder {
 public:
  explicit RangeDecoder(std::span<const std::uint8_t> in) : in_(in) {
    for (int i = 0; i < 4; ++i) code_ = code_ << 8 | next_byte();
  }

  THETA_FORCE_INLINE unsigned decode(std::uint32_t p1) {
    const std::uint32_t bound = (range_ >> kProbBits) * p1;
    unsigned bit;
    if (code_ < bound) {
      range_ = bound;
      bit = 1;
    } else {
      code_ -= bound;
      range_ -= bound;
      bit = 0;
    }
    while (range_ < (1u << 24)) {
      range_ <<= 8;
      code_ = code_ << 8 | next_byte();
    }
    return bit;
  }

  // Bytes read past the end of the payload (the encoder's flush makes this 0 for a valid one).
  std::size_t overrun() const { return phantom_; }
  bool consumed_all() const { return pos_ == in_.size(); }

 private:
  std::uint32_t next_byte() {
    if (pos_ < in_.size()) return in_[pos_++];
    ++phantom_;
    return 0;
  }

  std::span<const std::uint8_t> in_;
  std::size_t pos_ = 0, phantom_ = 0;
  std::uint32_t code_ = 0;
  std::uint32_t range_ = 0xFFFFFFFFu;
};

}  // namespace theta_net::codec
