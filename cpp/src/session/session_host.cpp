#include "theta_net/session/session_host.hpp"

#include "theta_net/protocol/message_codec.hpp"
#include "theta_net/session/permissions.hpp"

namespace theta_net::session {

using namespace protocol;

SessionHost::SessionHost(SessionHostConfig config, Ed25519KeyPair key, Rng rng)
    : config_(config), handshake_(config.handshake, key, rng) {}

void SessionHost::handle(const transport::Event& event, Micros now) {
  now_ = now;
  switch (event.kind) {
    case transport::EventKind::kConnected:
      if (migrated_to_) {
        // Nobody is served here any more; the connection gets the code, and the address in the
        // reason for a person to read (only a session's SessionControl redirects a client).
        transmits_.close(event.conn, CloseCode::kMigrated, "migrated to " + *migrated_to_);
        break;
      }
      peers_[event.conn].connected_at = now;
      break;
    case transport::EventKind::kMessage: {
      auto it = peers_.find(event.conn);
      if (it != peers_.end()) on_message(event.conn, it->second, event.lane, event.payload, now);
      break;
    }
    case transport::EventKind::kDisconnected:
    case transport::EventKind::kTimedOut:
      on_connection_end(event, now);
      break;
  }
}

void SessionHost::on_connection_end(const transport::Event& event, Micros now) {
  auto it = peers_.find(event.conn);
  if (it == peers_.end()) return;
  if (it->second.established) {
    handshake_.on_disconnect(it->second.session_id, now);
    HostEvent ended;
    ended.kind = HostEvent::Kind::kSessionEnded;
    ended.conn = event.conn;
    ended.session_id = it->second.session_id;
    ended.detail = event.kind == transport::EventKind::kTimedOut
                       ? std::string("timed out")
                       : str_cat(event.close.by_peer ? "closed by the client" : "closed", " (code ",
                                 event.close.code, event.close.reason.empty() ? "" : ": ",
                                 event.close.reason, ")");
    events_.push_back(std::move(ended));
  }
  peers_.erase(it);
}

void SessionHost::handle_timeout(Micros now) {
  now_ = now;
  std::vector<transport::ConnectionId> silent;
  for (const auto& [conn, peer] : peers_) {
    if (!peer.established && now - peer.connected_at > config_.hello_timeout)
      silent.push_back(conn);
  }
  for (transport::ConnectionId conn : silent) {
    const bool challenged = peers_.at(conn).pending.has_value();
    violation(
        conn,
        str_cat(
            challenged ? "no SessionProof" : "no SessionHello", " within ",
            std::chrono::duration_cast<std::chrono::milliseconds>(config_.hello_timeout).count(),
            " ms"));
  }
}

std::optional<Micros> SessionHost::next_timeout() const {
  std::optional<Micros> first;
  for (const auto& [conn, peer] : peers_) {
    if (peer.established) continue;
    // handle_timeout acts once the silence is strictly longer than the timeout.
    const Micros due = peer.connected_at + config_.hello_timeout + Micros(1);
    if (!first || due < *first) first = due;
  }
  return first;
}

void SessionHost::on_message(transport::ConnectionId conn, Peer& peer, transport::Lane lane,
                             ByteSpan frame, Micros now) {
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
      if (!peer.pending) {
        const auto* hello = std::get_if<SessionHello>(&message);
        if (!hello) {
          return violation(conn,
                           str_cat("expected SessionHello, got ", message_name(type_of(message))));
        }
        if (!on_hello(conn, peer, *hello, now)) {
          peers_.erase(conn);  // refused: its close is queued; `peer` is gone from here on
          return;
        }
        continue;
      }
      const auto* proof = std::get_if<SessionProof>(&message);
      if (!proof) {
        return violation(conn,
                         str_cat("expected SessionProof, got ", message_name(type_of(message))));
      }
      if (!on_proof(conn, peer, *proof, now)) {
        peers_.erase(conn);
        return;
      }
      continue;
    }
    const MessageType type = type_of(message);
    if (type == MessageType::kSessionHello) {
      return violation(conn, "a second SessionHello on an established session");
    }
    if (type == MessageType::kSessionProof) {
      return violation(conn, "a SessionProof on an established session");
    }
    if (!client_sends(type))
      return violation(conn, str_cat("clients do not send ", message_name(type)));
    const SessionRecord* record = handshake_.session(peer.session_id);
    if (!record) return violation(conn, "the session is no longer known");  // not expected
    if (auto denied = check_permission(record->role, message)) {
      if (!deny(conn, peer, std::move(*denied))) return;
      continue;
    }
    if (const auto* beat = std::get_if<Heartbeat>(&message);
        beat && beat->kind == HeartbeatKind::kPing) {
      Heartbeat pong = *beat;
      pong.kind = HeartbeatKind::kPong;
      pong.responder_at_us = count_us(now);
      pong.server_tick = server_tick_;
      // A pong always fits the control lane; a failure here is a bug, and says so.
      if (Status queued = peer.lanes.queue(pong); !queued.ok()) {
        return violation(conn, "cannot answer the ping: " + queued.error().describe());
      }
      ++counters_.pings_answered;
      continue;
    }
    if (const auto* control = std::get_if<SessionControl>(&message)) {
      if (!on_control(conn, peer, *control)) return;
      continue;
    }
    HostEvent event;
    event.kind = HostEvent::Kind::kMessage;
    event.conn = conn;
    event.session_id = peer.session_id;
    event.message = std::move(message);
    events_.push_back(std::move(event));
  }
}

void SessionHost::refuse(transport::ConnectionId conn, Peer& peer, const SessionReject& reject) {
  ++counters_.rejected;
  // A reject is a few bytes on an empty control lane: it always fits.
  if (peer.lanes.queue(reject).ok()) peer.lanes.flush(transmits_, conn);
  transmits_.close(conn, CloseCode::kHandshakeRejected,
                   std::string(enum_name(reject.reason).value_or("rejected")));
  HostEvent refused;
  refused.kind = HostEvent::Kind::kRefused;
  refused.conn = conn;
  refused.detail = describe_reject(reject);
  events_.push_back(std::move(refused));
}

bool SessionHost::on_hello(transport::ConnectionId conn, Peer& peer, const SessionHello& hello,
                           Micros now) {
  ++counters_.hellos;
  HelloOutcome outcome = handshake_.on_hello(hello, now);
  if (outcome.refused) {
    refuse(conn, peer, outcome.reject);
    return false;
  }
  // The challenge, and everything after it, goes out in the negotiated minor's layout.
  peer.lanes.negotiate(outcome.pending.minor, false);
  if (Status queued = peer.lanes.queue(outcome.challenge); !queued.ok()) {
    violation(conn, "cannot send the ServerHello: " + queued.error().describe());
    return false;
  }
  peer.pending = std::move(outcome.pending);
  return true;
}

bool SessionHost::on_proof(transport::ConnectionId conn, Peer& peer, const SessionProof& proof,
                           Micros now) {
  HandshakeOutcome outcome = handshake_.on_proof(*peer.pending, proof, server_tick_, now);
  peer.pending.reset();
  if (!outcome.accepted) {
    refuse(conn, peer, outcome.reject);
    return false;
  }
  ++counters_.accepted;
  if (Status queued = peer.lanes.queue(outcome.ack); !queued.ok()) {
    handshake_.on_disconnect(outcome.ack.session_id, now);
    violation(conn, "cannot send the SessionAck: " + queued.error().describe());
    return false;
  }
  peer.lanes.negotiate(outcome.ack.protocol_minor,
                       (outcome.ack.capabilities & capabilities_bits::kCompression) != 0);
  peer.established = true;
  peer.session_id = outcome.ack.session_id;
  if (outcome.ack.resumed) {
    // The client came back on a new connection before the old one timed out: the old one is
    // finished (its end must not mark the session disconnected).
    for (auto it = peers_.begin(); it != peers_.end();) {
      if (it->first != conn && it->second.established && it->second.session_id == peer.session_id) {
        transmits_.close(it->first, CloseCode::kNormal, "session resumed elsewhere");
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
    handshake_.on_disconnect(it->second.session_id, now_);
  transmits_.close(conn, CloseCode::kProtocolError, reason);
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
  for (auto& [conn, peer] : peers_) peer.lanes.flush(transmits_, conn);
}

void SessionHost::close(transport::ConnectionId conn, CloseCode code, std::string_view reason) {
  auto it = peers_.find(conn);
  if (it == peers_.end()) return;
  it->second.lanes.flush(transmits_, conn);
  transmits_.close(conn, code, std::string(reason));
}

void SessionHost::set_send_backlog(transport::ConnectionId conn, std::uint64_t bytes) {
  if (auto it = peers_.find(conn); it != peers_.end()) it->second.send_backlog = bytes;
}

std::uint64_t SessionHost::send_backlog(transport::ConnectionId conn) const {
  const auto it = peers_.find(conn);
  return it == peers_.end() ? 0 : it->second.send_backlog;
}

std::vector<transport::ConnectionId> SessionHost::sessions() const {
  std::vector<transport::ConnectionId> out;
  for (const auto& [conn, peer] : peers_) {
    if (peer.established) out.push_back(conn);
  }
  return out;
}

std::optional<transport::ConnectionId> SessionHost::connection_of(std::uint64_t session_id) const {
  for (const auto& [conn, peer] : peers_) {
    if (peer.established && peer.session_id == session_id) return conn;
  }
  return std::nullopt;
}

const SessionRecord* SessionHost::session_of(transport::ConnectionId conn) const {
  auto it = peers_.find(conn);
  if (it == peers_.end() || !it->second.established) return nullptr;
  return handshake_.session(it->second.session_id);
}

const MessageTypeCounters* SessionHost::message_counters(transport::ConnectionId conn) const {
  auto it = peers_.find(conn);
  return it == peers_.end() ? nullptr : &it->second.lanes.message_counters();
}

}  // namespace theta_net::session
