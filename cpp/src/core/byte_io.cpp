#include "theta_net/core/byte_io.hpp"

namespace theta_net {

void ByteWriter::patch_u32le(std::size_t offset, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) (*out_)[offset + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

Status ByteReader::need(std::size_t n, const char* what) const {
  if (n > remaining()) {
    return make_error(ErrorCode::kTruncated, what, " needs ", n, " bytes at offset ", pos_,
                      ", only ", remaining(), " left");
  }
  return {};
}

std::uint64_t ByteReader::take_le(int width) {
  std::uint64_t v = 0;
  for (int i = 0; i < width; ++i) v |= std::uint64_t{data_[pos_ + i]} << (8 * i);
  pos_ += static_cast<std::size_t>(width);
  return v;
}

Result<std::uint8_t> ByteReader::u8(const char* what) {
  THETA_TRY(need(1, what));
  return static_cast<std::uint8_t>(take_le(1));
}

Result<std::uint16_t> ByteReader::u16le(const char* what) {
  THETA_TRY(need(2, what));
  return static_cast<std::uint16_t>(take_le(2));
}

Result<std::uint32_t> ByteReader::u32le(const char* what) {
  THETA_TRY(need(4, what));
  return static_cast<std::uint32_t>(take_le(4));
}

Result<std::uint64_t> ByteReader::u64le(const char* what) {
  THETA_TRY(need(8, what));
  return take_le(8);
}

Result<ByteSpan> ByteReader::bytes(std::size_t n, const char* what) {
  THETA_TRY(need(n, what));
  ByteSpan out = data_.subspan(pos_, n);
  pos_ += n;
  return out;
}

}  // namespace theta_net
