#include "theta_net/session/local_session.hpp"

#include <thread>

#include "theta_net/session/driver_clock.hpp"
#include "theta_net/transport/quic_client.hpp"
#include "theta_net/transport/quic_server.hpp"
#include "theta_net/transport/sim_net.hpp"
#include "theta_net/transport/udp_relay.hpp"

namespace theta_net::session {

struct LocalSession::Impl {
  // sim
  std::unique_ptr<transport::SimNet> net;
  transport::SimEndpoint* sim_server = nullptr;
  std::vector<transport::SimEndpoint*> sim_clients;
  // quic
  std::unique_ptr<transport::QuicServer> quic_server;
  struct Relay {
    std::unique_ptr<transport::UdpRelay> relay;
    std::thread thread;
  };
  std::vector<Relay> relays;
  DriverClock clock;
  Rng keys{1};

  ~Impl() {
    for (Relay& r : relays) {
      r.relay->stop();
      if (r.thread.joinable()) r.thread.join();
    }
  }
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
  transport::Endpoint* server_endpoint = nullptr;
  if (s->config_.network == NetworkKind::kSim) {
    impl.net = std::make_unique<transport::SimNet>(s->config_.seed);
    impl.sim_server = &impl.net->add_endpoint("server");
    server_endpoint = impl.sim_server;
  } else {
    transport::QuicServerConfig quic;
    quic.qlog_dir = s->config_.qlog_dir;
    THETA_TRY_ASSIGN(impl.quic_server, transport::QuicServer::create(quic));
    server_endpoint = impl.quic_server.get();
  }
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
  if (config_.network == NetworkKind::kSim) {
    transport::SimEndpoint& endpoint = impl_->net->add_endpoint(spec.name);
    impl_->net->set_links(*impl_->sim_server, endpoint, spec.link);
    endpoint.connect(*impl_->sim_server);
    impl_->sim_clients.push_back(&endpoint);
    player.endpoint_view = &endpoint;
  } else {
    transport::QuicClientConfig quic;
    quic.port = impl_->quic_server->port();
    quic.qlog_dir = config_.qlog_dir;
    quic.seed = impl_->keys.next_u64() | 1;
    // The ClientDriver decides when to reconnect, over QUIC as over SimNet.
    quic.reconnect.enabled = false;
    if (spec.relay) {
      transport::RelayConfig relay;
      relay.forward = impl_->quic_server->local_address();
      relay.impairment = spec.link;
      relay.seed = impl_->keys.next_u64();
      THETA_TRY_ASSIGN(auto r, transport::UdpRelay::create(relay));
      quic.port = r->port();
      quic.congestion_control =
          transport::CongestionControl::kBbr;  // random loss is not congestion
      Impl::Relay running;
      running.relay = std::move(r);
      transport::UdpRelay* raw = running.relay.get();
      running.thread = std::thread([raw] { raw->run(); });
      impl_->relays.push_back(std::move(running));
    }
    THETA_TRY_ASSIGN(player.endpoint, transport::QuicClient::create(quic));
    player.endpoint_view = player.endpoint.get();
  }
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
  if (config_.network != NetworkKind::kSim) {
    return make_error(ErrorCode::kInvalidArgument,
                      "cutting a client off needs the simulated network");
  }
  transport::SimEndpoint& endpoint = *impl_->sim_clients[client];
  transport::LinkConfig& link = clients_[client].link;
  link.partitions.push_back(transport::Partition{now_, now_ + duration});
  impl_->net->set_links(*impl_->sim_server, endpoint, link);
  return {};
}

Status LocalSession::pause(std::size_t client, Micros duration) {
  if (client >= clients_.size()) return make_error(ErrorCode::kOutOfRange, "no client ", client);
  clients_[client].paused_until = now_ + duration;
  return {};
}

void LocalSession::step_once() {
  if (config_.network == NetworkKind::kSim) {
    impl_->net->advance_by(config_.step);
    now_ = to_micros(impl_->net->now());
  } else {
    // Wait for I/O up to the next step, then handle it all.
    server_driver_->wait(now_, config_.step / 4);
    now_ = impl_->clock.now();
  }
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
