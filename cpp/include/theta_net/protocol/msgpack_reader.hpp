// A pull reader for msgpack (https://msgpack.org/ format spec) built for untrusted input: every
// read checks the remaining length, container counts are bounded by the bytes left (an element is
// at least one byte), strings are validated as UTF-8, and skipping is depth-limited. Errors are
// typed and name what was being read. Encoding uses msgpack-cxx's packer; decoding uses this.
#pragma once

#include <cstdint>
#include <string_view>

#include "theta_net/core/byte_io.hpp"

namespace theta_net::protocol {

class MsgpackReader {
 public:
  static constexpr int kMaxSkipDepth = 32;

  explicit MsgpackReader(ByteSpan data) : data_(data) {}

  // Array/map headers return the element (pair) count, at most `max`. On an error nothing is
  // consumed (so for every read below).
  // Errors: kTruncated (the input ends inside the header, or holds fewer bytes than the count
  // needs), kCorrupt (the next value is not an array/map), kLimitExceeded (a count over `max`).
  Result<std::uint32_t> array_header(std::size_t max, std::string_view what);
  Result<std::uint32_t> map_header(std::size_t max, std::string_view what);
  // Any msgpack integer whose value fits the requested range.
  // Errors: kTruncated (the input ends inside the value), kCorrupt (the next value is not an
  // integer), kOutOfRange (a value outside the range, or for read_int a uint64 over INT64_MAX).
  Result<std::uint64_t> read_uint(std::uint64_t max, std::string_view what);
  Result<std::int64_t> read_int(std::int64_t min, std::int64_t max, std::string_view what);
  // Errors: kTruncated (the input is at its end), kCorrupt (the next value is not a bool).
  Result<bool> read_bool(std::string_view what);
  // float32 or float64 on the wire; integers too (msgpack-c writes integral doubles as integers).
  // Errors: kTruncated (the input ends inside the value), kCorrupt (the next value is no number).
  Result<double> read_float(std::string_view what);
  // A UTF-8 str of at most max bytes, viewed in place.
  // Errors: kTruncated (the input ends inside the str), kCorrupt (the next value is not a str,
  // or is not valid UTF-8), kLimitExceeded (longer than `max`).
  Result<std::string_view> read_str(std::size_t max, std::string_view what);
  // A bin of at most max bytes, viewed in place.
  // Errors: kTruncated (the input ends inside the bin), kCorrupt (the next value is not a bin),
  // kLimitExceeded (longer than `max`).
  Result<ByteSpan> read_bin(std::size_t max, std::string_view what);
  // Inline fast paths for the one-byte forms that dominate real messages; when they return false
  // nothing was consumed and the full reader above must be used.
  bool try_fixint(std::uint64_t max, std::uint64_t& out) {
    if (pos_ < data_.size() && data_[pos_] <= 0x7f && data_[pos_] <= max) {
      out = data_[pos_++];
      return true;
    }
    return false;
  }
  bool try_fixarray(std::size_t max, std::uint32_t& count) {
    if (pos_ < data_.size() && (data_[pos_] & 0xf0) == 0x90) {
      const std::uint32_t n = data_[pos_] & 0x0f;
      if (n <= max && n <= remaining() - 1) {
        ++pos_;
        count = n;
        return true;
      }
    }
    return false;
  }
  // Consumes a nil if the next value is one.
  bool consume_nil();
  // Skips one complete value of any type (for fields newer than this build).
  // Errors: kTruncated (the input ends inside the value), kCorrupt (the reserved tag 0xc1, or a
  // str that is not valid UTF-8), kLimitExceeded (containers nested deeper than kMaxSkipDepth).
  Status skip(std::string_view what, int depth = 0);

  std::size_t offset() const { return pos_; }
  std::size_t remaining() const { return data_.size() - pos_; }
  bool at_end() const { return pos_ == data_.size(); }

 private:
  [[gnu::cold, gnu::noinline]] Error type_error(std::string_view what,
                                                std::string_view expected) const;
  [[gnu::cold, gnu::noinline]] Error short_input(std::string_view what, std::size_t need) const;
  // An unsigned big-endian integer of `width` bytes.
  // Errors: kTruncated (fewer than `width` bytes remain).
  Result<std::uint64_t> big_endian(std::size_t width, std::string_view what);
  // The header of an array or map (fixed tags fix_lo..fix_hi, or tag16/tag32 and a count).
  // Errors: those of array_header.
  Result<std::uint32_t> container(std::uint8_t fix_lo, std::uint8_t fix_hi, std::uint8_t tag16,
                                  std::uint8_t tag32, std::size_t max, std::size_t min_element,
                                  std::string_view what, std::string_view kind);

  ByteSpan data_;
  std::size_t pos_ = 0;
};

// A short name of the msgpack type starting with tag byte `tag` ("str", "positive int", ...).
std::string_view msgpack_type_name(std::uint8_t tag);

}  // namespace theta_net::protocol
