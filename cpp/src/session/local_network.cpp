#include "theta_net/session/local_network.hpp"

#include <thread>

#include "theta_net/session/driver_clock.hpp"
#include "theta_net/transport/quic_client.hpp"
#include "theta_net/transport/quic_server.hpp"
#include "theta_net/transport/sim_net.hpp"
#include "theta_net/transport/udp_relay.hpp"

namespace theta_net::session {

struct LocalNetwork::Impl {
  // sim
  std::unique_ptr<transport::SimNet> net;
  transport::SimEndpoint* sim_server = nullptr;
  struct SimClient {
    transport::SimEndpoint* endpoint = nullptr;
    transport::LinkConfig link;
  };
  std::vector<SimClient> sim_clients;
  // quic
  std::unique_ptr<transport::QuicServer> quic_server;
  std::vector<std::unique_ptr<transport::QuicClient>> quic_clients;
  struct Relay {
    std::unique_ptr<transport::UdpRelay> relay;
    std::thread thread;
  };
  std::vector<Relay> relays;
  DriverClock clock;
  Rng seeds{1};

  ~Impl() {
    for (Relay& r : relays) {
      r.relay->stop();
      if (r.thread.joinable()) r.thread.join();
    }
  }
};

LocalNetwork::LocalNetwork(LocalNetworkConfig config)
    : config_(std::move(config)), impl_(std::make_unique<Impl>()) {}

LocalNetwork::~LocalNetwork() = default;

Result<std::unique_ptr<LocalNetwork>> LocalNetwork::create(LocalNetworkConfig config) {
  std::unique_ptr<LocalNetwork> n(new LocalNetwork(std::move(config)));
  Impl& impl = *n->impl_;
  impl.seeds = Rng(n->config_.seed).fork(7);
  if (n->config_.network == NetworkKind::kSim) {
    impl.net = std::make_unique<transport::SimNet>(n->config_.seed);
    impl.sim_server = &impl.net->add_endpoint("server");
  } else {
    transport::QuicServerConfig quic;
    quic.qlog_dir = n->config_.qlog_dir;
    THETA_TRY_ASSIGN(impl.quic_server, transport::QuicServer::create(quic));
  }
  return n;
}

transport::Endpoint& LocalNetwork::server() {
  if (impl_->sim_server) return *impl_->sim_server;
  return *impl_->quic_server;
}

Result<transport::Endpoint*> LocalNetwork::add_client(const std::string& name,
                                                      const transport::LinkConfig& link,
                                                      bool relay) {
  if (config_.network == NetworkKind::kSim) {
    transport::SimEndpoint& endpoint = impl_->net->add_endpoint(name);
    impl_->net->set_links(*impl_->sim_server, endpoint, link);
    endpoint.connect(*impl_->sim_server);
    impl_->sim_clients.push_back({&endpoint, link});
    return static_cast<transport::Endpoint*>(&endpoint);
  }
  transport::QuicClientConfig quic;
  quic.port = impl_->quic_server->port();
  quic.qlog_dir = config_.qlog_dir;
  quic.seed = impl_->seeds.next_u64() | 1;
  quic.reconnect.enabled = false;  // the ClientDriver decides when to redial
  if (relay) {
    transport::RelayConfig relay_config;
    relay_config.forward = impl_->quic_server->local_address();
    relay_config.impairment = link;
    relay_config.seed = impl_->seeds.next_u64();
    THETA_TRY_ASSIGN(auto r, transport::UdpRelay::create(relay_config));
    quic.port = r->port();
    quic.congestion_control = transport::CongestionControl::kBbr;  // random loss is not congestion
    Impl::Relay running;
    running.relay = std::move(r);
    transport::UdpRelay* raw = running.relay.get();
    running.thread = std::thread([raw] { raw->run(); });
    impl_->relays.push_back(std::move(running));
  }
  THETA_TRY_ASSIGN(auto client, transport::QuicClient::create(quic));
  impl_->quic_clients.push_back(std::move(client));
  return static_cast<transport::Endpoint*>(impl_->quic_clients.back().get());
}

Status LocalNetwork::cut_off(std::size_t client, Micros now, Micros duration) {
  if (config_.network != NetworkKind::kSim) {
    return make_error(ErrorCode::kInvalidArgument,
                      "cutting a client off at run time needs the simulated network (over QUIC, "
                      "schedule the partition in the client's relay link)");
  }
  if (client >= impl_->sim_clients.size()) {
    return make_error(ErrorCode::kOutOfRange, "no client ", client);
  }
  Impl::SimClient& c = impl_->sim_clients[client];
  c.link.partitions.push_back(transport::Partition{now, now + duration});
  impl_->net->set_links(*impl_->sim_server, *c.endpoint, c.link);
  return {};
}

Micros LocalNetwork::advance(ServerDriver& server) {
  if (config_.network == NetworkKind::kSim) {
    impl_->net->advance_by(config_.step);
    now_ = to_micros(impl_->net->now());
  } else {
    // Wait for the server's I/O up to a fraction of a step, then everyone handles what came.
    server.wait(now_, config_.step / 4);
    now_ = impl_->clock.now();
  }
  return now_;
}

std::uint64_t LocalNetwork::packets_dropped() const {
  std::uint64_t dropped = 0;
  for (const Impl::Relay& r : impl_->relays) dropped += r.relay->counters().dropped;
  for (const Impl::SimClient& c : impl_->sim_clients) {
    for (const auto& counters : {impl_->net->link_counters(*impl_->sim_server, *c.endpoint),
                                 impl_->net->link_counters(*c.endpoint, *impl_->sim_server)}) {
      dropped += counters.lost + counters.queue_drops + counters.partitioned;
    }
  }
  return dropped;
}

}  // namespace theta_net::session
