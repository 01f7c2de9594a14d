// The server side of theta_net sessions over any transport Endpoint (QUIC or SimNet): for each new
// connection it waits for SessionHello on the control lane, runs the ServerHandshake, answers
// SessionAck or SessionReject, and from then on turns frames into messages. It answers heartbeat
// pings itself. A connection that breaks the protocol (garbage, a first message that is not a
// hello, a corrupt frame) is closed with CloseCode::protocol_error; the others carry on.
// Sans-I/O in time: the driver polls the endpoint and passes `now`.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>

#include "theta_net/protocol/connection_lanes.hpp"
#include "theta_net/protocol/handshake.hpp"
#include "theta_net/transport/endpoint.hpp"

namespace theta_net::protocol {

struct SessionHostConfig {
  ServerHandshakeConfig handshake;
  std::uint64_t hello_timeout_us = 5'000'000;  // a connection silent this long is closed
};

struct HostEvent {
  enum class Kind : std::uint8_t {
    kSessionStarted,  // handshake accepted (session holds the record)
    kSessionEnded,    // the connection of an established session ended
    kRefused,         // a hello was rejected (detail says why) or a connection broke the protocol
    kMessage,         // a message from an established session
  };
  Kind kind = Kind::kMessage;
  transport::ConnectionId conn;
  std::uint64_t session_id = 0;
  SessionRecord session;
  std::optional<AnyMessage> message;
  std::string detail;
};

struct SessionHostCounters {
  std::uint64_t hellos = 0;
  std::uint64_t accepted = 0;
  std::uint64_t rejected = 0;
  std::uint64_t protocol_errors = 0;
  std::uint64_t pings_answered = 0;
  std::uint64_t frames_dropped = 0;  // duplicate or stale datagram frames
};

class SessionHost {
 public:
  SessionHost(transport::Endpoint& endpoint, SessionHostConfig config, Ed25519KeyPair key, Rng rng);

  // Handles every pending transport event, enforces the hello timeout and sends what is queued.
  void update(std::uint64_t now_us, std::uint32_t server_tick);
  std::optional<HostEvent> next_event();

  // Queues a message for an established session (sent by the next update() or flush()).
  Status send(transport::ConnectionId conn, const AnyMessage& message);
  Status send_encoded(transport::ConnectionId conn, EncodedMessage message);
  void flush();
  void close(transport::ConnectionId conn, CloseCode code, std::string_view reason);

  std::vector<transport::ConnectionId> sessions() const;
  const SessionRecord* session_of(transport::ConnectionId conn) const;
  const SessionHostCounters& counters() const { return counters_; }
  const ServerHandshake& handshake() const { return handshake_; }

 private:
  struct Peer {
    ConnectionLanes lanes;
    bool established = false;
    std::uint64_t session_id = 0;
    std::uint64_t connected_at_us = 0;
  };

  void on_message(transport::ConnectionId conn, Peer& peer, transport::Lane lane, ByteSpan frame,
                  std::uint64_t now_us, std::uint32_t server_tick);
  // False when the hello was refused (the caller then forgets the peer).
  bool on_hello(transport::ConnectionId conn, Peer& peer, const SessionHello& hello,
                std::uint64_t now_us, std::uint32_t server_tick);
  void violation(transport::ConnectionId conn, std::string reason);

  transport::Endpoint* endpoint_;
  SessionHostConfig config_;
  ServerHandshake handshake_;
  std::map<transport::ConnectionId, Peer> peers_;  // ordered: deterministic iteration
  std::deque<HostEvent> events_;
  SessionHostCounters counters_;
  std::uint64_t now_us_ = 0;
};

}  // namespace theta_net::protocol
