// The arena's server: a session::ServerApp built from the toolkit's generic parts. SessionHost
// runs the handshake and roles; each player's GameInput bundles go into a netcode::InputBuffer
// over the arena's input schema; the World (arena_world.hpp) simulates the tick with the inputs
// the buffers hand out, which the server also writes to its input log (netcode::InputLogWriter)
// so the match can be replayed; what everyone sees of a player (the arena.Player component) goes
// out through a replication::ReplicationHost as entity deltas against acknowledged baselines;
// and each player gets its own body at full precision in a GameState every tick, which its
// prediction is reconciled against.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <theta_net/core/ed25519.hpp>
#include <theta_net/core/rng.hpp>
#include <theta_net/netcode/input_buffer.hpp>
#include <theta_net/netcode/input_log.hpp>
#include <theta_net/replay/event_writer.hpp>
#include <theta_net/replication/replication_host.hpp>
#include <theta_net/session/server_app.hpp>
#include <theta_net/session/session_host.hpp>
#include <vector>

#include "arena_world.hpp"

namespace arena {

struct ServerConfig {
  WorldConfig world;                                // its tick_rate is the server's
  std::uint32_t entity_update_interval = 2;         // ticks between entity deltas
  std::uint64_t bytes_per_second = 64 * 1024;       // per client, entity deltas
  Micros resume_window = std::chrono::seconds(10);  // a dropped player stays this long
};

struct ServerStats : WorldStats {
  std::uint64_t bundles_refused = 0;  // GameInput bundles that did not decode
  std::uint64_t inputs_starved = 0;   // ticks simulated without the player's input
};

class Server : public theta_net::session::ServerApp {
 public:
  // `events` receives the server stream and `inputs` the input log (either may be null).
  Server(ServerConfig config, theta_net::Ed25519KeyPair key, theta_net::Rng rng,
         theta_net::replay::EventWriter* events = nullptr,
         theta_net::netcode::InputLogWriter* inputs = nullptr);

  theta_net::session::SessionHost& sessions() { return host_; }

  // session::ServerApp
  void handle_sessions(Micros now) override;
  std::optional<Micros> next_tick() const override { return next_tick_; }
  void tick(Micros now) override;
  std::uint32_t max_catch_up_ticks() const override { return 4; }

  std::uint32_t current_tick() const { return world_.tick(); }
  std::vector<PlayerView> players() const { return world_.players(); }
  ServerStats stats() const;
  // A digest of every player's state: equal runs, equal digests.
  std::uint64_t state_digest() const { return world_.digest(); }

 private:
  struct Player {
    std::uint64_t entity = 0;
    std::uint64_t session_id = 0;
    theta_net::transport::ConnectionId conn;
    bool connected = false;
    theta_net::replication::ReplicationHost::ClientId replication_id = 0;
    theta_net::netcode::InputBuffer inputs{input_schema()};
    Micros detached_at{0};
    std::string detail;  // why its connection ended
  };

  void on_event(theta_net::session::HostEvent& event);
  void join(const theta_net::session::HostEvent& event);
  void detach(std::uint64_t session_id, const std::string& why);
  void leave(std::uint64_t session_id, const std::string& why);
  void on_input(Player& player, const theta_net::protocol::GameInput& input);
  void publish();
  void send_states();

  ServerConfig config_;
  theta_net::session::SessionHost host_;
  theta_net::replication::ReplicationHost replication_;
  World world_;
  theta_net::netcode::InputLogWriter* input_log_;
  std::map<std::uint64_t, std::unique_ptr<Player>> players_;  // by session id
  Micros now_{0};
  Micros tick_period_{0};
  std::optional<Micros> next_tick_;
  std::uint64_t bundles_refused_ = 0;
  std::uint64_t inputs_starved_ = 0;
};

}  // namespace arena
