#include "theta_net/sim/simulation.hpp"

#include "theta_net/core/byte_io.hpp"
#include "theta_net/core/siphash.hpp"

namespace theta_net::sim {
namespace {

using world::BlockPos;

constexpr SipKey kPlayerHashKey{0x706c61796572ull, 0x7374617465ull};  // "player", "state"

world::BlockPos face_offset(world::BlockPos p, protocol::BlockFace face) {
  switch (face) {
    case protocol::BlockFace::kDown:
      --p.y;
      break;
    case protocol::BlockFace::kUp:
      ++p.y;
      break;
    case protocol::BlockFace::kNorth:
      --p.z;
      break;
    case protocol::BlockFace::kSouth:
      ++p.z;
      break;
    case protocol::BlockFace::kWest:
      --p.x;
      break;
    case protocol::BlockFace::kEast:
      ++p.x;
      break;
  }
  return p;
}

Vec3 block_centre(BlockPos p) {
  const Fx half = Fx::from_ratio(1, 2);
  return {Fx::from_int(p.x) + half, Fx::from_int(p.y) + half, Fx::from_int(p.z) + half};
}

// Whether the unit cube at `cell` overlaps a player's box.
bool overlaps_player(BlockPos cell, const PlayerState& s, const Rules& r) {
  const Fx x0 = Fx::from_int(cell.x), y0 = Fx::from_int(cell.y), z0 = Fx::from_int(cell.z);
  const Fx one = Fx::from_int(1);
  return s.position.x - r.half_width < x0 + one && s.position.x + r.half_width > x0 &&
         s.position.y < y0 + one && s.position.y + r.height > y0 &&
         s.position.z - r.half_width < z0 + one && s.position.z + r.half_width > z0;
}

}  // namespace

std::uint64_t player_hash(PlayerId id, const PlayerState& s) {
  Bytes b;
  ByteWriter w(b);
  w.u32le(id);
  for (Fx v :
       {s.position.x, s.position.y, s.position.z, s.velocity.x, s.velocity.y, s.velocity.z}) {
    w.u64le(static_cast<std::uint64_t>(v.raw()));
  }
  w.u16le(s.yaw);
  w.u16le(static_cast<std::uint16_t>(s.pitch));
  w.u8(s.on_ground ? 1 : 0);
  w.u16le(static_cast<std::uint16_t>(s.health));
  w.u8(s.selected_slot);
  w.u32le(s.last_input_sequence);
  return siphash24(kPlayerHashKey, b);
}

std::uint64_t chunk_set_hash(const world::ChunkStore& store,
                             const std::vector<world::ChunkPos>& positions) {
  std::uint64_t h = 0;
  for (const world::ChunkPos& pos : positions) {
    if (const world::Chunk* chunk = store.find(pos)) h ^= world::chunk_hash(pos, *chunk);
  }
  return h;
}

Simulation::Simulation(Rules rules, world::ChunkStore& world, MobConfig mobs)
    : rules_(rules), world_(&world), mobs_(mobs, world) {}

Vec3 Simulation::spawn_point(std::size_t index) const {
  // On the highest solid block of column (2 * index, 0), players 2 blocks apart on x; a column
  // with no ground (a hole to the void) passes to the next one.
  const Fx half = Fx::from_ratio(1, 2);
  for (auto x = static_cast<std::int32_t>(2 * index); x < static_cast<std::int32_t>(2 * index) + 64;
       ++x) {
    if (const auto y = world_->highest_solid(x, 0)) {
      return {Fx::from_int(x) + half, Fx::from_int(*y + 1), half};
    }
  }
  return {half, Fx::from_int(world_->top_y() + 1), half};
}

PlayerId Simulation::add_player(std::string name) {
  const PlayerId id = next_player_++;
  Player player;
  player.name = std::move(name);
  player.state.position = spawn_point(players_.size());
  player.state.on_ground = true;  // the spawn point stands on a block
  players_.emplace(id, std::move(player));
  return id;
}

void Simulation::remove_player(PlayerId id) {
  players_.erase(id);
}

const Player* Simulation::player(PlayerId id) const {
  const auto it = players_.find(id);
  return it == players_.end() ? nullptr : &it->second;
}

StepReport Simulation::step(const std::map<PlayerId, protocol::InputFrame>& inputs) {
  StepReport report;
  report.tick = ++tick_;
  // Players in id order: a block placed by player 1 this tick is there for player 2's collisions.
  for (auto& [id, player] : players_) {
    const auto input = inputs.find(id);
    protocol::InputFrame still;
    still.yaw = player.state.yaw;
    still.pitch = player.state.pitch;
    still.sequence = player.state.last_input_sequence;
    const protocol::InputFrame& in = input != inputs.end() ? input->second : still;
    step_movement(player.state, in, *world_, rules_);  // also takes fall damage from health
    if (in.inventory && in.inventory->kind == protocol::InventoryOpKind::kSelect) {
      player.state.selected_slot = static_cast<std::uint8_t>(in.inventory->slot % 9);
    }
    if (in.block) apply_block_action(id, player.state, *in.block, report);
    if (player.state.position.y < rules_.void_y || player.state.health <= 0) {
      const PlayerState old = player.state;
      player.state = PlayerState{};
      player.state.position = spawn_point(0);
      player.state.on_ground = true;
      player.state.yaw = old.yaw;
      player.state.last_input_sequence = old.last_input_sequence;
      report.respawned.push_back(id);
    }
  }
  // Mobs after players: a block a player placed this tick is there for them.
  report.mobs_moved = mobs_.step(tick_, rules_.dt());
  report.mobs_turned = mobs_.turned();
  return report;
}

void Simulation::apply_block_action(PlayerId id, const PlayerState& state,
                                    const protocol::BlockAction& action, StepReport& report) {
  const BlockPos target{action.target.x, action.target.y, action.target.z};
  const Vec3 eye{state.position.x, state.position.y + rules_.eye_height, state.position.z};
  if (distance(eye, block_centre(target)) > rules_.reach + Fx::from_ratio(1, 2)) {
    report.rejected.push_back({id, "out of reach"});
    return;
  }
  if (!world_->loaded_block(target)) {
    world_->block_at(target);  // the server generates what a player can reach
  }
  const world::BlockId target_id = world_->block_at(target);
  if (action.kind == protocol::BlockActionKind::kBreak) {
    if (!world::block_info(target_id).breakable) {
      report.rejected.push_back({id, "that block cannot be broken"});
      return;
    }
    if (!world_->set_block(target, world::blocks::kAir).ok()) {
      report.rejected.push_back({id, "outside the world"});
      return;
    }
    report.edits.push_back({target, target_id, world::blocks::kAir, id});
    return;
  }
  // Placing: against a solid face, into a replaceable cell that no player stands in.
  const world::BlockId placed = action.block;
  if (placed == world::blocks::kAir || placed >= world::blocks::kCount ||
      placed == world::blocks::kBedrock || placed == world::blocks::kWater) {
    report.rejected.push_back({id, "that block cannot be placed"});
    return;
  }
  if (!world::block_info(target_id).solid) {
    report.rejected.push_back({id, "nothing to place against"});
    return;
  }
  const BlockPos cell = face_offset(target, action.face);
  const world::BlockId before = world_->block_at(cell);
  if (!world::block_info(before).replaceable) {
    report.rejected.push_back({id, "the cell is occupied"});
    return;
  }
  for (const auto& [other, player] : players_) {
    if (overlaps_player(cell, player.state, rules_)) {
      report.rejected.push_back({id, "a player stands there"});
      return;
    }
  }
  if (!world_->set_block(cell, placed).ok()) {
    report.rejected.push_back({id, "outside the world"});
    return;
  }
  report.edits.push_back({cell, before, placed, id});
}

SectionHashes Simulation::hashes() {
  SectionHashes h;
  for (const auto& [id, player] : players_)
    h.players = h.players * 0x9e3779b97f4a7c15ull + player_hash(id, player.state);
  h.entities = mobs_.hash();
  for (const world::ChunkPos& pos : world_->positions()) {
    const world::Chunk* chunk = world_->find(pos);
    if (chunk->revision == 0) continue;  // as generated: a pure function of the seed
    auto& cached = chunk_hash_cache_[pos];
    if (cached.second == 0 || cached.first != chunk->revision) {
      cached = {chunk->revision, world::chunk_hash(pos, *chunk)};
    }
    h.chunks ^= cached.second;
  }
  return h;
}

}  // namespace theta_net::sim
