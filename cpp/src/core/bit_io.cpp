#include "theta_net/core/bit_io.hpp"

namespace theta_net {

void BitWriter::write(std::uint64_t value, unsigned bits) {
  // The accumulator holds < 8 pending bits, so 56 new bits always fit; wider values go in halves.
  if (bits > 56) {
    write(value, 32);
    write(value >> 32, bits - 32);
    return;
  }
  if (bits == 0) return;
  value &= (std::uint64_t{1} << bits) - 1;
  acc_ |= value << pending_;
  pending_ += bits;
  bits_written_ += bits;
  while (pending_ >= 8) {
    out_->push_back(static_cast<std::uint8_t>(acc_));
    acc_ >>= 8;
    pending_ -= 8;
  }
}

void BitWriter::align() {
  if (pending_ > 0) {
    out_->push_back(static_cast<std::uint8_t>(acc_));
    bits_written_ += 8 - pending_;
    acc_ = 0;
    pending_ = 0;
  }
}

Result<std::uint64_t> BitReader::read(unsigned bits, const char* what) {
  if (bits > 64) {
    return make_error(ErrorCode::kInvalidArgument, what, ": cannot read ", bits, " bits at once");
  }
  if (bits > bits_remaining()) {
    return make_error(ErrorCode::kTruncated, what, " needs ", bits, " bits at bit ", pos_,
                      ", only ", bits_remaining(), " left");
  }
  std::uint64_t value = 0;
  unsigned got = 0;
  while (got < bits) {
    const unsigned offset = pos_ & 7;
    const unsigned take = std::min(8 - offset, bits - got);
    const std::uint64_t chunk = (data_[pos_ >> 3] >> offset) & ((1u << take) - 1);
    value |= chunk << got;
    got += take;
    pos_ += take;
  }
  return value;
}

Result<bool> BitReader::read_bool(const char* what) {
  THETA_TRY_ASSIGN(std::uint64_t bit, read(1, what));
  return bit != 0;
}

}  // namespace theta_net
