// The client's driver: the one object that owns the client's transport endpoint, decides the
// poll order, reconnects, and notices pauses. What it drives (a SessionClient and the application
// on it, such as the reference GameClient) is sans-I/O.
//
// One step(now), in this order (the same over QUIC and SimNet):
//   1. input      endpoint.poll(0), then every transport event into the SessionClient
//   2. pause      if the last step was longer ago than pause_threshold, the application is told
//                 (it re-syncs instead of replaying the missed time in a burst), and a connection
//                 not heard from for longer than the idle timeout is abandoned at once
//   3. timeout    the session's timers (heartbeats), then its frames flushed
//   4. events     the application's step: session events, its own timers, its sends
//   5. transmit   the session's frames flushed; queued sends and closes handed to the endpoint
//   6. reconnect  a lost connection is redialled after reconnect_after (at once after a pause);
//                 one attempt at a time, each given attempt_timeout. The SessionClient resumes
//                 the previous session with its token on the new connection. After a host
//                 migration (SessionClient::take_redirect) the endpoint is pointed at the
//                 successor (Endpoint::redirect) and dialled at once.
// It also keeps the transport statistics of every connection the client had, so a whole run's
// byte counters survive reconnections.
#pragma once

#include <cstdint>
#include <optional>

#include "theta_net/core/time.hpp"
#include "theta_net/session/client_app.hpp"
#include "theta_net/session/session_client.hpp"
#include "theta_net/transport/endpoint.hpp"

namespace theta_net::session {

struct ClientDriverConfig {
  Micros reconnect_after = std::chrono::milliseconds(500);  // pause before redialling
  Micros attempt_timeout = std::chrono::seconds(10);        // one handshake attempt at most
  Micros pause_threshold = std::chrono::milliseconds(250);  // a longer gap between steps
  Micros idle_timeout = std::chrono::seconds(10);           // the transport's idle timeout
};

struct ClientDriverCounters {
  std::uint64_t steps = 0;
  std::uint64_t reconnects = 0;  // redials after a lost connection
  std::uint64_t pauses = 0;
  std::uint64_t abandoned = 0;  // connections given up after a pause past the idle timeout
  std::uint64_t send_errors = 0;
  std::uint64_t redirects = 0;  // host migrations followed to a new address

  // Names the fields (core/named_fields.hpp).
  template <class F>
  void visit(F&& f) const {
    f("steps", steps);
    f("reconnects", reconnects);
    f("pauses", pauses);
    f("abandoned", abandoned);
    f("send_errors", send_errors);
    f("redirects", redirects);
  }
};

class ClientDriver {
 public:
  // `session` and `app` (optional) must outlive the driver.
  ClientDriver(transport::Endpoint& endpoint, SessionClient& session, ClientApp* app = nullptr,
               ClientDriverConfig config = {});

  void step(Micros now);
  // Waits on the endpoint's I/O up to `max_wait` (SimNet does not block).
  void wait(Micros max_wait) { endpoint_->poll(max_wait); }

  transport::Endpoint& endpoint() { return *endpoint_; }
  const ClientDriverCounters& counters() const { return counters_; }
  // Byte, packet and message counters over every connection this client has had (a closed one
  // counts up to the last step before it closed); RTT, window and queue of the current one.
  // Nothing before the first connection.
  std::optional<transport::ConnectionStats> stats() const;

 private:
  void on_pause(Micros now, Micros gap);
  void transmit();
  void track_stats();
  void reconnect(Micros now);
  void dial(Micros now);

  transport::Endpoint* endpoint_;
  SessionClient* session_;
  ClientApp* app_;
  ClientDriverConfig config_;
  ClientDriverCounters counters_;
  std::optional<Micros> last_step_;
  Micros last_heard_{0};  // the last transport event of the current connection
  bool redial_now_ = false;
  std::optional<Micros> lost_since_;
  Micros attempt_until_{0};
  // Counters of the connections that closed, and the latest statistics of the current one.
  std::optional<transport::ConnectionStats> closed_;
  std::optional<transport::ConnectionId> current_;
  transport::ConnectionStats current_stats_;
};

}  // namespace theta_net::session
