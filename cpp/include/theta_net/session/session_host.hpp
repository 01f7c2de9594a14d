// The server side of theta_net sessions, without I/O. For each new connection it waits for
// SessionHello on the control lane, runs the ServerHandshake (challenge, proof of key, then
// SessionAck or SessionReject), and from then on turns frames into messages. It answers
// heartbeat pings itself. A connection that breaks the protocol (garbage, a first message that is
// not a hello, a corrupt frame, a server's message) is closed with CloseCode::protocol_error and a
// reason; the others carry on.
//
// Roles hold here: every message of an established session, on every lane, is checked against
// its role's permissions (session/permissions.hpp) before anything else sees it. A refused
// message is not delivered; the sender gets PermissionDenied, the application a
// kPermissionDenied event, and after max_permission_denials refusals the connection is closed
// with CloseCode::permission_denied. An admin's SessionControl (kick, ban, role_change) is
// checked by a SessionControlDesk and carried out here; the admin gets SessionControlResult and
// the application a kSessionControl event.
//
// Host migration (docs/collaboration.md, "Host migration"): export_sessions puts the sessions
// (with their resume tokens, keys and roles), the bans and the admins' control sequences in a
// MigrationBundle; restore_sessions on the successor's host takes them, as dropped sessions its
// clients may resume. migrate() tells every established session where to go (SessionControl
// migration_intent, target 0, migrate_to, successor_key) and closes its connection with
// CloseCode::migrated; from then on a new connection is closed at once with that code.
//
// Transport events and `now` go in (handle, handle_timeout); sends and closes come out
// (poll_transmit) and so do session events (next_event). A ServerDriver moves them between the
// endpoint and this object in its documented order; tests can do the same by hand.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>

#include "theta_net/core/time.hpp"
#include "theta_net/protocol/handshake.hpp"
#include "theta_net/session/connection_lanes.hpp"
#include "theta_net/session/migration_bundle.hpp"
#include "theta_net/session/session_control.hpp"
#include "theta_net/session/transmit.hpp"

namespace theta_net::session {

struct SessionHostConfig {
  protocol::ServerHandshakeConfig handshake;
  // A connection that has not finished its handshake (hello and proof) this long is closed.
  Micros hello_timeout = std::chrono::seconds(5);
  // Messages refused for permission before the connection is closed (0: never closed).
  std::uint32_t max_permission_denials = 8;
  // After a role change, refusals do not count towards closing for this long: the client sent
  // what was in flight (a tick's inputs, say) before it could hear of its new role.
  Micros role_change_grace = std::chrono::seconds(2);
};

struct HostEvent {
  enum class Kind : std::uint8_t {
    kSessionStarted,    // handshake accepted (session holds the record)
    kSessionEnded,      // the connection of an established session ended
    kRefused,           // a hello was rejected (detail says why) or a connection broke the protocol
    kMessage,           // a message from an established session
    kPermissionDenied,  // a message its role may not send: message holds the PermissionDenied
                        // the session was sent, session its record
    kSessionControl,    // an admin's SessionControl (message), accepted or not; session_id is
                        // the admin's, session the target's record as it was before
  };
  Kind kind = Kind::kMessage;
  transport::ConnectionId conn;
  std::uint64_t session_id = 0;
  protocol::SessionRecord session;
  std::optional<protocol::AnyMessage> message;
  std::string detail;
  bool accepted = false;             // kSessionControl: carried out
  std::uint64_t target_session = 0;  // kSessionControl: the session it names
};

struct SessionHostCounters {
  std::uint64_t hellos = 0;
  std::uint64_t accepted = 0;
  std::uint64_t rejected = 0;
  std::uint64_t protocol_errors = 0;
  std::uint64_t pings_answered = 0;
  std::uint64_t frames_dropped = 0;     // duplicate or stale datagram frames
  std::uint64_t permission_denied = 0;  // messages refused for their sender's role
  std::uint64_t permission_closes = 0;  // connections closed for too many of them
  std::uint64_t controls_accepted = 0;  // admins' SessionControls carried out
  std::uint64_t controls_refused = 0;

  // Names the fields (core/named_fields.hpp).
  template <class F>
  void visit(F&& f) const {
    f("hellos", hellos);
    f("accepted", accepted);
    f("rejected", rejected);
    f("protocol_errors", protocol_errors);
    f("pings_answered", pings_answered);
    f("frames_dropped", frames_dropped);
    f("permission_denied", permission_denied);
    f("permission_closes", permission_closes);
    f("controls_accepted", controls_accepted);
    f("controls_refused", controls_refused);
  }
};

class SessionHost {
 public:
  SessionHost(SessionHostConfig config, Ed25519KeyPair key, Rng rng);

  // One event from the transport (connected, message, disconnected, timed out).
  void handle(const transport::Event& event, Micros now);
  // Closes connections that did not finish their handshake within the timeout.
  void handle_timeout(Micros now);
  // When handle_timeout next has something to do, if ever.
  std::optional<Micros> next_timeout() const;
  // The server tick that pongs and acks carry (the application sets it as it ticks).
  void set_server_tick(std::uint32_t tick) { server_tick_ = tick; }

  std::optional<HostEvent> next_event();
  // The next send or close for the transport, in the order they were decided.
  std::optional<Transmit> poll_transmit() { return transmits_.poll(); }

  // Queues a message for an established session (out through poll_transmit after flush()).
  // Errors: kClosed (no established session on `conn`), and those of ConnectionLanes::queue.
  Status send(transport::ConnectionId conn, const protocol::AnyMessage& message);
  // The same for a message encoded earlier.
  // Errors: kClosed, and those of ConnectionLanes::queue_encoded.
  Status send_encoded(transport::ConnectionId conn, protocol::EncodedMessage message);
  // Moves the frames of every connection's lane writers to the transmit queue.
  void flush();
  // The server kicks a session (an operator's action, not an admin's SessionControl): its client
  // is told (SessionControl kick), its connection closed with CloseCode::kicked and `reason`
  // (kSessionEnded, "kicked: <reason>"), and the session cannot be resumed.
  // Errors: kInvalidArgument (no such session).
  Status kick(std::uint64_t session_id, const std::string& reason);
  // Flushes `conn`, then queues its close with `code` and `reason`.
  void close(transport::ConnectionId conn, protocol::CloseCode code, std::string_view reason);
  // A peer broke the protocol: closes its connection with protocol_error and `reason`, reports it
  // as kRefused, and forgets the peer (its session, if any, may be resumed like a dropped one).
  void violation(transport::ConnectionId conn, std::string reason);

  // The sessions, bans and admins' control sequences, into `bundle` (a ban's time left as of
  // `now`).
  void export_sessions(MigrationBundle& bundle, Micros now) const;
  // Takes a predecessor's sessions, bans and admins from `bundle` (the sessions as dropped at
  // `now`, resumable for the resume window). Only a host without sessions restores.
  // Errors: kState (this host knows sessions or connections already), and those of
  // ServerHandshake::restore_session (nothing is taken then).
  Status restore_sessions(const MigrationBundle& bundle, Micros now);
  // Sends every established session to `migrate_to` (see above) and closes every connection
  // with CloseCode::migrated and `reason`; the sessions stay known here (resumable) until the
  // process ends.
  // Errors: kInvalidArgument (an empty migrate_to, or one over 256 bytes), kState (migrated
  // already).
  Status migrate(const std::string& migrate_to, const Ed25519PublicKey& successor_key,
                 std::string reason = "the server moved");
  // Where migrate() sent the sessions, once it did.
  const std::optional<std::string>& migrated_to() const { return migrated_to_; }

  // The connection's reliable bytes queued and not yet acknowledged by the peer
  // (ConnectionStats::send_queue_bytes), reported by the driver every step: back-pressure an
  // application can read without seeing the endpoint (0 for a connection never reported).
  void set_send_backlog(transport::ConnectionId conn, std::uint64_t bytes);
  std::uint64_t send_backlog(transport::ConnectionId conn) const;

  std::vector<transport::ConnectionId> sessions() const;
  const protocol::SessionRecord* session_of(transport::ConnectionId conn) const;
  // The connection's messages and bytes per message type (nullptr for an unknown connection).
  const MessageTypeCounters* message_counters(transport::ConnectionId conn) const;
  // The connection of an established session, if it has one now.
  std::optional<transport::ConnectionId> connection_of(std::uint64_t session_id) const;
  const SessionHostCounters& counters() const { return counters_; }
  const protocol::ServerHandshake& handshake() const { return handshake_; }
  const SessionControlDesk& control_desk() const { return control_desk_; }

 private:
  struct Peer {
    ConnectionLanes lanes;
    bool established = false;
    std::optional<protocol::PendingHandshake> pending;  // challenged, waiting for the proof
    std::uint64_t session_id = 0;
    Micros connected_at{0};
    std::uint64_t send_backlog = 0;
    std::uint32_t denials = 0;  // messages refused for permission (counted towards closing)
    Micros grace_until{0};      // after a role change: refusals before then are not counted
  };

  void on_message(transport::ConnectionId conn, Peer& peer, transport::Lane lane, ByteSpan frame,
                  Micros now);
  // The handshake's two client messages. False when the session was refused (the caller then
  // forgets the peer).
  bool on_hello(transport::ConnectionId conn, Peer& peer, const protocol::SessionHello& hello,
                Micros now);
  bool on_proof(transport::ConnectionId conn, Peer& peer, const protocol::SessionProof& proof,
                Micros now);
  void refuse(transport::ConnectionId conn, Peer& peer, const protocol::SessionReject& reject);
  // Answers a message its role may not send; false when that closed the connection.
  bool deny(transport::ConnectionId conn, Peer& peer, protocol::PermissionDenied denied);
  // Carries out an admin's SessionControl; false when the admin's own connection is gone.
  bool on_control(transport::ConnectionId conn, Peer& peer,
                  const protocol::SessionControl& control);
  // Ends an established session's connection: flushes it, tells the application (kSessionEnded
  // with `detail`), closes it with `code` and forgets the peer; the session stays resumable
  // unless `forget`.
  void end_connection(transport::ConnectionId conn, protocol::CloseCode code,
                      const std::string& reason, std::string detail, bool forget);
  void on_connection_end(const transport::Event& event, Micros now);

  SessionHostConfig config_;
  protocol::ServerHandshake handshake_;
  SessionControlDesk control_desk_;
  std::map<transport::ConnectionId, Peer> peers_;  // ordered: deterministic iteration
  std::deque<HostEvent> events_;
  TransmitQueue transmits_;
  SessionHostCounters counters_;
  Micros now_{0};
  std::uint32_t server_tick_ = 0;
  std::optional<std::string> migrated_to_;
};

}  // namespace theta_net::session
