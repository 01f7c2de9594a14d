// What a transport endpoint reports: connection lifecycle, messages, and per-connection stats.
#pragma once

#include <array>
#include <chrono>
#include <compare>
#include <cstdint>
#include <functional>
#include <string>

#include "theta_net/core/byte_io.hpp"
#include "theta_net/transport/lane.hpp"

namespace theta_net::transport {

// An endpoint-local handle for one connection. Never reused within an endpoint's lifetime: a
// reconnecting client gets a new id for the new connection.
struct ConnectionId {
  std::uint64_t value = 0;
  auto operator<=>(const ConnectionId&) const = default;
};

enum class EventKind : std::uint8_t {
  kConnected,     // handshake complete; lanes usable
  kDisconnected,  // closed by us, by the peer, or by a transport error (see CloseInfo)
  kTimedOut,      // nothing heard from the peer for the idle timeout
  kMessage,       // one whole message on `lane`
};

std::string_view event_kind_name(EventKind kind);

struct CloseInfo {
  enum class Kind : std::uint8_t { kNone, kApplication, kTransport };
  Kind kind = Kind::kNone;
  std::uint64_t code = 0;  // application code (close_code.hpp) or QUIC transport error code
  std::string reason;
  bool by_peer = false;  // the peer sent the close (else we closed, or timed out)
};

struct Event {
  EventKind kind = EventKind::kMessage;
  ConnectionId conn;
  Lane lane = Lane::kControl;
  Bytes payload;
  CloseInfo close;
};

struct LaneStats {
  std::uint64_t messages_sent = 0;
  std::uint64_t bytes_sent = 0;  // message bytes, without framing
  std::uint64_t messages_received = 0;
  std::uint64_t bytes_received = 0;

  // Names the fields (core/named_fields.hpp).
  template <class F>
  void visit(F&& f) const {
    f("messages_sent", messages_sent);
    f("bytes_sent", bytes_sent);
    f("messages_received", messages_received);
    f("bytes_received", bytes_received);
  }
};

// A per-lane array seen as a table keyed by lane name ("control", "input", ...).
template <class T>
struct ByLane {
  const std::array<T, kLaneCount>& values;

  template <class F>
  void visit(F&& f) const {
    for (Lane lane : kAllLanes) f(lane_name(lane), values[lane_index(lane)]);
  }
};

struct ConnectionStats {
  std::chrono::nanoseconds rtt_smoothed{0};
  std::chrono::nanoseconds rtt_min{0};
  std::chrono::nanoseconds rtt_variance{0};
  // RFC 3550-style mean deviation of successive RTT samples.
  std::chrono::nanoseconds jitter{0};
  std::array<LaneStats, kLaneCount> lanes{};
  std::uint64_t packets_sent = 0;  // UDP datagrams (QUIC) or simulated packets (SimNet)
  std::uint64_t packets_received = 0;
  std::uint64_t bytes_sent = 0;  // on the wire, headers and encryption included
  std::uint64_t bytes_received = 0;
  std::uint64_t datagrams_lost = 0;  // unreliable-lane messages declared lost or dropped
  std::uint64_t congestion_window = 0;
  std::uint64_t bytes_in_flight = 0;
  // Reliable bytes queued and not yet acknowledged by the peer: back-pressure for senders.
  std::uint64_t send_queue_bytes = 0;

  // Names the fields (core/named_fields.hpp); the times are Nanos (seconds in Python).
  template <class F>
  void visit(F&& f) const {
    f("rtt_smoothed", rtt_smoothed);
    f("rtt_min", rtt_min);
    f("rtt_variance", rtt_variance);
    f("jitter", jitter);
    f("packets_sent", packets_sent);
    f("packets_received", packets_received);
    f("bytes_sent", bytes_sent);
    f("bytes_received", bytes_received);
    f("datagrams_lost", datagrams_lost);
    f("congestion_window", congestion_window);
    f("bytes_in_flight", bytes_in_flight);
    f("send_queue_bytes", send_queue_bytes);
    f("lanes", ByLane<LaneStats>{lanes});
  }
};

}  // namespace theta_net::transport

template <>
struct std::hash<theta_net::transport::ConnectionId> {
  std::size_t operator()(const theta_net::transport::ConnectionId& id) const noexcept {
    return std::hash<std::uint64_t>{}(id.value);
  }
};
