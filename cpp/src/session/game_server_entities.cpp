// GameServer's entity side: each tick the players' and the moved mobs' components into the
// replication host's world, each client's interest centred on its player, the replication step
// (entity deltas by interest and priority), each player's exact own state, and the queued
// replication messages drained within the client's budget.
#include "game_server_client.hpp"
#include "theta_net/session/game_server.hpp"
#include "theta_net/sim/angle.hpp"

namespace theta_net::session {
namespace {

std::int64_t raw(Fx v) {
  return v.raw();
}

}  // namespace

void GameServer::publish_entities(const sim::StepReport& report, Micros now) {
  replication::WorldState& entities = replication_.entities();
  for (const auto& [id, player] : world_.simulation().players()) {
    const sim::PlayerState& s = player.state;
    reference_.set(entities, id,
                   replication::reference::Transform{s.position.x, s.position.y, s.position.z,
                                                     s.yaw, s.pitch});
    reference_.set(entities, id,
                   replication::reference::Velocity{s.velocity.x, s.velocity.y, s.velocity.z});
    reference_.set(entities, id, replication::reference::Health{s.health, 20});
    replication::reference::PlayerState ps;
    ps.on_ground = s.on_ground;
    ps.slot = s.selected_slot;
    reference_.set(entities, id, ps);
  }
  // Mobs: all of them once, then the transforms of those that moved and the velocities of those
  // that turned (the other rows stay as they were).
  const sim::Mobs& mobs = world_.simulation().mobs();
  auto publish_transform = [&](sim::MobId id) {
    const sim::Mob& m = mobs.mob(id);
    reference_.set(
        entities, id,
        replication::reference::Transform{m.position.x, m.position.y, m.position.z, m.yaw, 0});
  };
  auto publish_velocity = [&](sim::MobId id) {
    const sim::Mob& m = mobs.mob(id);
    const Fx speed = m.walking ? mobs.config().speed : Fx{};
    reference_.set(entities, id,
                   replication::reference::Velocity{-sim::sin_turn(m.yaw) * speed, Fx{},
                                                    sim::cos_turn(m.yaw) * speed});
  };
  if (!mobs_published_) {
    for (std::size_t i = 0; i < mobs.size(); ++i) {
      publish_transform(sim::kFirstMobId + static_cast<sim::MobId>(i));
      publish_velocity(sim::kFirstMobId + static_cast<sim::MobId>(i));
    }
    mobs_published_ = true;
  } else {
    for (const sim::MobId id : report.mobs_moved) publish_transform(id);
    for (const sim::MobId id : report.mobs_turned) publish_velocity(id);
  }
  // Players who left: their entities go (the replicator despawns them for every client). Entities
  // are in id order, players first: the mobs after them are not looked at.
  for (std::size_t i = 0; i < entities.size() && entities.id(i) < sim::kFirstMobId;) {
    const replication::EntityId id = entities.id(i);
    if (!world_.simulation().player(static_cast<sim::PlayerId>(id))) {
      entities.remove_entity(id);
    } else {
      ++i;
    }
  }
  for (auto& [conn, c] : clients_) {
    replication_.set_last_input_sequence(c->replication_id, c->inputs.last_applied_sequence());
    if (const sim::Player* p = world_.simulation().player(c->player)) {
      if (auto* interest = replication_.interest_of(c->replication_id)) {
        interest->set_center(replication_.interest().cell_of(
            p->state.position.x, p->state.position.y, p->state.position.z));
      }
    }
  }
  replication_.step(report.tick, now, config_.replicate_on_workers ? &workers_ : nullptr);
}

void GameServer::send_own_state(Client& c, std::uint32_t tick) {
  const sim::Player* p = world_.simulation().player(c.player);
  if (!p) return;
  const sim::PlayerState& s = p->state;
  protocol::OwnPlayerState own;
  own.server_tick = tick;
  own.entity = c.player;
  own.last_input_sequence = c.inputs.last_applied_sequence();
  own.position = {raw(s.position.x), raw(s.position.y), raw(s.position.z)};
  own.velocity = {raw(s.velocity.x), raw(s.velocity.y), raw(s.velocity.z)};
  own.yaw = s.yaw;
  own.pitch = s.pitch;
  own.on_ground = s.on_ground;
  own.health = s.health;
  own.selected_slot = s.selected_slot;
  send(c.conn, own);
  c.budget.spend(64);  // about the frame's size; a datagram every tick
}

void GameServer::drain_replication(Client& c, std::uint64_t& credit) {
  for (replication::QueuedMessage& queued : replication_.drain(c.replication_id, credit)) {
    // The (empty) snapshot announcement: SyncProgress is the data layer's here (see the header).
    if (queued.message.type == static_cast<std::uint16_t>(protocol::MessageType::kSyncProgress))
      continue;
    const std::size_t size = queued.message.body.size();
    credit = credit > size ? credit - size : 0;
    c.budget.spend(size);
    c.metrics.entity_bytes += size;
    if (!host_.send_encoded(c.conn, std::move(queued.message)).ok()) ++metrics_.sends_refused;
  }
}

}  // namespace theta_net::session
