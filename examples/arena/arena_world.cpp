#include "arena_world.hpp"

#include <algorithm>
#include <theta_net/core/siphash.hpp>
#include <theta_net/replay/stream_header.hpp>

namespace arena {

namespace {

// A player's hit volume: its square, a block tall, on the floor plane z = 0.
theta_net::netcode::HitVolume volume_of(const PlayerView& p) {
  return {p.entity, {p.body.x, p.body.y, Fx{}}, {kPlayerRadius, kPlayerRadius, Fx::from_int(1)}};
}

}  // namespace

WorldConfig resolved(WorldConfig config) {
  if (config.fire_cooldown_ticks == 0)
    config.fire_cooldown_ticks = std::max(1u, config.tick_rate / 4);
  return config;
}

World::World(WorldConfig config, theta_net::replay::EventWriter* events)
    : config_(resolved(config)), events_(events), lag_({config.tick_rate, config.max_rewind}) {}

void World::log(const theta_net::replay::Event& event) {
  if (events_) (void)events_->write(event);
}

std::uint64_t World::join(const std::string& name) {
  const std::uint64_t entity = next_entity_++;
  Player& p = players_[entity];
  p.view.entity = entity;
  p.view.body = spawn_point(entity, 0);
  ++stats_.joins;
  log(theta_net::replay::Event(tick_, "join").entity(entity).set("name", name));
  return entity;
}

void World::leave(std::uint64_t entity, const std::string& detail) {
  if (!players_.erase(entity)) return;
  ++stats_.leaves;
  log(theta_net::replay::Event(tick_, "leave").entity(entity).set("detail", detail));
}

std::vector<PlayerView> World::players() const {
  std::vector<PlayerView> out;
  out.reserve(players_.size());
  for (const auto& [entity, p] : players_) out.push_back(p.view);
  return out;
}

const PlayerView* World::player(std::uint64_t entity) const {
  const auto it = players_.find(entity);
  return it == players_.end() ? nullptr : &it->second.view;
}

void World::step(std::span<const TickInput> inputs) {
  tick_ += 1;
  // Moves first, then shots against the world as the shooters saw it.
  struct Fired {
    Player* shooter;
    Body from;
    Input input;
  };
  std::vector<Fired> fired;
  for (auto& [entity, p] : players_) {
    const std::uint64_t id = entity;  // a structured binding cannot be captured (C++20, clang)
    const auto given = std::find_if(inputs.begin(), inputs.end(),
                                    [id](const TickInput& in) { return in.entity == id; });
    const Input input = given == inputs.end() ? Input{} : given->input;
    step_body(p.view.body, input, config_.tick_rate);
    p.view.aim = input.aim;
    if (input.fire && tick_ >= p.last_shot_tick + config_.fire_cooldown_ticks) {
      p.last_shot_tick = tick_;
      fired.push_back({&p, p.view.body, input});
    }
  }
  killed_this_tick_.clear();
  for (const Fired& f : fired) shoot(*f.shooter, f.from, f.input);
  std::vector<theta_net::netcode::HitVolume> volumes;
  for (const auto& [entity, p] : players_) volumes.push_back(volume_of(p.view));
  (void)lag_.record(tick_, volumes);  // in entity order: the map's
  if (config_.hash_interval && tick_ % config_.hash_interval == 0) {
    log(theta_net::replay::Event(tick_, "state")
            .set("digest", theta_net::replay::JsonValue(theta_net::replay::hex_hash(digest())))
            .set("players", std::uint64_t{players_.size()}));
  }
  ++stats_.ticks;
}

void World::shoot(Player& shooter, const Body& from, const Input& input) {
  ++stats_.shots;
  const auto end = shot_end(from, input.aim);
  const theta_net::netcode::HitRay ray{{from.x, from.y, Fx{}}, {end[0], end[1], Fx{}}};
  // The world the shooter drew: this tick, view_lag sixteenths of a tick ago.
  const Fx seen = Fx::from_int(tick_) - Fx::from_ratio(input.view_lag, kViewLagSteps);
  const theta_net::netcode::ShotResult result = lag_.hitscan_at(ray, shooter.view.entity, seen);
  if (result.clamped) ++stats_.rewinds_clamped;
  theta_net::replay::Event shot(tick_, "shot");
  shot.entity(shooter.view.entity).set("aim", input.aim).set("seen_tick", seen.to_double());
  if (!result.hit) return log(shot.set("hit", false));
  ++stats_.hits;
  log(shot.set("hit", true).set("target", result.hit->entity));
  const auto victim = players_.find(result.hit->entity);
  if (victim == players_.end()) return;  // left since the tick it was seen at
  Player& v = victim->second;
  // Killed by an earlier shot of this tick: it has respawned, and is not hit again at once.
  if (std::find(killed_this_tick_.begin(), killed_this_tick_.end(), v.view.entity) !=
      killed_this_tick_.end()) {
    return;
  }
  v.view.health -= kDamage;
  if (v.view.health > 0) return;
  ++stats_.kills;
  killed_this_tick_.push_back(v.view.entity);
  shooter.view.score = std::min(kMaxScore, shooter.view.score + 1);
  v.view.health = kMaxHealth;
  v.view.body = spawn_point(v.view.entity, ++v.spawns);
  log(theta_net::replay::Event(tick_, "kill")
          .entity(shooter.view.entity)
          .set("target", v.view.entity));
}

std::uint64_t World::digest() const {
  std::vector<std::uint8_t> bytes;
  auto put = [&bytes](std::int64_t v) {
    for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  };
  for (const auto& [entity, p] : players_) {
    const PlayerView& v = p.view;
    for (const std::int64_t field :
         {static_cast<std::int64_t>(entity), v.body.x.raw(), v.body.y.raw(), v.body.vx.raw(),
          v.body.vy.raw(), v.body.spawn, v.aim, v.health, v.score}) {
      put(field);
    }
  }
  return theta_net::siphash24(theta_net::SipKey{0, 0}, bytes);
}

}  // namespace arena
