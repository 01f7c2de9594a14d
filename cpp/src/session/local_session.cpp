#include "theta_net/session/local_session.hpp"

#include <chrono>
#include <thread>

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
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
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
  for (Player& p : clients_) p.game.reset();
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
  s->server_ = std::make_unique<GameServer>(*server_endpoint, s->config_.server,
                                            Ed25519KeyPair::from_rng(impl.keys), impl.keys.fork(1),
                                            server_events, input_log);
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
    quic.reconnect.initial_delay = std::chrono::microseconds(config_.reconnect_after_us);
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
  game.rules = config_.server.world.rules;
  game.view = config_.server.chunks;
  player.game = std::make_unique<GameClient>(*player.endpoint_view, game,
                                             Ed25519KeyPair::from_rng(impl_->keys),
                                             impl_->keys.fork(100 + clients_.size()), spec.events);
  clients_.push_back(std::move(player));
  return clients_.size() - 1;
}

Status LocalSession::cut_off(std::size_t client, std::uint64_t duration_us) {
  if (client >= clients_.size()) return make_error(ErrorCode::kOutOfRange, "no client ", client);
  if (config_.network != NetworkKind::kSim) {
    return make_error(ErrorCode::kInvalidArgument,
                      "cutting a client off needs the simulated network");
  }
  transport::SimEndpoint& endpoint = *impl_->sim_clients[client];
  transport::LinkConfig& link = clients_[client].link;
  link.partitions.push_back(transport::Partition{std::chrono::microseconds(now_us_),
                                                 std::chrono::microseconds(now_us_ + duration_us)});
  impl_->net->set_links(*impl_->sim_server, endpoint, link);
  return {};
}

void LocalSession::step_once() {
  if (config_.network == NetworkKind::kSim) {
    impl_->net->advance_by(std::chrono::microseconds(config_.step_us));
    now_us_ = static_cast<std::uint64_t>(impl_->net->now().count() / 1000);
  } else {
    // Wait for I/O up to the next step, then handle it all.
    impl_->quic_server->poll(std::chrono::microseconds(config_.step_us / 4));
    now_us_ = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                             std::chrono::steady_clock::now() - impl_->start)
                                             .count());
  }
  server_->step(now_us_);
  for (std::size_t i = 0; i < clients_.size(); ++i) {
    Player& p = clients_[i];
    p.endpoint_view->poll(std::chrono::nanoseconds(0));
    p.game->step(now_us_);
    track_stats(p);
    // SimNet has no reconnecting client of its own: reconnect a lost one after a pause, as
    // QuicClient does by itself.
    if (config_.network == NetworkKind::kSim &&
        p.game->state() == protocol::SessionState::kConnecting &&
        p.endpoint_view->connections().empty() && now_us_ >= p.attempt_until_us) {
      if (p.lost_since_us == 0) {
        p.lost_since_us = now_us_;
      } else if (now_us_ - p.lost_since_us >= config_.reconnect_after_us) {
        impl_->sim_clients[i]->connect(*impl_->sim_server);
        p.lost_since_us = 0;
        // One attempt at a time: the handshake may take its time through a bad link.
        p.attempt_until_us = now_us_ + kHandshakeTimeoutUs;
        ++p.reconnects;
      }
    } else {
      p.lost_since_us = 0;
    }
  }
}

void LocalSession::run_until(std::uint64_t t_us) {
  while (now_us_ < t_us) step_once();
}

namespace {

// Adds the counters of `from` (bytes, packets, messages, losses) to `into`.
void add_counters(transport::ConnectionStats& into, const transport::ConnectionStats& from) {
  into.packets_sent += from.packets_sent;
  into.packets_received += from.packets_received;
  into.bytes_sent += from.bytes_sent;
  into.bytes_received += from.bytes_received;
  into.datagrams_lost += from.datagrams_lost;
  for (std::size_t i = 0; i < into.lanes.size(); ++i) {
    into.lanes[i].messages_sent += from.lanes[i].messages_sent;
    into.lanes[i].bytes_sent += from.lanes[i].bytes_sent;
    into.lanes[i].messages_received += from.lanes[i].messages_received;
    into.lanes[i].bytes_received += from.lanes[i].bytes_received;
  }
}

}  // namespace

void LocalSession::track_stats(Player& p) {
  // A connection's counters vanish with it: keep its latest statistics, and fold them into the
  // closed ones when another connection (or none) takes its place.
  const auto conns = p.endpoint_view->connections();
  const std::optional<transport::ConnectionId> now =
      conns.empty() ? std::nullopt : std::optional(conns.front());
  if (p.current && p.current != now) {
    if (!p.closed) p.closed = transport::ConnectionStats{};
    add_counters(*p.closed, p.current_stats);
    p.current_stats = {};
  }
  p.current = now;
  if (now) {
    if (auto stats = p.endpoint_view->stats(*now)) p.current_stats = *stats;
  }
}

std::optional<transport::ConnectionStats> LocalSession::client_stats(std::size_t index) const {
  const Player& p = clients_.at(index);
  std::optional<transport::ConnectionStats> out;
  if (p.current) {
    out = p.endpoint_view->stats(*p.current);
    if (!out) out = p.current_stats;  // closed since the last step
  }
  if (p.closed) {
    if (!out) out = transport::ConnectionStats{};
    add_counters(*out, *p.closed);
  }
  return out;
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
