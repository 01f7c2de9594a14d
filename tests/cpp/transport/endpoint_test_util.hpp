// Helpers for the endpoint tests (QUIC, TCP): drive several endpoints on one thread until a
// condition holds, and make recognisable payloads.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <vector>

#include "theta_net/transport/endpoint.hpp"

namespace theta_net::transport::testing {

using namespace std::chrono_literals;

// Collects every event an endpoint produced while being pumped.
struct Recorder {
  Endpoint* endpoint;
  std::vector<Event> events;

  void pump(std::chrono::nanoseconds wait) {
    endpoint->poll(wait);
    while (auto e = endpoint->next_event()) events.push_back(std::move(*e));
  }
  std::size_t count(EventKind kind) const {
    std::size_t n = 0;
    for (const Event& e : events) n += e.kind == kind;
    return n;
  }
  std::vector<Event> messages() const {
    std::vector<Event> out;
    for (const Event& e : events) {
      if (e.kind == EventKind::kMessage) out.push_back(e);
    }
    return out;
  }
};

// Polls every recorder (1 ms waits) until done() or the deadline; returns done().
inline bool pump_until(std::vector<Recorder*> recorders, const std::function<bool()>& done,
                       std::chrono::milliseconds deadline = 10s) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    for (Recorder* r : recorders) r->pump(recorders.size() > 1 ? 200us : 1ms);
  }
  return true;
}

inline Bytes pattern(std::size_t size, std::uint32_t seed) {
  Bytes b(size);
  std::uint32_t x = seed * 2654435761u + 1;
  for (auto& v : b) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    v = static_cast<std::uint8_t>(x);
  }
  return b;
}

}  // namespace theta_net::transport::testing
