#include "arena_match.hpp"

#include <theta_net/core/json_writer.hpp>
#include <theta_net/replay/stream_header.hpp>

#include "arena_replay.hpp"

namespace arena {

namespace session = theta_net::session;

Match::Match(MatchConfig config) : config_(std::move(config)) {}

Match::~Match() {
  (void)finish();
  // Clients before the server (their drivers hold endpoints the network owns), then the network.
  players_.clear();
  server_driver_.reset();
  server_.reset();
  network_.reset();
}

theta_net::Status Match::finish() {
  if (finished_) return {};
  finished_ = true;
  // Both are closed whatever happens to the first; the first error is the one returned.
  theta_net::Status ended, closed;
  if (inputs_ && server_) ended = inputs_->end(server_->current_tick() + 1);
  if (events_) closed = events_->close();
  return ended.ok() ? closed : ended;
}

theta_net::Result<std::unique_ptr<Match>> Match::create(MatchConfig config) {
  std::unique_ptr<Match> m(new Match(std::move(config)));
  const MatchConfig& c = m->config_;
  session::LocalNetworkConfig network;
  network.network = c.network;
  network.seed = c.seed;
  // Several steps per tick, so a tick's messages go out within its period.
  network.step = Micros(std::max<std::int64_t>(1000, 1'000'000 / (c.tick_rate * 4)));
  THETA_TRY_ASSIGN(m->network_, session::LocalNetwork::create(network));
  ServerConfig server;
  server.world.tick_rate = c.tick_rate;
  server.world.hash_interval = c.hash_interval;
  server.entity_update_interval = c.entity_update_interval;
  // Both streams' headers carry what a replay needs to build the same World.
  auto header =
      theta_net::replay::StreamHeader::for_this_build(c.scenario, c.seed, c.tick_rate, "server");
  header.extra = world_header_extra(resolved(server.world));
  if (!c.events_path.empty()) {
    THETA_TRY_ASSIGN(auto writer, theta_net::replay::EventWriter::open(c.events_path, header));
    m->events_ = std::make_unique<theta_net::replay::EventWriter>(std::move(writer));
  }
  if (!c.inputs_path.empty()) {
    THETA_TRY_ASSIGN(
        auto log, theta_net::netcode::InputLogWriter::open(c.inputs_path, input_schema(), header));
    m->inputs_ = std::make_unique<theta_net::netcode::InputLogWriter>(std::move(log));
  }
  theta_net::Rng keys(c.seed);
  m->server_ = std::make_unique<Server>(server, theta_net::Ed25519KeyPair::from_rng(keys),
                                        keys.fork(1), m->events_.get(), m->inputs_.get());
  m->server_driver_ = std::make_unique<session::ServerDriver>(
      m->network_->server(), m->server_->sessions(), m->server_.get());
  const bool sockets = c.network != session::NetworkKind::kSim;
  for (std::uint32_t i = 0; i < c.players; ++i) {
    Player p;
    p.name = "bot" + std::to_string(i + 1);
    THETA_TRY_ASSIGN(theta_net::transport::Endpoint * endpoint,
                     m->network_->add_client(p.name, c.link, sockets));
    ClientConfig client;
    client.name = p.name;
    client.bot_seed = c.seed * 1000 + i;
    client.entity_update_interval = c.entity_update_interval;
    p.client = std::make_unique<Client>(client, theta_net::Ed25519KeyPair::from_rng(keys),
                                        keys.fork(100 + i));
    p.driver =
        std::make_unique<session::ClientDriver>(*endpoint, p.client->session(), p.client.get());
    m->players_.push_back(std::move(p));
  }
  return m;
}

void Match::run_until(Micros t) {
  while (now_ < t) {
    now_ = network_->advance(*server_driver_);
    server_driver_->step(now_);
    for (Player& p : players_) p.driver->step(now_);
  }
}

void Match::run() {
  run_until(config_.duration);
}

MatchReport Match::report() const {
  MatchReport r;
  r.network = std::string(session::network_kind_name(config_.network));
  r.tick_rate = config_.tick_rate;
  r.simulated_seconds = theta_net::to_seconds(now_);
  r.server = server_->stats();
  for (const Player& p : players_)
    r.players.push_back({p.name, p.client->stats(), p.client->sender_stats()});
  r.packets_dropped = network_->packets_dropped();
  r.state_digest = server_->state_digest();
  return r;
}

double MatchReport::mean_error() const {
  double sum = 0;
  std::uint64_t states = 0;
  for (const PlayerReport& p : players) {
    sum += p.client.error_sum;
    states += p.client.states;
  }
  return states ? sum / static_cast<double>(states) : 0.0;
}

double MatchReport::mean_error_ms() const {
  double sum = 0;
  std::uint64_t states = 0;
  for (const PlayerReport& p : players) {
    sum += p.client.error_ms_sum;
    states += p.client.states;
  }
  return states ? sum / static_cast<double>(states) : 0.0;
}

double MatchReport::corrections_per_minute() const {
  std::uint64_t corrections = 0;
  for (const PlayerReport& p : players) corrections += p.client.corrections;
  const double minutes = simulated_seconds / 60.0 * static_cast<double>(players.size());
  return minutes > 0 ? static_cast<double>(corrections) / minutes : 0.0;
}

double MatchReport::input_bytes_per_message() const {
  std::uint64_t bytes = 0, messages = 0;
  for (const PlayerReport& p : players) {
    bytes += p.client.input_bytes;
    messages += p.client.input_messages;
  }
  return messages ? static_cast<double>(bytes) / static_cast<double>(messages) : 0.0;
}

std::string MatchReport::to_json() const {
  std::string out;
  theta_net::JsonWriter w(out);
  w.begin_object();
  w.key("network");
  w.string(network);
  w.key("tick_rate");
  w.integer(tick_rate);
  w.key("simulated_seconds");
  w.number(simulated_seconds);
  w.key("mean_error_blocks");
  w.number(mean_error());
  w.key("mean_error_ms");
  w.number(mean_error_ms());
  w.key("corrections_per_minute");
  w.number(corrections_per_minute());
  w.key("input_bytes_per_message");
  w.number(input_bytes_per_message());
  w.key("packets_dropped");
  w.integer(packets_dropped);
  w.key("state_digest");
  w.string(theta_net::replay::hex_hash(state_digest));
  w.key("server");
  w.begin_object();
  const auto field = [&](const char* name, std::uint64_t v) {
    w.key(name);
    w.integer(v);
  };
  field("ticks", server.ticks);
  field("joins", server.joins);
  field("leaves", server.leaves);
  field("shots", server.shots);
  field("hits", server.hits);
  field("kills", server.kills);
  field("rewinds_clamped", server.rewinds_clamped);
  field("bundles_refused", server.bundles_refused);
  field("inputs_starved", server.inputs_starved);
  w.end_object();
  w.key("players");
  w.begin_array();
  for (const PlayerReport& p : players) {
    w.begin_object();
    w.key("name");
    w.string(p.name);
    field("connections", p.client.connections);
    field("states", p.client.states);
    field("corrections", p.client.corrections);
    field("respawns", p.client.respawns);
    field("ticks_replayed", p.client.ticks_replayed);
    w.key("mean_error_blocks");
    w.number(p.client.mean_error());
    w.key("mean_error_ms");
    w.number(p.client.mean_error_ms());
    w.key("max_error_blocks");
    w.number(p.client.error_max);
    field("inputs", p.client.inputs);
    field("input_messages", p.client.input_messages);
    field("input_bytes", p.client.input_bytes);
    field("deltas", p.client.deltas);
    field("delta_errors", p.client.delta_errors);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return out;
}

}  // namespace arena
