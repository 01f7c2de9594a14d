#include "arena_server.hpp"

#include <algorithm>
#include <theta_net/replication/component_codec.hpp>

namespace arena {

using theta_net::Fx;
using theta_net::session::HostEvent;

namespace {

theta_net::session::SessionHostConfig session_config(const ServerConfig& config) {
  theta_net::session::SessionHostConfig c;
  c.handshake.tick_rate = static_cast<std::uint16_t>(config.tick_rate);
  c.handshake.resume_window = config.resume_window;
  return c;
}

theta_net::replication::ReplicationHostConfig replication_config(const ServerConfig& config) {
  theta_net::replication::ReplicationHostConfig c;
  // Every entity_update_interval ticks: half a tick short of it, so the tick that is due is
  // never missed by the period's rounding to whole microseconds.
  const Micros period(1'000'000 / config.tick_rate);
  c.entities.update_interval = period * config.entity_update_interval - period / 2;
  c.entities.bytes_per_second = config.bytes_per_second;
  return c;
}

theta_net::netcode::LagCompensationConfig lag_config(const ServerConfig& config) {
  return {config.tick_rate, config.max_rewind};
}

// A player's hit volume: its square, a block tall, on the floor plane z = 0.
theta_net::netcode::HitVolume volume_of(const PlayerView& p) {
  return {p.entity, {p.body.x, p.body.y, Fx{}}, {kPlayerRadius, kPlayerRadius, Fx::from_int(1)}};
}

}  // namespace

Server::Server(ServerConfig config, theta_net::Ed25519KeyPair key, theta_net::Rng rng,
               theta_net::replay::EventWriter* events)
    : config_(config),
      host_(session_config(config), key, rng),
      replication_(components().schema, components().schema, replication_config(config)),
      lag_(lag_config(config)),
      events_(events) {
  if (config_.fire_cooldown_ticks == 0)
    config_.fire_cooldown_ticks = std::max(1u, config_.tick_rate / 4);
  tick_period_ = Micros(1'000'000 / config_.tick_rate);
}

void Server::log(const theta_net::replay::Event& event) {
  if (events_) (void)events_->write(event);
}

void Server::handle_sessions(Micros now) {
  now_ = now;
  if (!next_tick_) next_tick_ = now + tick_period_;
  while (auto event = host_.next_event()) on_event(*event);
  // Sessions not resumed in time leave the arena.
  std::vector<std::uint64_t> gone;
  for (const auto& [session, p] : players_) {
    if (!p->connected && now - p->detached_at > config_.resume_window) gone.push_back(session);
  }
  for (const std::uint64_t session : gone) leave(session, players_[session]->detail);
}

void Server::on_event(HostEvent& event) {
  switch (event.kind) {
    case HostEvent::Kind::kSessionStarted:
      return join(event);
    case HostEvent::Kind::kSessionEnded:
      // A session the host still knows may be resumed; a kicked or banned one is gone for good.
      if (host_.handshake().session(event.session_id))
        return detach(event.session_id, event.detail);
      return leave(event.session_id, event.detail);
    case HostEvent::Kind::kMessage: {
      const auto it = players_.find(event.session_id);
      if (it == players_.end() || !it->second->connected || !event.message) return;
      Player& p = *it->second;
      if (const auto* input = std::get_if<theta_net::protocol::GameInput>(&*event.message)) {
        return on_input(p, *input);
      }
      if (std::holds_alternative<theta_net::protocol::ClientReady>(*event.message)) {
        (void)replication_.on_message(p.replication_id, *event.message);
        return;
      }
      // The arena has no use for the other messages a player may send (chat, say): it ignores
      // them rather than breaking the session.
      return;
    }
    default:
      return;
  }
}

void Server::join(const HostEvent& event) {
  auto& slot = players_[event.session_id];
  if (!slot) {
    slot = std::make_unique<Player>();
    slot->view.entity = next_entity_++;
    slot->session_id = event.session_id;
    slot->view.body = spawn_point(slot->view.entity, 0);
    ++stats_.joins;
    log(theta_net::replay::Event(tick_, "join")
            .entity(slot->view.entity)
            .set("name", event.session.client_name));
  } else {
    // A resumed session: replication starts afresh on the new connection; the input buffer
    // keeps its baselines (the client acknowledged them).
    replication_.remove_client(slot->replication_id);
  }
  slot->conn = event.conn;
  slot->connected = true;
  slot->replication_id = replication_.add_client();
}

void Server::detach(std::uint64_t session_id, const std::string& why) {
  // The player stays (standing still: its inputs starve) while the session may be resumed.
  const auto it = players_.find(session_id);
  if (it == players_.end()) return;
  Player& p = *it->second;
  p.connected = false;
  p.detached_at = now_;
  p.detail = why;
  replication_.remove_client(p.replication_id);
  p.replication_id = 0;
}

void Server::leave(std::uint64_t session_id, const std::string& why) {
  const auto it = players_.find(session_id);
  if (it == players_.end()) return;
  if (it->second->connected) replication_.remove_client(it->second->replication_id);
  replication_.entities().remove_entity(it->second->view.entity);
  log(theta_net::replay::Event(tick_, "leave").entity(it->second->view.entity).set("detail", why));
  players_.erase(it);
  ++stats_.leaves;
}

void Server::on_input(Player& p, const theta_net::protocol::GameInput& input) {
  (void)replication_.on_message(p.replication_id, theta_net::protocol::AnyMessage(input));
  if (!p.inputs.add_bundle(input.bundle, tick_ + 1).ok()) ++stats_.bundles_refused;
}

void Server::tick(Micros now) {
  (void)now;
  tick_ += 1;
  host_.set_server_tick(tick_);
  // Moves first, then shots against the world as the shooters saw it.
  struct Fired {
    Player* shooter;
    Body from;
    Input input;
  };
  std::vector<Fired> fired;
  for (auto& [session, p] : players_) {
    const std::uint64_t starved_before = p->inputs.stats().starved;
    const Input input = input_from_codes(p->inputs.take(tick_));
    if (p->inputs.stats().starved != starved_before) ++stats_.inputs_starved;
    step_body(p->view.body, input, config_.tick_rate);
    p->view.aim = input.aim;
    if (input.fire && tick_ >= p->last_shot_tick + config_.fire_cooldown_ticks) {
      p->last_shot_tick = tick_;
      fired.push_back({p.get(), p->view.body, input});
    }
  }
  killed_this_tick_.clear();
  for (const Fired& f : fired) shoot(*f.shooter, f.from, f.input);
  std::vector<theta_net::netcode::HitVolume> volumes;
  for (auto& [session, p] : players_) volumes.push_back(volume_of(p->view));
  std::sort(volumes.begin(), volumes.end(),
            [](const auto& a, const auto& b) { return a.entity < b.entity; });
  (void)lag_.record(tick_, volumes);
  publish();
  replication_.step(tick_, now);
  send_states();
  host_.flush();
  if (config_.hash_interval && tick_ % config_.hash_interval == 0) {
    log(theta_net::replay::Event(tick_, "state")
            .set("digest", theta_net::replay::JsonValue(std::to_string(state_digest())))
            .set("players", std::uint64_t{players_.size()}));
  }
  ++stats_.ticks;
  *next_tick_ += tick_period_;
}

void Server::shoot(Player& shooter, const Body& from, const Input& input) {
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
  const auto victim = std::find_if(players_.begin(), players_.end(), [&](const auto& entry) {
    return entry.second->view.entity == result.hit->entity;
  });
  log(shot.set("hit", true).set("target", result.hit->entity));
  if (victim == players_.end()) return;  // left since the tick it was seen at
  Player& v = *victim->second;
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

void Server::publish() {
  theta_net::replication::WorldState& entities = replication_.entities();
  const std::size_t k = components().player_index;
  for (auto& [session, p] : players_) {
    const PlayerView& v = p->view;
    const std::array<std::int64_t, 5> raw{v.body.x.raw(), v.body.y.raw(), (v.aim & 4095) << 4,
                                          v.health, v.score};
    entities.set_raw(v.entity, k, raw);
  }
  // Everyone sees everyone: the arena is one room.
  for (auto& [session, p] : players_) {
    if (!p->connected) continue;
    if (auto* interest = replication_.interest_of(p->replication_id)) {
      for (auto& [other_session, other] : players_) interest->always_see(other->view.entity);
    }
  }
}

void Server::send_states() {
  for (auto& [session, p] : players_) {
    if (!p->connected) continue;
    theta_net::protocol::GameState state;
    state.server_tick = tick_;
    state.entity = p->view.entity;
    state.last_input_tick = p->inputs.last_applied_tick();
    state.component = components().body.id();
    theta_net::replication::encode_component(components().body, body_codes(p->view.body),
                                             state.state);
    (void)host_.send(p->conn, state);
    for (auto& queued : replication_.drain(p->replication_id, 1u << 20)) {
      (void)host_.send_encoded(p->conn, std::move(queued.message));
    }
  }
}

std::vector<PlayerView> Server::players() const {
  std::vector<PlayerView> out;
  for (const auto& [session, p] : players_) out.push_back(p->view);
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.entity < b.entity; });
  return out;
}

}  // namespace arena
