// The client side of a theta_net session, without I/O, over a transport with one connection at a
// time (a QuicClient or a SimNet client): on every transport connection it sends SessionHello
// (with the resume token of the previous session after a reconnect), answers the server's
// challenge with the proof of its key, checks the SessionAck, then exchanges messages and keeps
// a heartbeat going to measure RTT and jitter.
//
// Session control from the server applies to it: a role_change changes role(); a kick or a ban
// (and a close with the kicked, banned or permission_denied code) ends the session for good,
// like a rejection: the driver does not reconnect. An admin sends controls with send_control,
// which numbers and signs them with the session's key.
//
// Host migration: a SessionControl migration_intent (for every session, or this one) names the
// successor's address and Ed25519 key; the client remembers them, and when the server then
// closes with CloseCode::migrated it reports the connection lost (detail "migrated to ...") and
// offers the address through take_redirect(): the driver redials there, the hello carries the
// same resume token, and the successor must present the announced key (pinned from then on; a
// server presenting another is refused like a rejection). A `migrated` close without an intent
// before it is a plain loss.
//
// Transport events and `now` go in (handle, handle_timeout); sends and closes come out
// (poll_transmit) and so do session events (next_event). A ClientDriver moves them between the
// endpoint and this object, and decides when to reconnect.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "theta_net/core/time.hpp"
#include "theta_net/protocol/handshake.hpp"
#include "theta_net/session/connection_lanes.hpp"
#include "theta_net/session/transmit.hpp"

namespace theta_net::session {

struct SessionClientConfig {
  protocol::ClientHandshakeConfig handshake;
  Micros heartbeat_interval = std::chrono::seconds(1);
  bool resume = true;  // after a reconnect, ask to resume the previous session
};

enum class SessionState : std::uint8_t { kConnecting, kHandshaking, kEstablished, kRejected };

struct ClientEvent {
  enum class Kind : std::uint8_t {
    kEstablished,  // the server accepted (ack holds the session)
    kRejected,     // the server refused, kicked or banned us (detail says why); no retry
    kLost,         // the connection ended; the driver may reconnect
    kMessage,
  };
  Kind kind = Kind::kMessage;
  std::optional<protocol::SessionAck> ack;
  std::optional<protocol::AnyMessage> message;
  std::string detail;
};

class SessionClient {
 public:
  SessionClient(SessionClientConfig config, Ed25519KeyPair key, Rng rng);

  // One event from the transport.
  void handle(const transport::Event& event, Micros now);
  // Sends a heartbeat when one is due.
  void handle_timeout(Micros now);
  // When handle_timeout next has something to do, if ever.
  std::optional<Micros> next_timeout() const;
  // The connection is gone although the transport has not said so (the driver noticed that the
  // idle timeout passed while it was paused): forget it, report kLost, and queue its close.
  void abandon(std::string detail);

  std::optional<ClientEvent> next_event();
  std::optional<Transmit> poll_transmit() { return transmits_.poll(); }

  // Queues a message.
  // Errors: kState (not established), and those of ConnectionLanes::queue.
  Status send(const protocol::AnyMessage& message);
  // Queues an admin's SessionControl, numbered with the next control sequence and signed with
  // the session's key; returns its sequence (SessionControlResult.sequence answers it).
  // Errors: kState (not established), and those of ConnectionLanes::queue.
  Result<std::uint64_t> send_control(protocol::ControlAction action, std::uint64_t target,
                                     std::optional<protocol::Role> role = std::nullopt,
                                     std::string reason = {}, std::uint32_t ban_seconds = 0);
  // Moves the lanes' frames to the transmit queue.
  void flush();
  // Where the server said to go when it closed with `migrated` (once; the driver redials there).
  std::optional<std::string> take_redirect() { return std::exchange(redirect_, std::nullopt); }
  // The driver could not go where the server said: the session ends for good (kRejected).
  void redirect_failed(const std::string& why);
  // The server key the next handshakes must present (the configured pin, or a successor's).
  const std::optional<Ed25519PublicKey>& pinned_server_key() const {
    return config_.handshake.expected_server_key;
  }
  // Migrations followed so far.
  std::uint64_t migrations() const { return migrations_; }

  SessionState state() const { return state_; }
  // The SessionAck of the session, kept across reconnections (to resume it) and dropped when the
  // server ends the session for good (a kick, a ban, a close for permission).
  const std::optional<protocol::SessionAck>& session() const { return ack_; }
  // The session's role: the SessionAck's, then as the server changed it (viewer before any).
  protocol::Role role() const { return ack_ ? ack_->role : protocol::Role::kViewer; }
  const Ed25519KeyPair& key() const { return key_; }
  // Heartbeat round trips: smoothed as in RFC 6298, and the mean deviation.
  Micros rtt() const { return rtt_; }
  Micros jitter() const { return jitter_; }
  std::optional<transport::ConnectionId> connection() const { return conn_; }
  // The current connection's messages and bytes per message type (nullptr between connections).
  const MessageTypeCounters* message_counters() const {
    return lanes_ ? &lanes_->message_counters() : nullptr;
  }
  // The connection's reliable bytes queued and not yet acknowledged by the server
  // (ConnectionStats::send_queue_bytes), reported by the driver every step: what paces bulk
  // sends such as asset uploads (0 before any report).
  void set_send_backlog(std::uint64_t bytes) { send_backlog_ = bytes; }
  std::uint64_t send_backlog() const { return send_backlog_; }
  // Frames from the server that broke the protocol (each closed the connection).
  std::uint64_t protocol_errors() const { return protocol_errors_; }

 private:
  void on_frame(transport::Lane lane, ByteSpan frame, Micros now);
  // The handshake's replies (ServerHello, then SessionAck); false when it ended.
  bool on_handshake_reply(const protocol::AnyMessage& message, Micros now);
  // A SessionControl from the server about this session.
  void on_control(const protocol::SessionControl& control);
  // The session is over for good (refused, kicked, banned): report it, queue the close.
  void end_for_good(std::string detail, std::optional<protocol::CloseCode> close);
  // Closes the connection for a reason of ours, and reports it lost.
  void fail(protocol::CloseCode code, const std::string& reason, std::string detail);
  void lost(std::string detail);

  SessionClientConfig config_;
  Ed25519KeyPair key_;
  Rng rng_;
  std::optional<protocol::ClientHandshake> handshake_;
  std::optional<ConnectionLanes> lanes_;
  std::optional<transport::ConnectionId> conn_;
  SessionState state_ = SessionState::kConnecting;
  std::optional<protocol::SessionAck> ack_;
  bool proof_sent_ = false;  // this connection's SessionProof
  std::uint64_t send_backlog_ = 0;
  std::optional<std::string> ended_by_server_;  // a kick or ban announced: why
  std::uint64_t control_sequence_ = 0;          // the last SessionControl sent
  struct MigrationIntent {
    std::string migrate_to;
    Ed25519PublicKey successor_key{};
  };
  std::optional<MigrationIntent> migration_;  // announced, waiting for the migrated close
  std::optional<std::string> redirect_;       // for the driver
  std::uint64_t migrations_ = 0;
  std::deque<ClientEvent> events_;
  TransmitQueue transmits_;
  static constexpr std::size_t kMaxEarlyMessages = 4096;
  std::vector<protocol::AnyMessage> early_;  // reliable messages that overtook the SessionAck
  Micros next_ping_{0};
  std::uint32_t ping_id_ = 0;
  Micros rtt_{0};
  Micros jitter_{0};
  std::uint64_t protocol_errors_ = 0;
};

}  // namespace theta_net::session
