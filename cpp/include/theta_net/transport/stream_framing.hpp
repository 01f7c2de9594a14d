// Record framing on reliable QUIC streams: each message is a LEB128 varint length followed by
// that many bytes. StreamDeframer is the receiving side: it takes stream bytes in any split and
// yields whole messages, refusing a declared length over the limit before buffering it (a peer
// must not make us allocate unbounded memory). Sans-I/O, so it is fuzzed on its own.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>

#include "theta_net/core/byte_io.hpp"
#include "theta_net/core/result.hpp"

namespace theta_net::transport {

// Appends varint(message.size()) to out. The message bytes are not copied.
void write_record_header(Bytes& out, std::size_t message_size);

class StreamDeframer {
 public:
  explicit StreamDeframer(std::size_t max_message_size) : max_(max_message_size) {}

  // Consumes bytes; complete messages become available from next(). After an error the
  // deframer stays failed.
  // Errors: kLimitExceeded (a declared length over the maximum), kCorrupt (a non-canonical
  // length, or one longer than kMaxVarintBytes), kOverflow (a length over 64 bits), kState (an
  // earlier call failed).
  Status feed(ByteSpan data);
  std::optional<Bytes> next();

  // Bytes held for an incomplete message (counted against a connection's reassembly budget).
  std::size_t buffered() const { return partial_.size() + header_.size(); }
  // True between messages: a stream may end (FIN) here without truncating one.
  bool at_boundary() const { return header_.empty() && !expected_; }

 private:
  std::size_t max_;
  Bytes header_;                         // varint bytes collected so far
  std::optional<std::size_t> expected_;  // body length once the header is complete
  Bytes partial_;
  std::deque<Bytes> ready_;
  bool failed_ = false;
};

}  // namespace theta_net::transport
