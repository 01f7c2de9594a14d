#include "theta_net/session/local_session.hpp"

namespace theta_net::session {

struct LocalSession::Impl {
  std::unique_ptr<LocalNetwork> network;  // the transports, relays and the clock
  Rng keys{1};
};

LocalSession::LocalSession(LocalSessionConfig config)
    : config_(std::move(config)), impl_(std::make_unique<Impl>()) {}

LocalSession::~LocalSession() {
  // Clients before the server (they reference endpoints the impl owns), then the network.
  for (Player& p : clients_) {
    p.driver.reset();
    p.game.reset();
  }
  server_driver_.reset();
  server_.reset();
  clients_.clear();
}

Result<std::unique_ptr<LocalSession>> LocalSession::create(LocalSessionConfig config,
                                                           replay::EventWriter* server_events,
                                                           replay::EventWriter* input_log) {
  std::unique_ptr<LocalSession> s(new LocalSession(std::move(config)));
  Impl& impl = *s->impl_;
  impl.keys = Rng(s->config_.seed);
  LocalNetworkConfig network;
  network.network = s->config_.network;
  network.seed = s->config_.seed;
  network.step = s->config_.step;
  network.qlog_dir = s->config_.qlog_dir;
  THETA_TRY_ASSIGN(impl.network, LocalNetwork::create(std::move(network)));
  transport::Endpoint* server_endpoint = &impl.network->server();
  s->server_ = std::make_unique<GameServer>(s->config_.server, Ed25519KeyPair::from_rng(impl.keys),
                                            impl.keys.fork(1), server_events, input_log);
  s->server_driver_ =
      std::make_unique<ServerDriver>(*server_endpoint, s->server_->sessions(), s->server_.get());
  return s;
}

Result<std::size_t> LocalSession::add_client(const LocalClientSpec& spec) {
  Player player;
  player.name = spec.name;
  player.link = spec.link;
  THETA_TRY_ASSIGN(player.endpoint_view,
                   impl_->network->add_client(spec.name, spec.link, spec.relay));
  GameClientConfig game;
  game.name = spec.name;
  game.token = spec.token;
  game.rules = config_.server.world.rules;
  game.view = config_.server.chunks;
  game.data_schema = config_.server.world.data_schema;  // the application's tables, as the server's
  game.signed_commands = config_.server.world.signed_commands;  // sign when the world takes them
  player.game = std::make_unique<GameClient>(game, Ed25519KeyPair::from_rng(impl_->keys),
                                             impl_->keys.fork(100 + clients_.size()), spec.events);
  player.driver = std::make_unique<ClientDriver>(*player.endpoint_view, player.game->session(),
                                                 player.game.get(), config_.client_driver);
  clients_.push_back(std::move(player));
  return clients_.size() - 1;
}

Status LocalSession::cut_off(std::size_t client, Micros duration) {
  if (client >= clients_.size()) return make_error(ErrorCode::kOutOfRange, "no client ", client);
  THETA_TRY(impl_->network->cut_off(client, now_, duration));
  clients_[client].link.partitions.push_back(transport::Partition{now_, now_ + duration});
  return {};
}

Status LocalSession::pause(std::size_t client, Micros duration) {
  if (client >= clients_.size()) return make_error(ErrorCode::kOutOfRange, "no client ", client);
  clients_[client].paused_until = now_ + duration;
  return {};
}

void LocalSession::step_once() {
  now_ = impl_->network->advance(*server_driver_);
  server_driver_->step(now_);
  for (Player& p : clients_) {
    if (now_ < p.paused_until) continue;
    p.driver->step(now_);
  }
}

void LocalSession::run_until(Micros t) {
  while (now_ < t) step_once();
}

std::vector<world::ChunkPos> LocalSession::chunk_mismatches(std::size_t index) {
  world::ChunkStore& theirs = clients_.at(index).game->chunks();
  world::ChunkStore& ours = server_->world().chunks();
  std::vector<world::ChunkPos> out;
  for (const world::ChunkPos pos : theirs.positions()) {
    const world::Chunk* held = theirs.find(pos);
    const world::Chunk* truth = ours.get_or_create(pos);
    if (!truth || held->blocks != truth->blocks) out.push_back(pos);
  }
  return out;
}

}  // namespace theta_net::session
