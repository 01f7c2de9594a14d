// The reference game's authoritative simulation: players moving, jumping, falling and colliding
// with blocks, and placing and breaking blocks within reach by the rules. One step() is one tick;
// it takes each player's input for that tick and reports what changed. The state hash by section
// (players, other entities, chunks) says which part of two simulations diverged.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "theta_net/protocol/messages.hpp"
#include "theta_net/sim/mobs.hpp"
#include "theta_net/sim/movement.hpp"
#include "theta_net/world/chunk_store.hpp"

namespace theta_net::sim {

using PlayerId = std::uint32_t;

struct BlockEdit {
  world::BlockPos pos;
  world::BlockId before = 0;
  world::BlockId after = 0;
  PlayerId by = 0;
};

struct RejectedAction {
  PlayerId player = 0;
  std::string reason;
};

struct StepReport {
  std::uint32_t tick = 0;  // the tick just simulated
  std::vector<BlockEdit> edits;
  std::vector<RejectedAction> rejected;
  std::vector<PlayerId> respawned;
  std::vector<MobId> mobs_moved;   // mobs whose position or heading changed, in id order
  std::vector<MobId> mobs_turned;  // of those, the ones whose velocity changed
};

struct SectionHashes {
  std::uint64_t players = 0;
  std::uint64_t entities = 0;  // non-player entities: the mobs (0 without any)
  // XOR of chunk_hash over every edited chunk. Chunks as generated are a pure function of the
  // seed, and which of them a server happens to have generated depends on where it streamed, so
  // they are left out: the hash then depends only on the inputs.
  std::uint64_t chunks = 0;
  bool operator==(const SectionHashes&) const = default;
};

struct Player {
  std::string name;
  PlayerState state;
};

class Simulation {
 public:
  // Spawns `mobs` (none by default) on the world's surface.
  Simulation(Rules rules, world::ChunkStore& world, MobConfig mobs = {});

  // A new player at the spawn point (spread along x so players do not start inside each other).
  PlayerId add_player(std::string name);
  void remove_player(PlayerId id);

  // Simulates one tick. Players without an input this tick stand still (the input jitter buffer
  // decides what each player's input is; the simulation only applies it).
  StepReport step(const std::map<PlayerId, protocol::InputFrame>& inputs);

  std::uint32_t tick() const { return tick_; }
  const std::map<PlayerId, Player>& players() const { return players_; }
  const Player* player(PlayerId id) const;
  const Mobs& mobs() const { return mobs_; }
  world::ChunkStore& world() { return *world_; }
  const Rules& rules() const { return rules_; }
  Vec3 spawn_point(std::size_t index) const;

  SectionHashes hashes();

 private:
  void apply_block_action(PlayerId id, const PlayerState& state,
                          const protocol::BlockAction& action, StepReport& report);

  Rules rules_;
  world::ChunkStore* world_;
  std::map<PlayerId, Player> players_;
  Mobs mobs_;
  PlayerId next_player_ = 1;
  std::uint32_t tick_ = 0;
  std::map<world::ChunkPos, std::pair<std::uint32_t, std::uint64_t>> chunk_hash_cache_;
};

// The hash of a player's state (all fields, fixed width): equal states, equal hashes.
std::uint64_t player_hash(PlayerId id, const PlayerState& state);

// XOR of chunk_hash over `positions` that `store` has loaded: what a client compares with the
// server for the chunks it holds.
std::uint64_t chunk_set_hash(const world::ChunkStore& store,
                             const std::vector<world::ChunkPos>& positions);

}  // namespace theta_net::sim
