// The server's driver: the one object that owns a transport endpoint, decides the poll order and
// measures tick times. Everything it drives (a SessionHost and the application on it, such as the
// reference GameServer) is sans-I/O: it only takes events and `now` and queues transmits.
//
// One step(now), in this order (the same for every endpoint kind, QUIC or SimNet):
//   1. input     endpoint.poll(0), then every transport event into the SessionHost
//   2. timeout   the host's timers (hello timeouts), then its frames flushed; each session's
//                send backlog (the endpoint's send_queue_bytes) is reported to the host
//   3. events    the application handles the session events (joins, leaves, messages)
//   4. ticks     every fixed tick due by `now` (at most max_catch_up_ticks per step), each timed
//   5. transmit  the host's frames flushed; every queued send and close handed to the endpoint
//                in the order the session decided them
// A long-running server loop calls wait() between steps; under SimNet the caller advances
// virtual time instead.
#pragma once

#include <cstdint>
#include <optional>

#include "theta_net/core/time.hpp"
#include "theta_net/session/server_app.hpp"
#include "theta_net/session/server_status.hpp"
#include "theta_net/session/session_host.hpp"
#include "theta_net/session/tick_times.hpp"
#include "theta_net/transport/endpoint.hpp"

namespace theta_net::session {

struct ServerDriverCounters {
  std::uint64_t steps = 0;
  std::uint64_t transport_events = 0;
  std::uint64_t sends = 0;
  std::uint64_t closes = 0;
  std::uint64_t send_errors = 0;  // the endpoint refused a send (the connection had just closed)

  // Names the fields (core/named_fields.hpp).
  template <class F>
  void visit(F&& f) const {
    f("steps", steps);
    f("transport_events", transport_events);
    f("sends", sends);
    f("closes", closes);
    f("send_errors", send_errors);
  }
};

class ServerDriver {
 public:
  // `host` and `app` (optional: a bare SessionHost works too) must outlive the driver.
  ServerDriver(transport::Endpoint& endpoint, SessionHost& host, ServerApp* app = nullptr);

  // One step at `now` (virtual or wall microseconds since the server began), in the order above.
  void step(Micros now);
  // Waits on the endpoint's I/O until something arrives, the next tick or timer is due (as
  // judged from `now`), or `max_wait` passes. SimNet does not block.
  void wait(Micros now, Micros max_wait);
  // The earliest of the application's next tick and the host's next timer.
  std::optional<Micros> next_wakeup() const;

  transport::Endpoint& endpoint() { return *endpoint_; }
  const transport::Endpoint& endpoint() const { return *endpoint_; }
  const TickTimes& tick_times() const { return tick_times_; }
  // What the endpoint says of a connection, for status pages (nothing for an unknown one).
  std::optional<TransportView> transport_view(transport::ConnectionId conn) const;
  // transport_view as the function GameServer::status takes.
  TransportLookup transport_lookup() const {
    return [this](transport::ConnectionId conn) { return transport_view(conn); };
  }
  const ServerDriverCounters& counters() const { return counters_; }

 private:
  void transmit();

  transport::Endpoint* endpoint_;
  SessionHost* host_;
  ServerApp* app_;
  TickTimes tick_times_;
  ServerDriverCounters counters_;
};

}  // namespace theta_net::session
