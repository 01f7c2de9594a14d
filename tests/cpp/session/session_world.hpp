// Test helpers: a SessionHost with role tokens and bare SessionClients over SimNet, driven by
// their drivers in virtual time. Clients never redial on their own (a test says when).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "theta_net/session/client_driver.hpp"
#include "theta_net/session/server_driver.hpp"
#include "theta_net/transport/sim_net.hpp"

namespace theta_net::session::testing {

using namespace std::chrono_literals;

inline Ed25519KeyPair test_key(std::uint64_t seed) {
  Rng rng(seed);
  return Ed25519KeyPair::from_rng(rng);
}

// Tokens for each role: "look" viewer, "play" player, "edit" editor, "root" admin.
inline SessionHostConfig role_tokens() {
  SessionHostConfig config;
  config.handshake.tokens = {{"look", protocol::Role::kViewer},
                             {"play", protocol::Role::kPlayer},
                             {"edit", protocol::Role::kEditor},
                             {"root", protocol::Role::kAdmin}};
  return config;
}

struct RoleWorld {
  explicit RoleWorld(SessionHostConfig config = role_tokens())
      : net(11), server_endpoint(net.add_endpoint("server")) {
    host = std::make_unique<SessionHost>(config, test_key(1), Rng(2));
    host_driver = std::make_unique<ServerDriver>(server_endpoint, *host);
  }
  // A client with `token` and key test_key(key_seed); its index.
  std::size_t add_client(const std::string& token, std::uint64_t key_seed) {
    transport::SimEndpoint& endpoint = net.add_endpoint("client" + std::to_string(clients.size()));
    endpoint.connect(server_endpoint);
    SessionClientConfig config;
    config.handshake.auth_token = token;
    config.handshake.client_name = token + std::to_string(clients.size());
    clients.push_back(
        std::make_unique<SessionClient>(config, test_key(key_seed), Rng(300 + clients.size())));
    ClientDriverConfig no_redial;
    no_redial.reconnect_after = std::chrono::hours(1);
    drivers.push_back(
        std::make_unique<ClientDriver>(endpoint, *clients.back(), nullptr, no_redial));
    endpoints.push_back(&endpoint);
    client_events.emplace_back();
    return clients.size() - 1;
  }
  // Dials again (a client that was closed or refused comes back by hand).
  void redial(std::size_t i) { ASSERT_TRUE(endpoints[i]->dial().ok()); }
  void run(Micros duration) {
    for (const Micros end = to_micros(net.now()) + duration; to_micros(net.now()) < end;) {
      net.advance_by(5ms);
      const Micros now = to_micros(net.now());
      host_driver->step(now);
      for (std::size_t i = 0; i < clients.size(); ++i) {
        drivers[i]->step(now);
        while (auto e = clients[i]->next_event()) client_events[i].push_back(std::move(*e));
      }
      while (auto e = host->next_event()) host_events.push_back(std::move(*e));
    }
  }
  SessionClient& client(std::size_t i) { return *clients[i]; }
  // The messages of type M client i received.
  template <class M>
  std::vector<M> received(std::size_t i) const {
    std::vector<M> out;
    for (const ClientEvent& e : client_events[i]) {
      if (e.message) {
        if (const auto* m = std::get_if<M>(&*e.message)) out.push_back(*m);
      }
    }
    return out;
  }
  std::vector<HostEvent> host_events_of(HostEvent::Kind kind) const {
    std::vector<HostEvent> out;
    for (const HostEvent& e : host_events) {
      if (e.kind == kind) out.push_back(e);
    }
    return out;
  }
  // The messages of type M the host delivered to the application.
  template <class M>
  std::size_t delivered() const {
    std::size_t n = 0;
    for (const HostEvent& e : host_events) {
      n +=
          e.kind == HostEvent::Kind::kMessage && e.message && std::holds_alternative<M>(*e.message);
    }
    return n;
  }

  transport::SimNet net;
  transport::SimEndpoint& server_endpoint;
  std::unique_ptr<SessionHost> host;
  std::unique_ptr<ServerDriver> host_driver;
  std::vector<transport::SimEndpoint*> endpoints;
  std::vector<std::unique_ptr<SessionClient>> clients;
  std::vector<std::unique_ptr<ClientDriver>> drivers;
  std::vector<std::vector<ClientEvent>> client_events;
  std::vector<HostEvent> host_events;
};

}  // namespace theta_net::session::testing
