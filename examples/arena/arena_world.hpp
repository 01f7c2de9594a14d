// The arena's simulation: its players, their moves and shots, kills and respawns, and the records
// of the server's event stream. It knows nothing of sessions or the network: the live Server
// runs it with the inputs its buffers hand out, and a replay (arena_replay.hpp) runs it with the
// inputs of the server's input log, so the replay writes the server's stream again byte for byte.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <theta_net/netcode/lag_compensation.hpp>
#include <theta_net/replay/event_writer.hpp>
#include <vector>

#include "arena_rules.hpp"

namespace arena {

using theta_net::Micros;

struct WorldConfig {
  std::uint32_t tick_rate = 60;
  // Lag compensation's limit. A shot is judged a round trip, the input's safety margin and the
  // interpolation delay back (about 220 ms at 100 ms RTT and 60 Hz): 400 ms covers round trips up
  // to about 250 ms.
  Micros max_rewind = std::chrono::milliseconds(400);
  std::uint32_t fire_cooldown_ticks = 0;  // 0: a quarter of a second
  std::uint32_t hash_interval = 0;        // ticks between "state" events with a digest (0: none)
};

// `config` with its defaults filled in (a fire cooldown of 0: a quarter of a second).
WorldConfig resolved(WorldConfig config);

struct WorldStats {
  std::uint64_t ticks = 0;
  std::uint64_t joins = 0;
  std::uint64_t leaves = 0;
  std::uint64_t shots = 0;
  std::uint64_t hits = 0;
  std::uint64_t kills = 0;
  std::uint64_t rewinds_clamped = 0;  // shots from further back than max_rewind allows
};

// A player as the world holds it.
struct PlayerView {
  std::uint64_t entity = 0;
  Body body;
  std::int64_t aim = 0;
  std::int64_t health = kMaxHealth;
  std::int64_t score = 0;
};

// One player's input for a tick.
struct TickInput {
  std::uint64_t entity = 0;
  Input input;
};

class World {
 public:
  // `events` (may be null) receives the server stream's records: join, leave, shot, kill and,
  // every hash_interval ticks, state.
  World(WorldConfig config, theta_net::replay::EventWriter* events);

  // A new player after the current tick, at its first spawn point; returns its entity (1, 2, ...
  // in the order players join).
  std::uint64_t join(const std::string& name);
  // Errors: none; a player that is not here is ignored.
  void leave(std::uint64_t entity, const std::string& detail);
  // Simulates the next tick: every player moves with its input (a player without one: the
  // default input, standing still), then the shots fired are judged where their shooters saw
  // the world (lag compensation), in entity order.
  void step(std::span<const TickInput> inputs);

  const WorldConfig& config() const { return config_; }  // resolved
  std::uint32_t tick() const { return tick_; }
  // Every player, by entity.
  std::vector<PlayerView> players() const;
  // The player `entity`, or null.
  const PlayerView* player(std::uint64_t entity) const;
  const WorldStats& stats() const { return stats_; }
  // SipHash-2-4 of every player's state in entity order: equal runs, equal digests.
  std::uint64_t digest() const;

 private:
  struct Player {
    PlayerView view;
    std::uint64_t spawns = 0;
    std::uint32_t last_shot_tick = 0;
  };

  // A shot from where the shooter stood when it fired (it may have died since, this tick).
  void shoot(Player& shooter, const Body& from, const Input& input);
  void log(const theta_net::replay::Event& event);

  WorldConfig config_;
  theta_net::replay::EventWriter* events_;
  theta_net::netcode::LagCompensator lag_;
  std::map<std::uint64_t, Player> players_;  // by entity
  std::uint64_t next_entity_ = 1;
  std::uint32_t tick_ = 0;
  WorldStats stats_;
  std::vector<std::uint64_t> killed_this_tick_;  // entities: no further damage until next tick
};

}  // namespace arena
