// What a sans-I/O session asks of its transport: send these bytes on this lane of this
// connection, or close this connection with this code. Sessions queue them in the order they
// decide them; the driver hands them to the endpoint in that same order (so SimNet sees the same
// sends in the same order, and replays stay byte-identical).
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "theta_net/core/byte_io.hpp"
#include "theta_net/protocol/messages.hpp"
#include "theta_net/transport/event.hpp"
#include "theta_net/transport/lane.hpp"

namespace theta_net::session {

struct Transmit {
  enum class Kind : std::uint8_t { kSend, kClose };
  Kind kind = Kind::kSend;
  transport::ConnectionId conn;
  transport::Lane lane = transport::Lane::kControl;  // kSend
  Bytes bytes;                                       // kSend: one whole lane message (a frame)
  std::uint64_t close_code = 0;                      // kClose: an application close code
  std::string reason;                                // kClose
};

class TransmitQueue {
 public:
  void send(transport::ConnectionId conn, transport::Lane lane, Bytes bytes);
  void close(transport::ConnectionId conn, protocol::CloseCode code, std::string reason);
  // The oldest queued transmit, if any.
  std::optional<Transmit> poll();
  bool empty() const { return queue_.empty(); }

 private:
  std::deque<Transmit> queue_;
};

}  // namespace theta_net::session
