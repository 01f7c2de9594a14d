#include "theta_net/session/transmit.hpp"

namespace theta_net::session {

void TransmitQueue::send(transport::ConnectionId conn, transport::Lane lane, Bytes bytes) {
  Transmit t;
  t.conn = conn;
  t.lane = lane;
  t.bytes = std::move(bytes);
  queue_.push_back(std::move(t));
}

void TransmitQueue::close(transport::ConnectionId conn, protocol::CloseCode code,
                          std::string reason) {
  Transmit t;
  t.kind = Transmit::Kind::kClose;
  t.conn = conn;
  t.close_code = static_cast<std::uint64_t>(code);
  t.reason = std::move(reason);
  queue_.push_back(std::move(t));
}

std::optional<Transmit> TransmitQueue::poll() {
  if (queue_.empty()) return std::nullopt;
  Transmit t = std::move(queue_.front());
  queue_.pop_front();
  return t;
}

}  // namespace theta_net::session
