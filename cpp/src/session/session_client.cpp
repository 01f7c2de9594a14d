#include "theta_net/session/session_client.hpp"

#include "theta_net/protocol/message_codec.hpp"

namespace theta_net::session {

using namespace protocol;

SessionClient::SessionClient(SessionClientConfig config, Ed25519KeyPair key, Rng rng)
    : config_(std::move(config)), key_(key), rng_(rng) {}

void SessionClient::handle(const transport::Event& event, Micros now) {
  switch (event.kind) {
    case transport::EventKind::kConnected: {
      conn_ = event.conn;
      lanes_.emplace();
      ClientHandshakeConfig handshake = config_.handshake;
      if (config_.resume && ack_) handshake.resume_token = ack_->resume_token;
      handshake_.emplace(handshake, key_, rng_.fork(ping_id_ + 1));
      state_ = SessionState::kHandshaking;
      // A hello fits an empty control lane unless the configured name or token is too long.
      if (Status queued = lanes_->queue(handshake_->hello()); !queued.ok()) {
        state_ = SessionState::kRejected;
        ClientEvent rejected;
        rejected.kind = ClientEvent::Kind::kRejected;
        rejected.detail = "cannot send SessionHello: " + queued.error().describe();
        events_.push_back(std::move(rejected));
        transmits_.close(event.conn, CloseCode::kNormal, "cannot send SessionHello");
      }
      break;
    }
    case transport::EventKind::kMessage:
      if (conn_ && event.conn == *conn_) on_frame(event.lane, event.payload, now);
      break;
    case transport::EventKind::kDisconnected:
    case transport::EventKind::kTimedOut:
      if (conn_ && event.conn == *conn_) {
        lost(event.kind == transport::EventKind::kTimedOut
                 ? std::string("timed out")
                 : str_cat("closed with code ", event.close.code,
                           event.close.reason.empty() ? "" : ": ", event.close.reason));
      }
      break;
  }
}

void SessionClient::handle_timeout(Micros now) {
  if (state_ != SessionState::kEstablished || now < next_ping_) return;
  Heartbeat ping;
  ping.kind = HeartbeatKind::kPing;
  ping.id = ++ping_id_;
  ping.sent_at_us = count_us(now);
  ping.rtt_us = static_cast<std::uint32_t>(rtt_.count());
  ping.jitter_us = static_cast<std::uint32_t>(jitter_.count());
  next_ping_ = now + config_.heartbeat_interval;
  if (Status queued = lanes_->queue(ping); !queued.ok())
    fail(CloseCode::kInternalError, "cannot send a heartbeat", queued.error().describe());
}

std::optional<Micros> SessionClient::next_timeout() const {
  if (state_ != SessionState::kEstablished) return std::nullopt;
  return next_ping_;
}

void SessionClient::on_frame(transport::Lane lane, ByteSpan frame, Micros now) {
  auto messages = lanes_->receive(static_cast<LaneId>(lane), frame);
  if (!messages.ok()) {
    if (messages.error().code == ErrorCode::kRejected) return;  // duplicate or stale datagram
    ++protocol_errors_;
    return fail(CloseCode::kProtocolError, messages.error().describe(),
                "protocol error from the server: " + messages.error().describe());
  }
  if (state_ == SessionState::kHandshaking && lane != transport::Lane::kControl) {
    // Lanes are independent streams: the server's first chunks or entity datagrams may overtake
    // its SessionAck. Reliable ones wait for the ack (bounded); datagrams are dropped (the next
    // one supersedes them anyway).
    if (!transport::is_reliable(lane)) return;
    for (AnyMessage& message : *messages) {
      if (early_.size() >= kMaxEarlyMessages) {
        return fail(CloseCode::kResourceLimit, "too much before SessionAck",
                    "the server sent too much before SessionAck");
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
          ++protocol_errors_;
          transmits_.close(*conn_, CloseCode::kProtocolError, ack.error().message);
        }
        return;
      }
      ack_ = *ack;
      lanes_->negotiate(ack->protocol_minor,
                        (ack->capabilities & capabilities_bits::kCompression) != 0);
      state_ = SessionState::kEstablished;
      next_ping_ = now;
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
      const Micros sent = micros(beat->sent_at_us);
      if (now >= sent) {
        const Micros sample = now - sent;
        if (rtt_ == Micros{0}) {
          rtt_ = sample;
          jitter_ = sample / 2;
        } else {
          const Micros diff = sample > rtt_ ? sample - rtt_ : rtt_ - sample;
          jitter_ = (3 * jitter_ + diff) / 4;
          rtt_ = (7 * rtt_ + sample) / 8;
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

void SessionClient::fail(CloseCode code, const std::string& reason, std::string detail) {
  if (conn_) transmits_.close(*conn_, code, reason);
  lost(std::move(detail));
}

void SessionClient::abandon(std::string detail) {
  if (!conn_) return;
  fail(CloseCode::kNormal, "idle timeout passed", std::move(detail));
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
  if (lanes_ && conn_) lanes_->flush(transmits_, *conn_);
}

}  // namespace theta_net::session
