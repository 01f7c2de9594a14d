// The client side of a theta_net session over a transport Endpoint with one connection (a
// QuicClient or a SimNet client): on every transport connection it sends SessionHello (with the
// resume token of the previous session after a reconnect), checks the reply, then exchanges
// messages and keeps a heartbeat going to measure RTT and jitter.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "theta_net/protocol/connection_lanes.hpp"
#include "theta_net/protocol/handshake.hpp"
#include "theta_net/transport/endpoint.hpp"

namespace theta_net::protocol {

struct SessionClientConfig {
  ClientHandshakeConfig handshake;
  std::uint64_t heartbeat_interval_us = 1'000'000;
  bool resume = true;  // after a reconnect, ask to resume the previous session
};

enum class SessionState : std::uint8_t { kConnecting, kHandshaking, kEstablished, kRejected };

struct ClientEvent {
  enum class Kind : std::uint8_t {
    kEstablished,  // the server accepted (ack holds the session)
    kRejected,     // the server refused (detail says why); no retry
    kLost,         // the connection ended; the transport may reconnect
    kMessage,
  };
  Kind kind = Kind::kMessage;
  std::optional<SessionAck> ack;
  std::optional<AnyMessage> message;
  std::string detail;
};

class SessionClient {
 public:
  SessionClient(transport::Endpoint& endpoint, SessionClientConfig config, Ed25519KeyPair key,
                Rng rng);

  void update(std::uint64_t now_us);
  std::optional<ClientEvent> next_event();

  Status send(const AnyMessage& message);  // only once established
  void flush();

  SessionState state() const { return state_; }
  const std::optional<SessionAck>& session() const { return ack_; }
  // Heartbeat round trips (microseconds): smoothed as in RFC 6298, and the mean deviation.
  std::uint64_t rtt_us() const { return rtt_us_; }
  std::uint64_t jitter_us() const { return jitter_us_; }
  std::optional<transport::ConnectionId> connection() const { return conn_; }

 private:
  void on_frame(transport::Lane lane, ByteSpan frame, std::uint64_t now_us);
  void lost(std::string detail);

  transport::Endpoint* endpoint_;
  SessionClientConfig config_;
  Ed25519KeyPair key_;
  Rng rng_;
  std::optional<ClientHandshake> handshake_;
  std::optional<ConnectionLanes> lanes_;
  std::optional<transport::ConnectionId> conn_;
  SessionState state_ = SessionState::kConnecting;
  std::optional<SessionAck> ack_;
  std::deque<ClientEvent> events_;
  static constexpr std::size_t kMaxEarlyMessages = 4096;
  std::vector<AnyMessage> early_;  // reliable messages that overtook the SessionAck
  std::uint64_t next_ping_us_ = 0;
  std::uint32_t ping_id_ = 0;
  std::uint64_t rtt_us_ = 0;
  std::uint64_t jitter_us_ = 0;
};

}  // namespace theta_net::protocol
