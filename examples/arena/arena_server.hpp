// The arena's server: a session::ServerApp built from the toolkit's generic parts. SessionHost
// runs the handshake and roles; each player's GameInput bundles go into a netcode::InputBuffer
// over the arena's input schema; the step is arena::step_body; shots are judged by a
// netcode::LagCompensator at the tick the shooter saw; what everyone sees of a player (the
// arena.Player component) goes out through a replication::ReplicationHost as entity deltas
// against acknowledged baselines; and each player gets its own body at full precision in a
// GameState every tick, which its prediction is reconciled against.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <theta_net/core/ed25519.hpp>
#include <theta_net/core/rng.hpp>
#include <theta_net/netcode/input_buffer.hpp>
#include <theta_net/netcode/lag_compensation.hpp>
#include <theta_net/replay/event_writer.hpp>
#include <theta_net/replication/replication_host.hpp>
#include <theta_net/session/server_app.hpp>
#include <theta_net/session/session_host.hpp>
#include <vector>

#include "arena_rules.hpp"

namespace arena {

using theta_net::Micros;

struct ServerConfig {
  std::uint32_t tick_rate = 60;
  std::uint32_t entity_update_interval = 2;    // ticks between entity deltas
  std::uint64_t bytes_per_second = 64 * 1024;  // per client, entity deltas
  // Lag compensation's limit. A shot is judged a round trip, the input's safety margin and the
  // interpolation delay back (about 220 ms at 100 ms RTT and 60 Hz): 400 ms covers round trips up
  // to about 250 ms.
  Micros max_rewind = std::chrono::milliseconds(400);
  std::uint32_t fire_cooldown_ticks = 0;  // 0: a quarter of a second
  std::uint32_t hash_interval = 0;        // ticks between "state" events with a digest (0: none)
  Micros resume_window = std::chrono::seconds(10);  // a dropped player stays this long
};

struct ServerStats {
  std::uint64_t ticks = 0;
  std::uint64_t joins = 0;
  std::uint64_t leaves = 0;
  std::uint64_t shots = 0;
  std::uint64_t hits = 0;
  std::uint64_t kills = 0;
  std::uint64_t rewinds_clamped = 0;  // shots from further back than max_rewind allows
  std::uint64_t bundles_refused = 0;  // GameInput bundles that did not decode
  std::uint64_t inputs_starved = 0;   // ticks simulated without the player's input
};

// A player as the server holds it.
struct PlayerView {
  std::uint64_t entity = 0;
  Body body;
  std::int64_t aim = 0;
  std::int64_t health = kMaxHealth;
  std::int64_t score = 0;
};

class Server : public theta_net::session::ServerApp {
 public:
  Server(ServerConfig config, theta_net::Ed25519KeyPair key, theta_net::Rng rng,
         theta_net::replay::EventWriter* events = nullptr);

  theta_net::session::SessionHost& sessions() { return host_; }

  // session::ServerApp
  void handle_sessions(Micros now) override;
  std::optional<Micros> next_tick() const override { return next_tick_; }
  void tick(Micros now) override;
  std::uint32_t max_catch_up_ticks() const override { return 4; }

  std::uint32_t current_tick() const { return tick_; }
  std::vector<PlayerView> players() const;
  const ServerStats& stats() const { return stats_; }
  // A digest of every player's state (the replication state's canonical bytes): equal runs,
  // equal digests.
  std::uint64_t state_digest() const { return replication_.entities().digest(); }

 private:
  struct Player {
    PlayerView view;
    std::uint64_t session_id = 0;
    theta_net::transport::ConnectionId conn;
    bool connected = false;
    theta_net::replication::ReplicationHost::ClientId replication_id = 0;
    theta_net::netcode::InputBuffer inputs{input_schema()};
    std::uint64_t spawns = 0;
    std::uint32_t last_shot_tick = 0;
    Micros detached_at{0};
    std::string detail;  // why its connection ended
  };

  void on_event(theta_net::session::HostEvent& event);
  void join(const theta_net::session::HostEvent& event);
  void detach(std::uint64_t session_id, const std::string& why);
  void leave(std::uint64_t session_id, const std::string& why);
  void on_input(Player& player, const theta_net::protocol::GameInput& input);
  // A shot from where the shooter stood when it fired (it may have died since, this tick).
  void shoot(Player& shooter, const Body& from, const Input& input);
  void publish();
  void send_states();
  void log(const theta_net::replay::Event& event);

  ServerConfig config_;
  theta_net::session::SessionHost host_;
  theta_net::replication::ReplicationHost replication_;
  theta_net::netcode::LagCompensator lag_;
  theta_net::replay::EventWriter* events_;
  std::map<std::uint64_t, std::unique_ptr<Player>> players_;  // by session id
  std::uint64_t next_entity_ = 1;
  std::uint32_t tick_ = 0;
  Micros now_{0};
  Micros tick_period_{0};
  std::optional<Micros> next_tick_;
  ServerStats stats_;
  std::vector<std::uint64_t> killed_this_tick_;  // entities: no further damage until next tick
};

}  // namespace arena
