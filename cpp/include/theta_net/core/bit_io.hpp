// Bit-level packing, least significant bit first: the first value written occupies the low bits
// of the first byte. Used by the entity delta bitstream and the voxel codec's packed indices.
// BitReader is bounds-checked: reading past the end is a kTruncated error, never a wild read.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "theta_net/core/byte_io.hpp"

namespace theta_net {

class BitWriter {
 public:
  explicit BitWriter(Bytes& out) : out_(&out) {}

  // Appends the low `bits` bits of `value` (bits in 0..64; higher bits of value are ignored).
  void write(std::uint64_t value, unsigned bits);
  void write_bool(bool b) { write(b ? 1 : 0, 1); }
  // Pads the current byte with zero bits.
  void align();
  // Flushes the partial byte; call once when done. Further writes start a new byte.
  void finish() { align(); }

  std::size_t bit_size() const { return bits_written_; }

 private:
  Bytes* out_;
  std::uint64_t acc_ = 0;  // pending bits, fewer than 8 between calls
  unsigned pending_ = 0;
  std::size_t bits_written_ = 0;
};

class BitReader {
 public:
  explicit BitReader(ByteSpan data) : data_(data) {}

  // Reads `bits` bits (0..64).
  // Errors: kInvalidArgument (bits over 64), kTruncated (fewer than `bits` bits remain).
  Result<std::uint64_t> read(unsigned bits, const char* what = "bits");
  // Reads one bit.
  // Errors: kTruncated (no bit remains).
  Result<bool> read_bool(const char* what = "flag");
  // Skips to the next byte boundary.
  void align() { pos_ = (pos_ + 7) & ~std::size_t{7}; }

  std::size_t bit_position() const { return pos_; }
  std::size_t bits_remaining() const { return data_.size() * 8 - pos_; }
  // The bytes after the current (aligned) position.
  ByteSpan rest_after_align() const {
    return data_.subspan(std::min((pos_ + 7) / 8, data_.size()));
  }

 private:
  ByteSpan data_;
  std::size_t pos_ = 0;  // in bits
};

}  // namespace theta_net
