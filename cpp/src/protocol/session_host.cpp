#include "theta_net/protocol/session_host.hpp"

#include "theta_net/protocol/message_codec.hpp"
#include "theta_net/transport/close_code.hpp"

namespace theta_net::protocol {

SessionHost::SessionHost(transport::Endpoint& endpoint, SessionHostConfig config,
                         Ed25519KeyPair key, Rng rng)
    : endpoint_(&endpoint), config_(config), handshake_(config.handshake, key, rng) {}

void SessionHost::update(std::uint64_t now_us, std::uint32_t server_tick) {
  now_us_ = now_us;
  while (auto event = endpoint_->next_event()) {
    switch (event->kind) {
      case transport::EventKind::kConnected:
        peers_[event->conn].connected_at_us = now_us;
        break;
      case transport::EventKind::kMessage: {
        auto it = peers_.find(event->conn);
        if (it != peers_.end())
          on_message(event->conn, it->second, event->lane, event->payload, now_us, server_tick);
        break;
      }
      case transport::EventKind::kDisconnected:
      case transport::EventKind::kTimedOut: {
        auto it = peers_.find(event->conn);
        if (it == peers_.end()) break;
        if (it->second.established) {
          handshake_.on_disconnect(it->second.session_id, now_us);
          HostEvent ended;
          ended.kind = HostEvent::Kind::kSessionEnded;
          ended.conn = event->conn;
          ended.session_id = it->second.session_id;
          ended.detail =
              event->kind == transport::EventKind::kTimedOut
                  ? std::string("timed out")
                  : str_cat(event->close.by_peer ? "closed by the client" : "closed", " (code ",
                            event->close.code, event->close.reason.empty() ? "" : ": ",
                            event->close.reason, ")");
          events_.push_back(std::move(ended));
        }
        peers_.erase(it);
        break;
      }
    }
  }
  // Connections that never said hello.
  std::vector<transport::ConnectionId> silent;
  for (const auto& [conn, peer] : peers_) {
    if (!peer.established && now_us - peer.connected_at_us > config_.hello_timeout_us)
      silent.push_back(conn);
  }
  for (transport::ConnectionId conn : silent) {
    violation(conn, str_cat("no SessionHello within ", config_.hello_timeout_us / 1000, " ms"));
  }
  flush();
}

void SessionHost::on_message(transport::ConnectionId conn, Peer& peer, transport::Lane lane,
                             ByteSpan frame, std::uint64_t now_us, std::uint32_t server_tick) {
  if (!peer.established && lane != transport::Lane::kControl) {
    return violation(conn, "the first message must be SessionHello on the control lane");
  }
  auto messages = peer.lanes.receive(static_cast<LaneId>(lane), frame);
  if (!messages.ok()) {
    if (messages.error().code == ErrorCode::kRejected) {  // a duplicate or stale datagram
      ++counters_.frames_dropped;
      return;
    }
    return violation(conn, messages.error().describe());
  }
  for (AnyMessage& message : *messages) {
    if (!peer.established) {
      const auto* hello = std::get_if<SessionHello>(&message);
      if (!hello) {
        return violation(conn,
                         str_cat("expected SessionHello, got ", message_name(type_of(message))));
      }
      if (!on_hello(conn, peer, *hello, now_us, server_tick)) {
        peers_.erase(conn);  // refused: the transport closes it; `peer` is gone from here on
        return;
      }
      continue;
    }
    if (const auto* beat = std::get_if<Heartbeat>(&message);
        beat && beat->kind == HeartbeatKind::kPing) {
      Heartbeat pong = *beat;
      pong.kind = HeartbeatKind::kPong;
      pong.responder_at_us = now_us;
      pong.server_tick = server_tick;
      (void)peer.lanes.queue(pong);
      ++counters_.pings_answered;
      continue;
    }
    if (std::holds_alternative<SessionHello>(message)) {
      return violation(conn, "a second SessionHello on an established session");
    }
    HostEvent event;
    event.kind = HostEvent::Kind::kMessage;
    event.conn = conn;
    event.session_id = peer.session_id;
    event.message = std::move(message);
    events_.push_back(std::move(event));
  }
}

bool SessionHost::on_hello(transport::ConnectionId conn, Peer& peer, const SessionHello& hello,
                           std::uint64_t now_us, std::uint32_t server_tick) {
  ++counters_.hellos;
  HandshakeOutcome outcome = handshake_.on_hello(hello, server_tick, now_us);
  if (!outcome.accepted) {
    ++counters_.rejected;
    (void)peer.lanes.queue(outcome.reject);
    (void)peer.lanes.flush(*endpoint_, conn);
    endpoint_->close(conn, static_cast<std::uint64_t>(CloseCode::kHandshakeRejected),
                     enum_name(outcome.reject.reason).value_or("rejected"));
    HostEvent refused;
    refused.kind = HostEvent::Kind::kRefused;
    refused.conn = conn;
    refused.detail = describe_reject(outcome.reject);
    events_.push_back(std::move(refused));
    return false;
  }
  ++counters_.accepted;
  // The ack goes out in the negotiated minor's layout; so does everything after it.
  peer.lanes.negotiate(outcome.ack.protocol_minor, false);
  (void)peer.lanes.queue(outcome.ack);
  peer.lanes.negotiate(outcome.ack.protocol_minor,
                       (outcome.ack.capabilities & capabilities_bits::kCompression) != 0);
  peer.established = true;
  peer.session_id = outcome.ack.session_id;
  if (outcome.ack.resumed) {
    // The client came back on a new connection before the old one timed out: the old one is
    // finished (its end must not mark the session disconnected).
    for (auto it = peers_.begin(); it != peers_.end();) {
      if (it->first != conn && it->second.established && it->second.session_id == peer.session_id) {
        endpoint_->close(it->first, static_cast<std::uint64_t>(CloseCode::kNormal),
                         "session resumed elsewhere");
        it = peers_.erase(it);
      } else {
        ++it;
      }
    }
  }
  HostEvent started;
  started.kind = HostEvent::Kind::kSessionStarted;
  started.conn = conn;
  started.session_id = outcome.ack.session_id;
  started.session = outcome.session;
  started.detail = outcome.ack.resumed ? "resumed" : "new";
  events_.push_back(std::move(started));
  return true;
}

void SessionHost::violation(transport::ConnectionId conn, std::string reason) {
  ++counters_.protocol_errors;
  auto it = peers_.find(conn);
  if (it != peers_.end() && it->second.established)
    handshake_.on_disconnect(it->second.session_id, now_us_);
  endpoint_->close(conn, static_cast<std::uint64_t>(CloseCode::kProtocolError), reason);
  HostEvent refused;
  refused.kind = HostEvent::Kind::kRefused;
  refused.conn = conn;
  refused.session_id = it != peers_.end() ? it->second.session_id : 0;
  refused.detail = "protocol error: " + reason;
  events_.push_back(std::move(refused));
  if (it != peers_.end()) peers_.erase(it);
}

std::optional<HostEvent> SessionHost::next_event() {
  if (events_.empty()) return std::nullopt;
  HostEvent event = std::move(events_.front());
  events_.pop_front();
  return event;
}

Status SessionHost::send(transport::ConnectionId conn, const AnyMessage& message) {
  auto it = peers_.find(conn);
  if (it == peers_.end() || !it->second.established) {
    return make_error(ErrorCode::kClosed, "no established session on connection ", conn.value);
  }
  return it->second.lanes.queue(message);
}

Status SessionHost::send_encoded(transport::ConnectionId conn, EncodedMessage message) {
  auto it = peers_.find(conn);
  if (it == peers_.end() || !it->second.established) {
    return make_error(ErrorCode::kClosed, "no established session on connection ", conn.value);
  }
  return it->second.lanes.queue_encoded(std::move(message));
}

void SessionHost::flush() {
  for (auto& [conn, peer] : peers_) (void)peer.lanes.flush(*endpoint_, conn);
}

void SessionHost::close(transport::ConnectionId conn, CloseCode code, std::string_view reason) {
  auto it = peers_.find(conn);
  if (it == peers_.end()) return;
  (void)it->second.lanes.flush(*endpoint_, conn);
  endpoint_->close(conn, static_cast<std::uint64_t>(code), reason);
}

std::vector<transport::ConnectionId> SessionHost::sessions() const {
  std::vector<transport::ConnectionId> out;
  for (const auto& [conn, peer] : peers_) {
    if (peer.established) out.push_back(conn);
  }
  return out;
}

const SessionRecord* SessionHost::session_of(transport::ConnectionId conn) const {
  auto it = peers_.find(conn);
  if (it == peers_.end() || !it->second.established) return nullptr;
  return handshake_.session(it->second.session_id);
}

}  // namespace theta_net::protocol
