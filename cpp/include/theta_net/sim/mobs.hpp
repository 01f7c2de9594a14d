// The reference game's server-driven entities: mobs that wander the terrain by simple,
// deterministic rules, so that a world can hold thousands of entities nobody steers. Each mob
// walks at a steady pace in a direction it picks now and then (or stands a while), climbs a
// one-block step, and turns back at a wall or a drop deeper than one block. Every choice comes
// from a hash of the seed, the mob and the tick: the same seed and inputs give the same mobs on
// every machine. Where no chunk is loaded yet, the mob generates it (ChunkStore::block_at): a
// server's loaded chunks depend on where it streamed, which a replay does not repeat, and the
// generated terrain does not. Spawning scans each mob's column from the top of the world, so
// 10,000 mobs over the default spread generate about 8,000 chunks (64 MiB) when the world is made.
//
// Cost follows change: the ground is looked up only when a mob enters a new block, and step()
// reports the mobs that moved so the server publishes those alone.
#pragma once

#include <cstdint>
#include <vector>

#include "theta_net/core/vec3.hpp"
#include "theta_net/world/chunk_store.hpp"

namespace theta_net::sim {

using MobId = std::uint32_t;

// Mob ids start here, far above any player id, so the two share the entity id space.
inline constexpr MobId kFirstMobId = 0x0100'0000;
inline constexpr std::uint32_t kMaxMobs = 1'000'000;

struct MobConfig {
  std::uint32_t count = 0;        // 0: no mobs
  std::uint64_t seed = 1;         // the world's seed, mixed with each mob's id
  std::int32_t spread = 256;      // spawned in x and z within [-spread, spread) blocks of 0,0
  Fx speed = Fx::from_int(1);     // blocks per second while walking
  std::uint32_t min_stride = 20;  // ticks between two choices: min_stride..2 x min_stride + 59
};

struct Mob {
  Vec3 position;
  std::uint16_t yaw = 0;  // 65,536 per turn; 0 faces +z
  bool walking = false;
  std::uint32_t next_choice = 0;  // the tick at which it chooses again
  world::BlockPos cell{};         // the block its feet are in (ground checked on entering one)
};

class Mobs {
 public:
  // Spawns config.count mobs on the surface of `world` (generating the chunks they stand on).
  Mobs(MobConfig config, world::ChunkStore& world);
  // One tick: each mob chooses, walks or waits. Returns the ids of the mobs whose position or
  // heading changed, in id order (valid until the next step).
  const std::vector<MobId>& step(std::uint32_t tick, Fx dt);
  // Of those, the ones whose heading or pace changed (their velocity), in id order.
  const std::vector<MobId>& turned() const { return turned_; }
  std::size_t size() const { return mobs_.size(); }
  const MobConfig& config() const { return config_; }
  const Mob& mob(MobId id) const { return mobs_[id - kFirstMobId]; }
  const std::vector<Mob>& all() const { return mobs_; }
  // SipHash of every mob's state in id order (the state hash's "entities" section); 0 for none.
  std::uint64_t hash() const;

 private:
  void choose(MobId id, Mob& mob, std::uint32_t tick) const;
  // Whether the mob may enter `next` (adjusting its height by a step up or down); false: it
  // turns back.
  bool enter(Mob& mob, world::BlockPos next) const;

  MobConfig config_;
  world::ChunkStore* world_;
  std::vector<Mob> mobs_;
  std::vector<MobId> changed_;
  std::vector<MobId> turned_;
};

}  // namespace theta_net::sim
