#include "theta_net/protocol/session_client.hpp"

#include "theta_net/protocol/message_codec.hpp"

namespace theta_net::protocol {

SessionClient::SessionClient(transport::Endpoint& endpoint, SessionClientConfig config,
                             Ed25519KeyPair key, Rng rng)
    : endpoint_(&endpoint), config_(std::move(config)), key_(key), rng_(rng) {}

void SessionClient::update(std::uint64_t now_us) {
  while (auto event = endpoint_->next_event()) {
    switch (event->kind) {
      case transport::EventKind::kConnected: {
        conn_ = event->conn;
        lanes_.emplace();
        ClientHandshakeConfig handshake = config_.handshake;
        if (config_.resume && ack_) handshake.resume_token = ack_->resume_token;
        handshake_.emplace(handshake, key_, rng_.fork(ping_id_ + 1));
        (void)lanes_->queue(handshake_->hello());
        state_ = SessionState::kHandshaking;
        break;
      }
      case transport::EventKind::kMessage:
        if (conn_ && event->conn == *conn_) on_frame(event->lane, event->payload, now_us);
        break;
      case transport::EventKind::kDisconnected:
      case transport::EventKind::kTimedOut:
        if (conn_ && event->conn == *conn_) {
          lost(event->kind == transport::EventKind::kTimedOut
                   ? std::string("timed out")
                   : str_cat("closed with code ", event->close.code,
                             event->close.reason.empty() ? "" : ": ", event->close.reason));
        }
        break;
    }
  }
  if (state_ == SessionState::kEstablished && now_us >= next_ping_us_) {
    Heartbeat ping;
    ping.kind = HeartbeatKind::kPing;
    ping.id = ++ping_id_;
    ping.sent_at_us = now_us;
    ping.rtt_us = static_cast<std::uint32_t>(rtt_us_);
    ping.jitter_us = static_cast<std::uint32_t>(jitter_us_);
    (void)lanes_->queue(ping);
    next_ping_us_ = now_us + config_.heartbeat_interval_us;
  }
  flush();
}

void SessionClient::on_frame(transport::Lane lane, ByteSpan frame, std::uint64_t now_us) {
  auto messages = lanes_->receive(static_cast<LaneId>(lane), frame);
  if (!messages.ok()) {
    if (messages.error().code == ErrorCode::kRejected) return;  // duplicate or stale datagram
    endpoint_->close(*conn_, static_cast<std::uint64_t>(CloseCode::kProtocolError),
                     messages.error().describe());
    return lost("protocol error from the server: " + messages.error().describe());
  }
  if (state_ == SessionState::kHandshaking && lane != transport::Lane::kControl) {
    // Lanes are independent streams: the server's first chunks or entity datagrams may overtake
    // its SessionAck. Reliable ones wait for the ack (bounded); datagrams are dropped (the next
    // one supersedes them anyway).
    if (!transport::is_reliable(lane)) return;
    for (AnyMessage& message : *messages) {
      if (early_.size() >= kMaxEarlyMessages) {
        endpoint_->close(*conn_, static_cast<std::uint64_t>(CloseCode::kResourceLimit),
                         "too much before SessionAck");
        return lost("the server sent too much before SessionAck");
      }
      early_.push_back(std::move(message));
    }
    return;
  }
  for (AnyMessage& message : *messages) {
    if (state_ == SessionState::kHandshaking) {
      auto ack = handshake_->on_reply(message);
      if (!ack.ok()) {
        state_ = SessionState::kRejected;
        ClientEvent rejected;
        rejected.kind = ClientEvent::Kind::kRejected;
        rejected.detail = ack.error().describe();
        events_.push_back(std::move(rejected));
        if (ack.error().code != ErrorCode::kRejected) {  // a bad ack: we end it
          endpoint_->close(*conn_, static_cast<std::uint64_t>(CloseCode::kProtocolError),
                           ack.error().message);
        }
        return;
      }
      ack_ = *ack;
      lanes_->negotiate(ack->protocol_minor,
                        (ack->capabilities & capabilities_bits::kCompression) != 0);
      state_ = SessionState::kEstablished;
      next_ping_us_ = now_us;
      ClientEvent established;
      established.kind = ClientEvent::Kind::kEstablished;
      established.ack = *ack;
      established.detail = ack->resumed ? "resumed" : "new";
      events_.push_back(std::move(established));
      for (AnyMessage& early : early_) {
        ClientEvent event;
        event.kind = ClientEvent::Kind::kMessage;
        event.message = std::move(early);
        events_.push_back(std::move(event));
      }
      early_.clear();
      continue;
    }
    if (const auto* beat = std::get_if<Heartbeat>(&message);
        beat && beat->kind == HeartbeatKind::kPong) {
      if (now_us >= beat->sent_at_us) {
        const std::uint64_t sample = now_us - beat->sent_at_us;
        if (rtt_us_ == 0) {
          rtt_us_ = sample;
          jitter_us_ = sample / 2;
        } else {
          const std::uint64_t diff = sample > rtt_us_ ? sample - rtt_us_ : rtt_us_ - sample;
          jitter_us_ = (3 * jitter_us_ + diff) / 4;
          rtt_us_ = (7 * rtt_us_ + sample) / 8;
        }
      }
      continue;
    }
    ClientEvent event;
    event.kind = ClientEvent::Kind::kMessage;
    event.message = std::move(message);
    events_.push_back(std::move(event));
  }
}

void SessionClient::lost(std::string detail) {
  conn_.reset();
  lanes_.reset();
  early_.clear();
  if (state_ == SessionState::kRejected) return;
  state_ = SessionState::kConnecting;
  ClientEvent event;
  event.kind = ClientEvent::Kind::kLost;
  event.detail = std::move(detail);
  events_.push_back(std::move(event));
}

std::optional<ClientEvent> SessionClient::next_event() {
  if (events_.empty()) return std::nullopt;
  ClientEvent event = std::move(events_.front());
  events_.pop_front();
  return event;
}

Status SessionClient::send(const AnyMessage& message) {
  if (state_ != SessionState::kEstablished) {
    return make_error(ErrorCode::kState, "the session is not established");
  }
  return lanes_->queue(message);
}

void SessionClient::flush() {
  if (lanes_ && conn_) (void)lanes_->flush(*endpoint_, *conn_);
}

}  // namespace theta_net::protocol
