#include "theta_net/sim/mobs.hpp"

#include "theta_net/core/byte_io.hpp"
#include "theta_net/core/rng.hpp"
#include "theta_net/core/siphash.hpp"
#include "theta_net/sim/angle.hpp"

namespace theta_net::sim {
namespace {

constexpr SipKey kMobHashKey{0x6d6f62ull, 0x7374617465ull};  // "mob", "state"

// One draw for (seed, mob, tick, purpose): a pure function, so no generator state has to be
// kept, saved or replayed.
std::uint64_t draw(std::uint64_t seed, MobId id, std::uint32_t tick, std::uint32_t purpose) {
  std::uint64_t state = seed ^ (std::uint64_t{id} << 32 | tick) * 0x9E3779B97F4A7C15ull ^
                        std::uint64_t{purpose} * 0xD1B54A32D192ED03ull;
  return splitmix64_next(state);
}

}  // namespace

Mobs::Mobs(MobConfig config, world::ChunkStore& world) : config_(config), world_(&world) {
  if (config_.count > kMaxMobs) config_.count = kMaxMobs;
  if (config_.spread < 1) config_.spread = 1;
  // A column without ground: the mob stands on the world's floor.
  const std::int32_t floor = world.config().min_chunk_y * world::kChunkSize - 1;
  const auto side = static_cast<std::uint64_t>(2 * config_.spread);
  mobs_.resize(config_.count);
  for (std::uint32_t i = 0; i < config_.count; ++i) {
    const MobId id = kFirstMobId + i;
    Mob& m = mobs_[i];
    const auto x = static_cast<std::int32_t>(draw(config_.seed, id, 0, 1) % side) - config_.spread;
    const auto z = static_cast<std::int32_t>(draw(config_.seed, id, 0, 2) % side) - config_.spread;
    const std::int32_t y = world.highest_solid(x, z).value_or(floor);
    m.cell = {x, y + 1, z};
    const Fx half = Fx::from_ratio(1, 2);
    m.position = {Fx::from_int(x) + half, Fx::from_int(y + 1), Fx::from_int(z) + half};
    m.yaw = static_cast<std::uint16_t>(draw(config_.seed, id, 0, 3));
    // First choices spread over the first strides, so mobs do not all choose on one tick.
    m.next_choice =
        1 + static_cast<std::uint32_t>(draw(config_.seed, id, 0, 4) % (config_.min_stride + 1));
  }
}

void Mobs::choose(MobId id, Mob& mob, std::uint32_t tick) const {
  const std::uint64_t r = draw(config_.seed, id, tick, 5);
  mob.walking = (r & 1) != 0;  // half the time it walks, else it stands
  mob.yaw = static_cast<std::uint16_t>(r >> 16);
  mob.next_choice = tick + config_.min_stride + static_cast<std::uint32_t>((r >> 40) % 60);
}

bool Mobs::enter(Mob& mob, world::BlockPos next) const {
  auto solid = [&](world::BlockPos p) { return world::block_info(world_->block_at(p)).solid; };
  if (solid(next)) {
    if (solid({next.x, next.y + 1, next.z})) return false;  // a wall
    mob.cell = {next.x, next.y + 1, next.z};
    return true;  // a step up
  }
  if (solid({next.x, next.y - 1, next.z})) {
    mob.cell = next;
    return true;
  }
  if (!solid({next.x, next.y - 2, next.z})) return false;  // a drop deeper than one block
  mob.cell = {next.x, next.y - 1, next.z};
  return true;  // a step down
}

const std::vector<MobId>& Mobs::step(std::uint32_t tick, Fx dt) {
  changed_.clear();
  turned_.clear();
  const Fx stride = config_.speed * dt;
  for (std::size_t i = 0; i < mobs_.size(); ++i) {
    const MobId id = kFirstMobId + static_cast<MobId>(i);
    Mob& m = mobs_[i];
    const std::uint16_t yaw = m.yaw;
    const bool walking = m.walking;
    bool changed = false;
    if (tick >= m.next_choice) {
      choose(id, m, tick);
      changed = yaw != m.yaw || walking != m.walking;
    }
    if (m.walking) {
      Vec3 next = m.position;
      next.x -= sin_turn(m.yaw) * stride;
      next.z += cos_turn(m.yaw) * stride;
      const world::BlockPos cell{static_cast<std::int32_t>(next.x.floor()), m.cell.y,
                                 static_cast<std::int32_t>(next.z.floor())};
      if (cell.x == m.cell.x && cell.z == m.cell.z) {
        m.position = next;  // within its block: the ground is the one it stands on
      } else if (enter(m, cell)) {
        next.y = Fx::from_int(m.cell.y);
        m.position = next;
      } else {
        m.yaw = static_cast<std::uint16_t>(m.yaw + 0x8000);  // back the way it came, standing
        m.walking = false;
      }
      changed = true;
    }
    if (changed) changed_.push_back(id);
    if (yaw != m.yaw || walking != m.walking) turned_.push_back(id);
  }
  return changed_;
}

std::uint64_t Mobs::hash() const {
  if (mobs_.empty()) return 0;
  Bytes b;
  b.reserve(mobs_.size() * 32);
  ByteWriter w(b);
  for (const Mob& m : mobs_) {
    for (Fx v : {m.position.x, m.position.y, m.position.z})
      w.u64le(static_cast<std::uint64_t>(v.raw()));
    w.u16le(m.yaw);
    w.u8(m.walking ? 1 : 0);
    w.u32le(m.next_choice);
  }
  return siphash24(kMobHashKey, b);
}

}  // namespace theta_net::sim
