#include "theta_net/transport/stream_framing.hpp"

#include <algorithm>

#include "theta_net/core/varint.hpp"

namespace theta_net::transport {

void write_record_header(Bytes& out, std::size_t message_size) {
  ByteWriter w(out);
  write_varint(w, message_size);
}

Status StreamDeframer::feed(ByteSpan data) {
  if (failed_) return make_error(ErrorCode::kState, "stream framing already failed");
  std::size_t pos = 0;
  while (pos < data.size()) {
    if (!expected_) {
      const std::uint8_t b = data[pos++];
      header_.push_back(b);
      if (b & 0x80) {
        if (header_.size() >= kMaxVarintBytes) {
          failed_ = true;
          return make_error(ErrorCode::kCorrupt, "record length varint longer than ",
                            kMaxVarintBytes, " bytes");
        }
        continue;
      }
      ByteReader reader(header_);
      auto length = read_varint(reader, "record length");
      if (!length.ok()) {
        failed_ = true;
        return std::move(length).error();
      }
      if (*length > max_) {
        failed_ = true;
        header_.clear();
        return make_error(ErrorCode::kLimitExceeded, "a record declares ", *length,
                          " bytes; the limit is ", max_);
      }
      header_.clear();
      expected_ = static_cast<std::size_t>(*length);
      partial_.reserve(std::min<std::size_t>(*expected_, 1u << 20));
    }
    const std::size_t take = std::min(*expected_ - partial_.size(), data.size() - pos);
    partial_.insert(partial_.end(), data.begin() + static_cast<std::ptrdiff_t>(pos),
                    data.begin() + static_cast<std::ptrdiff_t>(pos + take));
    pos += take;
    if (partial_.size() == *expected_) {
      ready_.push_back(std::move(partial_));
      partial_ = Bytes();
      expected_.reset();
    }
  }
  return {};
}

std::optional<Bytes> StreamDeframer::next() {
  if (ready_.empty()) return std::nullopt;
  Bytes out = std::move(ready_.front());
  ready_.pop_front();
  return out;
}

}  // namespace theta_net::transport
