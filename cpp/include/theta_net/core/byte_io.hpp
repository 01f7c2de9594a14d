// Byte-level writing and bounds-checked reading. Every multi-byte integer on theta_net's wire is
// little-endian. ByteReader never reads past its span: a short input is a kTruncated error that
// names the field and the offset, so decoders built on it inherit that guarantee.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "theta_net/core/result.hpp"

namespace theta_net {

using Bytes = std::vector<std::uint8_t>;
using ByteSpan = std::span<const std::uint8_t>;

// The host's byte order is the wire's: loads and stores below copy bytes without swapping.
static_assert(std::endian::native == std::endian::little, "theta_net assumes a little-endian host");

// The little-endian 64-bit value at p (8 readable bytes, any alignment), for the hash and
// bit-stream inner loops; one unaligned load on x86-64 and aarch64.
inline std::uint64_t load_le64(const std::uint8_t* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

class ByteWriter {
 public:
  explicit ByteWriter(Bytes& out) : out_(&out) {}

  void u8(std::uint8_t v) { out_->push_back(v); }
  void u16le(std::uint16_t v) { put_le(v, 2); }
  void u32le(std::uint32_t v) { put_le(v, 4); }
  void u64le(std::uint64_t v) { put_le(v, 8); }
  void bytes(ByteSpan data) { out_->insert(out_->end(), data.begin(), data.end()); }
  // Overwrites 4 bytes at `offset` (a length or checksum filled in after the body is written).
  void patch_u32le(std::size_t offset, std::uint32_t v);

  std::size_t size() const { return out_->size(); }
  Bytes& buffer() { return *out_; }

 private:
  void put_le(std::uint64_t v, int width) {
    for (int i = 0; i < width; ++i) out_->push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  Bytes* out_;
};

class ByteReader {
 public:
  explicit ByteReader(ByteSpan data) : data_(data) {}

  // The next little-endian integer of 1, 2, 4 or 8 bytes.
  // Errors: kTruncated (fewer bytes remain than the width).
  Result<std::uint8_t> u8(const char* what = "u8");
  Result<std::uint16_t> u16le(const char* what = "u16");
  Result<std::uint32_t> u32le(const char* what = "u32");
  Result<std::uint64_t> u64le(const char* what = "u64");
  // A view of the next n bytes (no copy); valid as long as the underlying data.
  // Errors: kTruncated (fewer than n bytes remain).
  Result<ByteSpan> bytes(std::size_t n, const char* what = "bytes");

  std::size_t offset() const { return pos_; }
  std::size_t remaining() const { return data_.size() - pos_; }
  bool empty() const { return pos_ == data_.size(); }
  ByteSpan rest() const { return data_.subspan(pos_); }

 private:
  // Errors: kTruncated (fewer than n bytes remain).
  Status need(std::size_t n, const char* what) const;
  std::uint64_t take_le(int width);

  ByteSpan data_;
  std::size_t pos_ = 0;
};

}  // namespace theta_net
