// The metrics a client or a server publishes (Client.metrics and LocalGame.client_metrics,
// Server.metrics and LocalGame.server_metrics in Python): the game's counters joined with what
// only the session and the driver know, as one table with named fields (core/named_fields.hpp).
// A report is a view: it reads the game and its driver when visited.
#pragma once

#include "theta_net/core/time.hpp"
#include "theta_net/session/client_driver.hpp"
#include "theta_net/session/game_client.hpp"
#include "theta_net/session/game_server.hpp"
#include "theta_net/session/server_driver.hpp"
#include "theta_net/transport/event.hpp"

namespace theta_net::session {

// Whether the client is joined, its game metrics, the session's RTT and jitter (heartbeats, in
// ms), the driver's counters, and the byte counters over every connection the driver has had
// (no `lanes` and `wire_bytes_*` before the first connection).
struct ClientMetricsReport {
  const GameClient& client;
  const ClientDriver& driver;

  template <class F>
  void visit(F&& f) const {
    f("established", client.established());
    client.metrics().visit(f);
    f("rtt_ms", to_milliseconds(client.session().rtt()));
    f("jitter_ms", to_milliseconds(client.session().jitter()));
    if (const std::optional<transport::ConnectionStats> stats = driver.stats()) {
      f("lanes", transport::ByLane<transport::LaneStats>{stats->lanes});
      f("wire_bytes_received", stats->bytes_received);
      f("wire_bytes_sent", stats->bytes_sent);
    }
    f("driver", driver.counters());
  }
};

// The server's game metrics, its tick times (measured by the driver: mean, max and recent
// quantiles in microseconds), each client's metrics, and the session host's and driver's
// counters.
struct ServerMetricsReport {
  const GameServer& server;
  const ServerDriver& driver;

  template <class F>
  void visit(F&& f) const {
    server.metrics().visit(f);
    driver.tick_times().visit(f);
    f("per_client", server.client_metrics());
    f("sessions", server.sessions().counters());
    f("driver", driver.counters());
  }
};

}  // namespace theta_net::session
