#include "arena_client.hpp"

#include <algorithm>
#include <array>
#include <theta_net/core/vec3.hpp>
#include <theta_net/replication/component_codec.hpp>

namespace arena {

using theta_net::Fx;
using theta_net::session::ClientEvent;

namespace {

theta_net::session::SessionClientConfig session_config(const ClientConfig& config) {
  theta_net::session::SessionClientConfig c;
  c.handshake.client_name = config.name;
  return c;
}

// The aim (1/4096 turn) closest to the direction (dx, dy): the direction table searched coarsely,
// then around the best coarse step. Exact and the same everywhere, like the table.
std::int64_t aim_towards(Fx dx, Fx dy) {
  auto score = [&](std::int64_t a) {
    const auto [c, s] = direction(a);
    return c * dx + s * dy;
  };
  std::int64_t best = 0;
  for (std::int64_t a = 0; a < 4096; a += 64) {
    if (score(a) > score(best)) best = a;
  }
  std::int64_t fine = best;
  for (std::int64_t a = best - 64; a <= best + 64; ++a) {
    if (score(a & 4095) > score(fine)) fine = a & 4095;
  }
  return fine;
}

// The prediction keeps two seconds of history (and a margin): a round trip longer than that
// finds no prediction to compare with.
std::size_t history_ticks(std::uint32_t tick_rate) {
  return 2 * tick_rate + 64;
}

// A stick pointing from `from` to `to`, at most 1 on each axis.
std::array<Fx, 2> stick_towards(Fx fx, Fx fy, Fx tx, Fx ty) {
  const Fx dx = tx - fx, dy = ty - fy;
  const Fx longest = std::max(dx.abs(), dy.abs());
  if (longest.raw() == 0) return {Fx{}, Fx{}};
  if (longest < Fx::from_int(1)) return {dx, dy};
  return {dx / longest, dy / longest};
}

}  // namespace

Client::Client(ClientConfig config, theta_net::Ed25519KeyPair key, theta_net::Rng rng)
    : config_(std::move(config)),
      session_(session_config(config_), key, rng),
      bot_(config_.bot_seed),
      predictor_(Model{tick_rate_}, history_ticks(tick_rate_)),
      sender_(input_schema()),
      replication_(components().schema, components().schema) {
  if (config_.interpolation_ticks == 0)
    config_.interpolation_ticks = 2 * config_.entity_update_interval + 1;
}

void Client::step(Micros now) {
  while (auto event = session_.next_event()) {
    switch (event->kind) {
      case ClientEvent::Kind::kEstablished:
        on_established(*event->ack, now);
        break;
      case ClientEvent::Kind::kMessage:
        on_message(*event->message, now);
        break;
      default:
        break;  // a lost connection: the driver redials, the session resumes
    }
  }
  if (session_.state() != theta_net::session::SessionState::kEstablished) return;
  for (theta_net::protocol::AnyMessage& message : replication_.take_outgoing()) {
    if (!session_.send(message).ok()) ++stats_.sends_refused;
  }
  predict_due_ticks(now);
}

void Client::on_pause(Micros, Micros) {
  // Start again from the server's word rather than replaying the missed time in a burst.
  resyncing_ = true;
  next_input_tick_ = 0;
}

void Client::on_established(const theta_net::protocol::SessionAck& ack, Micros now) {
  ++stats_.connections;
  if (ack.tick_rate != 0 && ack.tick_rate != tick_rate_) {
    tick_rate_ = ack.tick_rate;
    clock_ = theta_net::netcode::ServerClock(tick_rate_);
    predictor_ = theta_net::netcode::Predictor<Model>(Model{tick_rate_}, history_ticks(tick_rate_));
    has_body_ = false;
  }
  // A new session has no input of ours to code against; a resumed one keeps its baselines.
  if (!ack.resumed) sender_ = theta_net::netcode::InputSender(input_schema());
  replication_ =
      theta_net::replication::ReplicationClient(components().schema, components().schema);
  remote_.clear();
  clock_.on_server_tick(ack.server_tick, now, Micros{0});
  resyncing_ = has_body_;
  next_input_tick_ = 0;
}

void Client::on_message(const theta_net::protocol::AnyMessage& message, Micros now) {
  if (const auto* state = std::get_if<theta_net::protocol::GameState>(&message))
    return on_state(*state, now);
  std::optional<std::uint32_t> delta_tick;
  if (const auto* delta = std::get_if<theta_net::protocol::EntityDelta>(&message)) {
    clock_.on_server_tick(delta->server_tick, now, session_.rtt());
    delta_tick = delta->server_tick;
  }
  const theta_net::Status taken = replication_.on_message(message);
  if (!delta_tick) return;
  if (!taken.ok()) {
    ++stats_.delta_errors;
    return;
  }
  // A stale delta (older than the replica) changes nothing: it is no sample of its tick.
  if (replication_.ack_tick() != *delta_tick) return;
  ++stats_.deltas;
  on_entities(*delta_tick);
}

void Client::on_state(const theta_net::protocol::GameState& state, Micros now) {
  clock_.on_server_tick(state.server_tick, now, session_.rtt());
  if (state.component != components().body.id()) return;
  std::array<std::int64_t, kBodySlots> codes{};
  if (!theta_net::replication::decode_component(components().body, state.state, codes).ok()) return;
  const Body body = body_from_codes(codes);
  sender_.acknowledge(state.last_input_tick);
  if (entity_ != state.entity) {
    entity_ = state.entity;
    remote_.erase(entity_);  // seen in a delta before we knew it was ours
  }
  if (!has_body_ || resyncing_) {
    if (has_body_ && state.server_tick <= last_state_tick_) return;
    predictor_.reset(body, state.server_tick);
    has_body_ = true;
    resyncing_ = false;
    last_state_tick_ = state.server_tick;
    return;
  }
  if (state.server_tick <= last_state_tick_) return;  // late or repeated
  last_state_tick_ = state.server_tick;
  if (const auto diff = predictor_.diff_at(body, state.server_tick)) {
    if (diff->respawned) {
      ++stats_.respawns;  // a teleport, not a prediction error
    } else {
      ++stats_.states;
      const double error = diff->position.to_double();
      stats_.error_sum += error;
      stats_.error_max = std::max(stats_.error_max, error);
      if (const Body* predicted = predictor_.state_at(state.server_tick)) {
        const Fx distance =
            theta_net::distance({predicted->x, predicted->y, Fx{}}, {body.x, body.y, Fx{}});
        stats_.error_ms_sum += distance.to_double() / kMaxSpeed.to_double() * 1000.0;
      }
    }
  }
  if (const auto correction = predictor_.reconcile(body, state.server_tick)) {
    ++stats_.corrections;
    stats_.ticks_replayed += correction->ticks_replayed;
  }
}

void Client::on_entities(std::uint32_t server_tick) {
  const theta_net::replication::WorldState& world = replication_.entities();
  const std::size_t k = components().player_index;
  std::array<std::int64_t, 5> raw{};
  for (std::size_t i = 0; i < world.size(); ++i) {
    const std::uint64_t id = world.id(i);
    if (id == entity_ || !(world.mask(i) >> k & 1)) continue;
    world.get_raw(i, k, raw);
    auto it = remote_.try_emplace(id, components().player).first;
    (void)it->second.add(server_tick, raw);
  }
  // Players gone from the replica are gone from the view.
  std::erase_if(remote_, [&](const auto& entry) {
    return entry.first == entity_ || !world.find(entry.first);
  });
}

Fx Client::render_tick(Micros now) const {
  // The server's tick now, less the one-way delay (the newest delta is that old when it
  // arrives), less the interpolation delay.
  const Fx one_way = Fx::from_ratio(session_.rtt().count() * tick_rate_, 2'000'000);
  return clock_.server_tick_at(now) - one_way - Fx::from_int(config_.interpolation_ticks);
}

std::vector<RemoteView> Client::remote_at(Micros now) const {
  std::vector<RemoteView> out;
  if (!clock_.synced()) return out;
  const Fx at = render_tick(now);
  std::array<std::int64_t, 5> raw{};
  for (const auto& [id, interpolator] : remote_) {
    if (!interpolator.view_at(at, raw).valid) continue;
    out.push_back(
        {id, Fx::from_raw(raw[0]), Fx::from_raw(raw[1]), (raw[2] & 0xffff) >> 4, raw[3], raw[4]});
  }
  return out;
}

Input Client::decide(std::uint32_t tick, Micros now) {
  // Until the first round trip is measured the inputs' lead is a guess, and a moving input that
  // arrives after its tick is a correction: the bot waits (a game would still be on its
  // "connecting" screen).
  if (session_.rtt().count() == 0) return Input{};
  const Body& me = predictor_.state();
  if (tick >= waypoint_until_ ||
      (me.x - waypoint_x).abs() + (me.y - waypoint_y).abs() < Fx::from_int(1)) {
    waypoint_x = Fx::from_int(bot_.uniform_int(-22, 22));
    waypoint_y = Fx::from_int(bot_.uniform_int(-22, 22));
    waypoint_until_ = tick + 3 * tick_rate_;
  }
  Input input;
  const auto stick = stick_towards(me.x, me.y, waypoint_x, waypoint_y);
  input.move_x = stick[0];
  input.move_y = stick[1];
  // Aim at the nearest player in sight; fire now and then when one is in range.
  std::optional<RemoteView> target;
  Fx nearest = kWeaponRange;
  for (const RemoteView& r : remote_at(now)) {
    const Fx d = theta_net::distance({me.x, me.y, Fx{}}, {r.x, r.y, Fx{}});
    if (d < nearest) {
      nearest = d;
      target = r;
    }
  }
  if (target) {
    input.aim = aim_towards(target->x - me.x, target->y - me.y);
    input.fire = bot_.uniform(4) == 0;
  }
  const Fx lag = Fx::from_int(tick) - render_tick(now);
  input.view_lag = std::clamp<std::int64_t>((lag * kViewLagSteps).floor(), 0, kMaxViewLag);
  return input;
}

void Client::predict_due_ticks(Micros now) {
  if (!has_body_ || resyncing_ || !clock_.synced()) return;
  const std::uint32_t target = clock_.input_tick_at(now, session_.rtt(), session_.jitter());
  if (next_input_tick_ == 0) {
    // Until our first input reaches the server it simulates "no input": so does the prediction.
    // Never at or before an input already sent (a resume, or a smaller round trip since).
    next_input_tick_ = std::max({target, predictor_.tick() + 1, sender_.last_tick() + 1});
    for (std::uint32_t t = predictor_.tick() + 1; t < next_input_tick_; ++t)
      predictor_.predict(t, Input{});
  }
  bool produced = false;
  for (std::uint32_t n = 0; next_input_tick_ <= target && n < 2 * tick_rate_; ++n) {
    const std::uint32_t tick = next_input_tick_++;
    const auto codes = codes_from_input(decide(tick, now));
    if (!sender_.push(tick, codes).ok()) continue;
    // The prediction steps with exactly what the server will decode.
    predictor_.predict(tick, input_from_codes(codes));
    ++stats_.inputs;
    produced = true;
  }
  if (!produced) return;
  auto bundle = sender_.bundle();
  if (!bundle || !bundle->has_value()) return;
  theta_net::protocol::GameInput message;
  message.last_server_tick = replication_.ack_tick();
  message.bundle = std::move(**bundle);
  stats_.input_bytes += message.bundle.size();
  ++stats_.input_messages;
  if (!session_.send(message).ok()) ++stats_.sends_refused;
}

}  // namespace arena
