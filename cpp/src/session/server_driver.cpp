#include "theta_net/session/server_driver.hpp"

#include <algorithm>
#include <chrono>

namespace theta_net::session {

ServerDriver::ServerDriver(transport::Endpoint& endpoint, SessionHost& host, ServerApp* app)
    : endpoint_(&endpoint), host_(&host), app_(app) {}

std::optional<TransportView> ServerDriver::transport_view(transport::ConnectionId conn) const {
  auto stats = endpoint_->stats(conn);
  if (!stats) return std::nullopt;
  return TransportView{endpoint_->transport_kind(conn), *stats};
}

void ServerDriver::step(Micros now) {
  ++counters_.steps;
  endpoint_->poll(Nanos{0});
  while (auto event = endpoint_->next_event()) {
    ++counters_.transport_events;
    host_->handle(*event, now);
  }
  host_->handle_timeout(now);
  host_->flush();
  // Back-pressure for the application: what each session's connection still has to deliver.
  for (const transport::ConnectionId conn : host_->sessions()) {
    if (const auto stats = endpoint_->stats(conn))
      host_->set_send_backlog(conn, stats->send_queue_bytes);
  }
  if (app_) {
    app_->handle_sessions(now);
    for (std::uint32_t n = 0; n < app_->max_catch_up_ticks(); ++n) {
      const std::optional<Micros> due = app_->next_tick();
      if (!due || *due > now) break;
      const auto started = std::chrono::steady_clock::now();
      app_->tick(now);
      const Nanos spent = std::chrono::steady_clock::now() - started;
      tick_times_.record(spent);
      app_->tick_took(spent);
    }
  }
  host_->flush();
  transmit();
}

void ServerDriver::transmit() {
  while (auto t = host_->poll_transmit()) {
    if (t->kind == Transmit::Kind::kClose) {
      ++counters_.closes;
      endpoint_->close(t->conn, t->close_code, t->reason);
    } else if (endpoint_->send(t->conn, t->lane, t->bytes).ok()) {
      ++counters_.sends;
    } else {
      ++counters_.send_errors;  // the connection closed meanwhile: its end event follows
    }
  }
}

std::optional<Micros> ServerDriver::next_wakeup() const {
  std::optional<Micros> wake = host_->next_timeout();
  if (app_) {
    if (const auto tick = app_->next_tick()) wake = wake ? std::min(*wake, *tick) : *tick;
  }
  return wake;
}

void ServerDriver::wait(Micros now, Micros max_wait) {
  Micros wait = max_wait;
  if (const auto wake = next_wakeup()) wait = std::clamp(*wake - now, Micros{0}, max_wait);
  endpoint_->poll(wait);
}

}  // namespace theta_net::session
