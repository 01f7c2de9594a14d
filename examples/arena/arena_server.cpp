#include "arena_server.hpp"

#include <algorithm>
#include <theta_net/replication/component_codec.hpp>

namespace arena {

using theta_net::session::HostEvent;

namespace {

theta_net::session::SessionHostConfig session_config(const ServerConfig& config) {
  theta_net::session::SessionHostConfig c;
  c.handshake.tick_rate = static_cast<std::uint16_t>(config.world.tick_rate);
  c.handshake.resume_window = config.resume_window;
  return c;
}

theta_net::replication::ReplicationHostConfig replication_config(const ServerConfig& config) {
  theta_net::replication::ReplicationHostConfig c;
  // Every entity_update_interval ticks: half a tick short of it, so the tick that is due is
  // never missed by the period's rounding to whole microseconds.
  const Micros period(1'000'000 / config.world.tick_rate);
  c.entities.update_interval = period * config.entity_update_interval - period / 2;
  c.entities.bytes_per_second = config.bytes_per_second;
  return c;
}

}  // namespace

Server::Server(ServerConfig config, theta_net::Ed25519KeyPair key, theta_net::Rng rng,
               theta_net::replay::EventWriter* events, theta_net::netcode::InputLogWriter* inputs)
    : config_(config),
      host_(session_config(config), key, rng),
      replication_(components().schema, components().schema, replication_config(config)),
      world_(config.world, events),
      input_log_(inputs) {
  tick_period_ = Micros(1'000'000 / config_.world.tick_rate);
}

ServerStats Server::stats() const {
  ServerStats s;
  static_cast<WorldStats&>(s) = world_.stats();
  s.bundles_refused = bundles_refused_;
  s.inputs_starved = inputs_starved_;
  return s;
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
    slot->session_id = event.session_id;
    slot->entity = world_.join(event.session.client_name);
    if (input_log_) (void)input_log_->join(world_.tick(), slot->entity, event.session.client_name);
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
  const std::uint64_t entity = it->second->entity;
  if (it->second->connected) replication_.remove_client(it->second->replication_id);
  replication_.entities().remove_entity(entity);
  world_.leave(entity, why);
  if (input_log_) (void)input_log_->leave(world_.tick(), entity, why);
  players_.erase(it);
}

void Server::on_input(Player& p, const theta_net::protocol::GameInput& input) {
  (void)replication_.on_message(p.replication_id, theta_net::protocol::AnyMessage(input));
  if (!p.inputs.add_bundle(input.bundle, world_.tick() + 1).ok()) ++bundles_refused_;
}

void Server::tick(Micros now) {
  const std::uint32_t tick = world_.tick() + 1;
  host_.set_server_tick(tick);
  // Each player's input for the tick, in entity order: what the World steps with and the input
  // log keeps.
  std::map<std::uint64_t, std::vector<std::int64_t>> taken;
  for (auto& [session, p] : players_) {
    const std::uint64_t starved_before = p->inputs.stats().starved;
    const std::span<const std::int64_t> codes = p->inputs.take(tick);
    if (p->inputs.stats().starved != starved_before) ++inputs_starved_;
    taken[p->entity].assign(codes.begin(), codes.end());
  }
  std::vector<TickInput> inputs;
  for (const auto& [entity, codes] : taken) {
    if (input_log_) (void)input_log_->input(tick, entity, codes);
    inputs.push_back({entity, input_from_codes(codes)});
  }
  world_.step(inputs);
  publish();
  replication_.step(tick, now);
  send_states();
  host_.flush();
  *next_tick_ += tick_period_;
}

void Server::publish() {
  theta_net::replication::WorldState& entities = replication_.entities();
  const std::size_t k = components().player_index;
  for (const PlayerView& v : world_.players()) {
    const std::array<std::int64_t, 5> raw{v.body.x.raw(), v.body.y.raw(), (v.aim & 4095) << 4,
                                          v.health, v.score};
    entities.set_raw(v.entity, k, raw);
  }
  // Everyone sees everyone: the arena is one room.
  for (auto& [session, p] : players_) {
    if (!p->connected) continue;
    if (auto* interest = replication_.interest_of(p->replication_id)) {
      for (auto& [other_session, other] : players_) interest->always_see(other->entity);
    }
  }
}

void Server::send_states() {
  for (auto& [session, p] : players_) {
    if (!p->connected) continue;
    const PlayerView* view = world_.player(p->entity);
    if (!view) continue;
    theta_net::protocol::GameState state;
    state.server_tick = world_.tick();
    state.entity = p->entity;
    state.last_input_tick = p->inputs.last_applied_tick();
    state.component = components().body.id();
    theta_net::replication::encode_component(components().body, body_codes(view->body),
                                             state.state);
    (void)host_.send(p->conn, state);
    for (auto& queued : replication_.drain(p->replication_id, 1u << 20)) {
      (void)host_.send_encoded(p->conn, std::move(queued.message));
    }
  }
}

}  // namespace arena
