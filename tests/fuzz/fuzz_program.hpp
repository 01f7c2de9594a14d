// What the data-layer fuzz targets share: the input read as a program (bytes, small numbers,
// byte runs; past the end every read is zero or empty, so a program never reads out of bounds),
// and the int fields their small schemas are made of.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "theta_net/core/byte_io.hpp"
#include "theta_net/data/field_spec.hpp"

namespace theta_net::fuzzing {

class Input {
 public:
  Input(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool done() const { return pos_ >= size_; }
  std::uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  std::uint64_t number() {  // 1..3 bytes, small numbers most often
    std::uint64_t v = byte();
    if (v >= 0xF0) v = (v - 0xF0) << 16 | std::uint64_t{byte()} << 8 | byte();
    return v;
  }
  ByteSpan bytes(std::size_t n) {
    n = std::min(n, size_ - std::min(pos_, size_));
    ByteSpan out(data_ + pos_, n);
    pos_ += n;
    return out;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

inline data::FieldSpec int_field(std::string name, std::int64_t min, std::int64_t max) {
  data::FieldSpec f;
  f.name = std::move(name);
  f.type = data::FieldType::kInt;
  f.min = min;
  f.max = max;
  return f;
}

}  // namespace theta_net::fuzzing
