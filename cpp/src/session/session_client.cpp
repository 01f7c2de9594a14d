#include "theta_net/session/session_client.hpp"

#include "theta_net/protocol/control_signature.hpp"
#include "theta_net/protocol/message_codec.hpp"

namespace theta_net::session {

using namespace protocol;

namespace {

// Close codes that say the session is over because of what the client did or who it is: the
// client does not come back on its own (docs/protocol.md, "Closing").
bool ends_for_good(const transport::CloseInfo& close) {
  if (!close.by_peer || close.kind != transport::CloseInfo::Kind::kApplication) return false;
  return close.code == static_cast<std::uint64_t>(CloseCode::kKicked) ||
         close.code == static_cast<std::uint64_t>(CloseCode::kBanned) ||
         close.code == static_cast<std::uint64_t>(CloseCode::kPermissionDenied);
}

}  // namespace

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
      proof_sent_ = false;
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
        std::string detail =
            event.kind == transport::EventKind::kTimedOut
                ? std::string("timed out")
                : str_cat("closed with code ", event.close.code,
                          event.close.reason.empty() ? "" : ": ", event.close.reason);
        if (migration_ && !ended_by_server_ && event.close.by_peer &&
            event.close.kind == transport::CloseInfo::Kind::kApplication &&
            event.close.code == static_cast<std::uint64_t>(CloseCode::kMigrated)) {
          // The session goes on at the successor: the same token, its key pinned.
          config_.handshake.expected_server_key = migration_->successor_key;
          redirect_ = migration_->migrate_to;
          migration_.reset();
          ++migrations_;
          lost("migrated to " + *redirect_ + " (" + detail + ")");
        } else if (ended_by_server_ || ends_for_good(event.close)) {
          end_for_good(ended_by_server_ ? *ended_by_server_ + " (" + detail + ")" : detail,
                       std::nullopt);
        } else {
          lost(std::move(detail));
        }
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
      if (!on_handshake_reply(message, now)) return;
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
    if (const auto* control = std::get_if<SessionControl>(&message)) on_control(*control);
    ClientEvent event;
    event.kind = ClientEvent::Kind::kMessage;
    event.message = std::move(message);
    events_.push_back(std::move(event));
  }
}

bool SessionClient::on_handshake_reply(const AnyMessage& message, Micros now) {
  auto refused = [&](const Error& error) {
    state_ = SessionState::kRejected;
    ClientEvent rejected;
    rejected.kind = ClientEvent::Kind::kRejected;
    rejected.detail = error.describe();
    events_.push_back(std::move(rejected));
    // After a SessionReject the server closes; otherwise the reply was wrong and we end it.
    if (!std::holds_alternative<SessionReject>(message)) {
      if (error.code != ErrorCode::kRejected) ++protocol_errors_;
      transmits_.close(
          *conn_,
          error.code == ErrorCode::kRejected ? CloseCode::kNormal : CloseCode::kProtocolError,
          error.message);
    }
    return false;
  };
  if (!proof_sent_) {
    auto proof = handshake_->on_challenge(message);
    if (!proof.ok()) return refused(proof.error());
    if (Status queued = lanes_->queue(*proof); !queued.ok()) return refused(queued.error());
    proof_sent_ = true;
    return true;
  }
  auto ack = handshake_->on_reply(message);
  if (!ack.ok()) return refused(ack.error());
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
  return true;
}

void SessionClient::on_control(const SessionControl& control) {
  // The server's notices are about this session (or, with migration, every session).
  if (!ack_) return;
  if (control.action == ControlAction::kMigrationIntent) {
    // Without both an address and a key to pin there is nowhere safe to go: ignored (the close
    // that follows is then a plain loss).
    if ((control.target == 0 || control.target == ack_->session_id) && control.migrate_to &&
        !control.migrate_to->empty() && control.successor_key) {
      migration_ = MigrationIntent{*control.migrate_to, *control.successor_key};
    }
    return;
  }
  if (control.target != ack_->session_id) return;
  const std::string why = control.reason.empty() ? std::string("by an admin") : control.reason;
  switch (control.action) {
    case ControlAction::kRoleChange:
      if (control.role) ack_->role = *control.role;
      break;
    case ControlAction::kKick:
      ended_by_server_ = "kicked: " + why;
      break;
    case ControlAction::kBan:
      ended_by_server_ = "banned: " + why;
      break;
    case ControlAction::kMigrationIntent:
      break;  // above
  }
}

void SessionClient::end_for_good(std::string detail, std::optional<CloseCode> close) {
  if (close && conn_) transmits_.close(*conn_, *close, detail);
  conn_.reset();
  lanes_.reset();
  early_.clear();
  ended_by_server_.reset();
  migration_.reset();
  ack_.reset();  // the server ended this session: a later connection starts a new one
  state_ = SessionState::kRejected;
  ClientEvent event;
  event.kind = ClientEvent::Kind::kRejected;
  event.detail = std::move(detail);
  events_.push_back(std::move(event));
}

void SessionClient::redirect_failed(const std::string& why) {
  end_for_good("cannot follow the server's migration: " + why, std::nullopt);
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

Result<std::uint64_t> SessionClient::send_control(ControlAction action, std::uint64_t target,
                                                  std::optional<Role> role, std::string reason,
                                                  std::uint32_t ban_seconds) {
  if (state_ != SessionState::kEstablished) {
    return make_error(ErrorCode::kState, "the session is not established");
  }
  const SessionControl control = signed_session_control(key_, action, target, control_sequence_ + 1,
                                                        role, std::move(reason), ban_seconds);
  THETA_TRY(lanes_->queue(control));
  return ++control_sequence_;
}

void SessionClient::flush() {
  if (lanes_ && conn_) lanes_->flush(transmits_, *conn_);
}

}  // namespace theta_net::session
