// The arena's client: a session::ClientApp built from the toolkit's generic parts. It stamps its
// inputs with the server tick they are for (netcode::ServerClock), predicts its own body with a
// netcode::Predictor over arena::Model, sends every unacknowledged input in each GameInput
// (netcode::InputSender, delta-coded against the input the server acknowledged), reconciles
// against each GameState, and draws the other players interpolated between entity deltas
// (replication::ReplicationClient, netcode::ComponentInterpolator), a few ticks in the past.
//
// Its inputs come from a Bot: it walks to random waypoints, aims at the nearest player it sees
// and fires when one is in range; every choice is drawn from a seeded generator, so a run over
// SimNet is the same run every time.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <theta_net/core/ed25519.hpp>
#include <theta_net/core/rng.hpp>
#include <theta_net/netcode/field_interpolation.hpp>
#include <theta_net/netcode/input_sender.hpp>
#include <theta_net/netcode/predictor.hpp>
#include <theta_net/netcode/server_clock.hpp>
#include <theta_net/replication/replication_client.hpp>
#include <theta_net/session/client_app.hpp>
#include <theta_net/session/session_client.hpp>

#include "arena_rules.hpp"

namespace arena {

using theta_net::Micros;

struct ClientConfig {
  std::string name;
  std::uint64_t bot_seed = 1;
  // Remote players are drawn this many ticks behind the newest server tick that can have arrived
  // (the server's tick now less the one-way delay). 0: two entity update intervals and one tick,
  // so one lost delta still leaves a sample on each side.
  std::uint32_t interpolation_ticks = 0;
  std::uint32_t entity_update_interval = 2;  // the server's, to choose the default above
};

struct ClientStats {
  std::uint64_t connections = 0;
  std::uint64_t states = 0;       // GameStates compared with the prediction (same life)
  std::uint64_t corrections = 0;  // rewinds and replays (respawns included)
  std::uint64_t respawns = 0;     // GameStates of a later life: a teleport, not an error
  std::uint64_t ticks_replayed = 0;
  double error_sum = 0;  // blocks: |predicted - server| position, summed over states
  double error_max = 0;
  // The same error as time at full speed (distance / kMaxSpeed), in milliseconds: the reference
  // game reports its reconciliation error this way (over its walking speed).
  double error_ms_sum = 0;
  std::uint64_t inputs = 0;
  std::uint64_t input_messages = 0;
  std::uint64_t input_bytes = 0;   // bundle bytes
  std::uint64_t deltas = 0;        // entity deltas applied
  std::uint64_t delta_errors = 0;  // entity deltas refused (a baseline gone: the next heals)
  std::uint64_t sends_refused = 0;

  double mean_error() const { return states ? error_sum / static_cast<double>(states) : 0.0; }
  double mean_error_ms() const { return states ? error_ms_sum / static_cast<double>(states) : 0.0; }
};

// A remote player as this client draws it.
struct RemoteView {
  std::uint64_t entity = 0;
  Fx x, y;
  std::int64_t aim = 0;
  std::int64_t health = 0;
  std::int64_t score = 0;
};

class Client : public theta_net::session::ClientApp {
 public:
  Client(ClientConfig config, theta_net::Ed25519KeyPair key, theta_net::Rng rng);

  theta_net::session::SessionClient& session() { return session_; }

  // session::ClientApp
  void step(Micros now) override;
  void on_pause(Micros now, Micros gap) override;

  bool playing() const { return has_body_; }
  std::uint64_t entity() const { return entity_; }
  const Body& body() const { return predictor_.state(); }
  std::uint32_t predicted_tick() const { return predictor_.tick(); }
  // The other players at the render tick (the server's tick now, less the one-way delay and the
  // interpolation delay).
  std::vector<RemoteView> remote_at(Micros now) const;
  const ClientStats& stats() const { return stats_; }
  const theta_net::netcode::PredictorStats& predictor_stats() const { return predictor_.stats(); }
  const theta_net::netcode::InputSenderStats& sender_stats() const { return sender_.stats(); }

 private:
  void on_established(const theta_net::protocol::SessionAck& ack, Micros now);
  void on_message(const theta_net::protocol::AnyMessage& message, Micros now);
  void on_state(const theta_net::protocol::GameState& state, Micros now);
  void on_entities(std::uint32_t server_tick);
  void predict_due_ticks(Micros now);
  Input decide(std::uint32_t tick, Micros now);
  theta_net::Fx render_tick(Micros now) const;

  ClientConfig config_;
  theta_net::session::SessionClient session_;
  theta_net::Rng bot_;
  std::uint32_t tick_rate_ = 60;
  theta_net::netcode::ServerClock clock_{60};
  theta_net::netcode::Predictor<Model> predictor_;
  theta_net::netcode::InputSender sender_;
  theta_net::replication::ReplicationClient replication_;
  std::map<std::uint64_t, theta_net::netcode::ComponentInterpolator> remote_;
  bool has_body_ = false;
  bool resyncing_ = false;
  std::uint64_t entity_ = 0;
  std::uint32_t last_state_tick_ = 0;
  std::uint32_t next_input_tick_ = 0;
  // The bot's plan.
  Fx waypoint_x, waypoint_y;
  std::uint32_t waypoint_until_ = 0;
  ClientStats stats_;
};

}  // namespace arena
