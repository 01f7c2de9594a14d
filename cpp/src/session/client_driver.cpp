#include "theta_net/session/client_driver.hpp"

namespace theta_net::session {
namespace {

// Adds the counters of `from` (bytes, packets, messages, losses) to `into`.
void add_connection_counters(transport::ConnectionStats& into,
                             const transport::ConnectionStats& from) {
  into.packets_sent += from.packets_sent;
  into.packets_received += from.packets_received;
  into.bytes_sent += from.bytes_sent;
  into.bytes_received += from.bytes_received;
  into.datagrams_lost += from.datagrams_lost;
  for (std::size_t i = 0; i < into.lanes.size(); ++i) {
    into.lanes[i].messages_sent += from.lanes[i].messages_sent;
    into.lanes[i].bytes_sent += from.lanes[i].bytes_sent;
    into.lanes[i].messages_received += from.lanes[i].messages_received;
    into.lanes[i].bytes_received += from.lanes[i].bytes_received;
  }
}

}  // namespace

ClientDriver::ClientDriver(transport::Endpoint& endpoint, SessionClient& session, ClientApp* app,
                           ClientDriverConfig config)
    : endpoint_(&endpoint), session_(&session), app_(app), config_(config) {}

void ClientDriver::step(Micros now) {
  ++counters_.steps;
  // Judged before this step's events: packets that waited in a socket while we were paused say
  // nothing about whether the server still holds the connection.
  const bool paused = last_step_ && now - *last_step_ > config_.pause_threshold;
  const Micros gap = last_step_ ? now - *last_step_ : Micros{0};
  const bool silent_too_long =
      paused && session_->connection() && now - last_heard_ > config_.idle_timeout;
  last_step_ = now;

  if (silent_too_long) {
    // The server timed this connection out long ago; waiting for our transport to notice too
    // would leave the player "joined" to nobody for seconds. Give it up before reading what
    // waited in the socket (stale states from before the server let go), and resume on a new
    // connection at once.
    ++counters_.abandoned;
    session_->abandon(
        str_cat("no word from the server for ",
                std::chrono::duration_cast<std::chrono::milliseconds>(now - last_heard_).count(),
                " ms (paused for ",
                std::chrono::duration_cast<std::chrono::milliseconds>(gap).count(), " ms)"));
  }
  endpoint_->poll(Nanos{0});
  while (auto event = endpoint_->next_event()) {
    last_heard_ = now;
    session_->handle(*event, now);
  }
  if (paused) on_pause(now, gap);
  session_->handle_timeout(now);
  session_->flush();
  if (app_) app_->step(now);
  session_->flush();
  transmit();
  track_stats();
  reconnect(now);
}

void ClientDriver::on_pause(Micros now, Micros gap) {
  ++counters_.pauses;
  redial_now_ = true;
  if (app_) app_->on_pause(now, gap);
}

void ClientDriver::transmit() {
  while (auto t = session_->poll_transmit()) {
    if (t->kind == Transmit::Kind::kClose) {
      endpoint_->close(t->conn, t->close_code, t->reason);
    } else if (!endpoint_->send(t->conn, t->lane, t->bytes).ok()) {
      ++counters_.send_errors;  // the connection closed meanwhile: its end event follows
    }
  }
}

void ClientDriver::reconnect(Micros now) {
  if (auto to = session_->take_redirect()) {
    if (Status redirected = endpoint_->redirect(*to); !redirected.ok()) {
      session_->redirect_failed(redirected.error().describe());
      return;
    }
    ++counters_.redirects;
    redial_now_ = true;  // the successor waits for us: no back-off
  }
  const bool down =
      session_->state() == SessionState::kConnecting && endpoint_->connections().empty();
  if (!down) redial_now_ = false;
  if (down && redial_now_) {
    dial(now);  // back from a pause: the old connection is gone, so do not wait
    return;
  }
  if (down && now >= attempt_until_) {
    if (!lost_since_) {
      lost_since_ = now;
    } else if (now - *lost_since_ >= config_.reconnect_after) {
      dial(now);
    }
  } else {
    lost_since_.reset();
  }
}

void ClientDriver::dial(Micros now) {
  if (!endpoint_->dial().ok()) return;  // this endpoint cannot dial again (its close said why)
  lost_since_.reset();
  redial_now_ = false;
  // One attempt at a time: the handshake may take its time through a bad link.
  attempt_until_ = now + config_.attempt_timeout;
  ++counters_.reconnects;
}

void ClientDriver::track_stats() {
  // A connection's counters vanish with it: keep its latest statistics, and fold them into the
  // closed ones when another connection (or none) takes its place.
  const auto conns = endpoint_->connections();
  const std::optional<transport::ConnectionId> now =
      conns.empty() ? std::nullopt : std::optional(conns.front());
  if (current_ && current_ != now) {
    if (!closed_) closed_ = transport::ConnectionStats{};
    add_connection_counters(*closed_, current_stats_);
    current_stats_ = {};
  }
  current_ = now;
  if (now) {
    if (auto stats = endpoint_->stats(*now)) current_stats_ = *stats;
  }
  session_->set_send_backlog(now ? current_stats_.send_queue_bytes : 0);
}

std::optional<transport::ConnectionStats> ClientDriver::stats() const {
  std::optional<transport::ConnectionStats> out;
  if (current_) {
    out = endpoint_->stats(*current_);
    if (!out) out = current_stats_;  // closed since the last step
  }
  if (closed_) {
    if (!out) out = transport::ConnectionStats{};
    add_connection_counters(*out, *closed_);
  }
  return out;
}

}  // namespace theta_net::session
