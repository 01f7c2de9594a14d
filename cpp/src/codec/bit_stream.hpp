// LSB-first bit writer and reader for the neighbour-context coders' payloads. Faster than core's
// BitWriter/BitReader (a 64-bit buffer refilled 8 bytes at a time, no Result per read), and still
// bounds-safe: bytes past the end of the payload read as zero and are counted, so a truncated
// payload is detected by overran()/finished_exactly() without touching memory outside the span.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "hot_path.hpp"
#include "theta_net/core/byte_io.hpp"

namespace theta_net::codec {

class BitStreamWriter {
 public:
  explicit BitStreamWriter(std::span<std::uint8_t> out)
      : begin_(out.data()), pos_(out.data()), end_(out.data() + out.size()) {}

  // Appends the low `count` bits of `bits` (count <= 32, higher bits of `bits` must be zero).
  void put(std::uint64_t bits, unsigned count) {
    acc_ |= bits << fill_;
    fill_ += count;
    if (fill_ >= 32) flush_whole_bytes();
  }

  bool overflowed() const { return overflow_; }

  // Flushes the final partial byte (zero padded) and returns the byte count, 0 on overflow.
  std::size_t finish() {
    while (fill_ > 0) {
      if (pos_ == end_) {
        overflow_ = true;
        break;
      }
      *pos_++ = static_cast<std::uint8_t>(acc_);
      acc_ >>= 8;
      fill_ = fill_ > 8 ? fill_ - 8 : 0;
    }
    return overflow_ ? 0 : static_cast<std::size_t>(pos_ - begin_);
  }

 private:
  void flush_whole_bytes() {
    const unsigned nbytes = fill_ >> 3;
    if (end_ - pos_ >= 8) {
      std::memcpy(pos_, &acc_, 8);  // writes 8, keeps nbytes; the rest is rewritten later
    } else {
      for (unsigned i = 0; i < nbytes; ++i) {
        if (pos_ + i == end_) {
          overflow_ = true;
          fill_ = 0;
          acc_ = 0;
          return;
        }
        pos_[i] = static_cast<std::uint8_t>(acc_ >> (8 * i));
      }
    }
    pos_ += nbytes;
    acc_ = nbytes == 8 ? 0 : acc_ >> (8 * nbytes);
    fill_ &= 7;
  }

  std::uint8_t* begin_;
  std::uint8_t* pos_;
  std::uint8_t* end_;
  std::uint64_t acc_ = 0;
  unsigned fill_ = 0;
  bool overflow_ = false;
};

class BitStreamReader {
 public:
  explicit BitStreamReader(std::span<const std::uint8_t> in)
      : pos_(in.data()), end_(in.data() + in.size()) {}

  // Guarantees at least 56 readable bits in the buffer.
  THETA_FORCE_INLINE void refill() {
    if (THETA_LIKELY(end_ - pos_ >= 8)) {
      buf_ |= load_le64(pos_) << avail_;
      pos_ += (63 - avail_) >> 3;
      avail_ |= 56;
    } else {
      while (avail_ <= 56) {
        std::uint64_t byte = 0;
        if (pos_ < end_) {
          byte = *pos_++;
        } else {
          ++phantom_bytes_;
        }
        buf_ |= byte << avail_;
        avail_ += 8;
      }
    }
  }

  THETA_FORCE_INLINE std::uint64_t peek(unsigned count) const {
    return buf_ & ((std::uint64_t{1} << count) - 1);
  }
  std::uint64_t peek_all() const { return buf_; }
  THETA_FORCE_INLINE void skip(unsigned count) {
    buf_ >>= count;
    avail_ -= count;
  }
  THETA_FORCE_INLINE std::uint32_t get(unsigned count) {
    const auto v = static_cast<std::uint32_t>(peek(count));
    skip(count);
    return v;
  }

  // True when every bit read lay inside the payload, the payload has no unread whole byte and
  // the zero padding of the last byte is intact (the encoder pads only that byte).
  bool finished_exactly() const {
    if (overran() || pos_ != end_) return false;
    const unsigned unread_real_bits = avail_ - static_cast<unsigned>(phantom_bytes_ * 8);
    return unread_real_bits < 8 && peek(unread_real_bits) == 0;
  }
  bool overran() const { return phantom_bytes_ * 8 > avail_; }

 private:
  const std::uint8_t* pos_;
  const std::uint8_t* end_;
  std::uint64_t buf_ = 0;
  unsigned avail_ = 0;
  std::size_t phantom_bytes_ = 0;
};

}  // namespace theta_net::codec
