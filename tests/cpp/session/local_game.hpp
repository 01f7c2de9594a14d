// Test helpers: a LocalSession on a small superflat world with lettered players.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "theta_net/session/local_session.hpp"
#include "theta_net/world/terrain_generator.hpp"

namespace theta_net::session::testing {

using namespace std::chrono_literals;

inline transport::LinkConfig rtt100(double loss = 0, std::chrono::milliseconds jitter = 0ms) {
  transport::LinkConfig link;
  link.latency = 50ms;
  link.jitter = jitter;
  link.loss = loss;
  return link;
}

inline std::unique_ptr<LocalSession> game(NetworkKind network, transport::LinkConfig link,
                                          bool relay = false, std::size_t clients = 2) {
  LocalSessionConfig config;
  config.network = network;
  config.server.world.terrain =
      world::TerrainGenerator({7, world::TerrainKind::kSuperflat, 62}).filler();
  config.server.chunks.view_radius = 2;
  auto session = LocalSession::create(config);
  EXPECT_TRUE(session.ok()) << session.error().describe();
  for (std::size_t i = 0; i < clients; ++i) {
    LocalClientSpec spec;
    spec.name = std::string(1, static_cast<char>('a' + i));
    spec.link = link;
    spec.relay = relay;
    EXPECT_TRUE((*session)->add_client(spec).ok());
  }
  return std::move(*session);
}

inline void run_for(LocalSession& s, Micros d) {
  s.run_until(s.now() + d);
}

}  // namespace theta_net::session::testing
