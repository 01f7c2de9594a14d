#include "theta_net/session/local_network.hpp"

#include <thread>

#include "theta_net/session/driver_clock.hpp"
#include "theta_net/transport/quic_client.hpp"
#include "theta_net/transport/quic_server.hpp"
#include "theta_net/transport/sim_net.hpp"
#include "theta_net/transport/tcp_client.hpp"
#include "theta_net/transport/tcp_relay.hpp"
#include "theta_net/transport/tcp_server.hpp"
#include "theta_net/transport/udp_relay.hpp"

namespace theta_net::session {

namespace {

constexpr std::string_view kNetworkKindNames[] = {"sim", "quic", "tcp", "ws"};

// Runs a relay (UdpRelay or TcpRelay) on its own thread until stopped.
template <class R>
struct RunningRelay {
  explicit RunningRelay(std::unique_ptr<R> r) : relay(std::move(r)) {
    R* raw = relay.get();
    thread = std::thread([raw] { raw->run(); });
  }
  RunningRelay(RunningRelay&&) = default;
  ~RunningRelay() {
    if (!relay) return;
    relay->stop();
    if (thread.joinable()) thread.join();
  }
  std::unique_ptr<R> relay;
  std::thread thread;
};

transport::StreamFraming stream_framing(NetworkKind kind) {
  return kind == NetworkKind::kWs ? transport::StreamFraming::kWebSocket
                                  : transport::StreamFraming::kRecords;
}

}  // namespace

std::string_view network_kind_name(NetworkKind kind) {
  return kNetworkKindNames[static_cast<std::size_t>(kind)];
}

std::vector<std::string_view> network_kind_names() {
  return {std::begin(kNetworkKindNames), std::end(kNetworkKindNames)};
}

Result<NetworkKind> network_kind_named(std::string_view name) {
  for (std::size_t i = 0; i < std::size(kNetworkKindNames); ++i) {
    if (name == kNetworkKindNames[i]) return static_cast<NetworkKind>(i);
  }
  return make_error(ErrorCode::kInvalidArgument, "unknown transport '", name,
                    "' (sim, quic, tcp or ws)");
}

struct LocalNetwork::Impl {
  // sim
  std::unique_ptr<transport::SimNet> net;
  transport::SimEndpoint* sim_server = nullptr;
  struct SimClient {
    transport::SimEndpoint* endpoint = nullptr;
    transport::LinkConfig link;
  };
  std::vector<SimClient> sim_clients;
  // sockets: the server (QUIC or TCP), its clients, and the relays in front of some of them
  std::unique_ptr<transport::QuicServer> quic_server;
  std::unique_ptr<transport::TcpServer> tcp_server;
  std::vector<std::unique_ptr<transport::Endpoint>> socket_clients;
  std::vector<transport::UdpRelay*>
      socket_client_relay;  // per socket client: its UDP relay or null
  std::vector<RunningRelay<transport::UdpRelay>> udp_relays;
  std::vector<RunningRelay<transport::TcpRelay>> tcp_relays;
  DriverClock clock;
  Rng seeds{1};

  std::string server_address() const {
    return quic_server ? quic_server->local_address() : str_cat("127.0.0.1:", tcp_server->port());
  }
  std::uint16_t server_port() const {
    return quic_server ? quic_server->port() : tcp_server->port();
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
  } else if (n->config_.network == NetworkKind::kQuic) {
    transport::QuicServerConfig quic;
    quic.qlog_dir = n->config_.qlog_dir;
    THETA_TRY_ASSIGN(impl.quic_server, transport::QuicServer::create(quic));
  } else {
    transport::TcpServerConfig tcp;
    tcp.framing = stream_framing(n->config_.network);
    THETA_TRY_ASSIGN(impl.tcp_server, transport::TcpServer::create(tcp));
  }
  return n;
}

transport::Endpoint& LocalNetwork::server() {
  if (impl_->sim_server) return *impl_->sim_server;
  if (impl_->quic_server) return *impl_->quic_server;
  return *impl_->tcp_server;
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
  // Over sockets, a client with `relay` dials the relay, which forwards to the server.
  std::uint16_t port = impl_->server_port();
  transport::UdpRelay* udp_relay = nullptr;
  if (relay) {
    transport::RelayConfig relay_config;
    relay_config.forward = impl_->server_address();
    relay_config.impairment = link;
    relay_config.seed = impl_->seeds.next_u64();
    if (config_.network == NetworkKind::kQuic) {
      THETA_TRY_ASSIGN(auto r, transport::UdpRelay::create(relay_config));
      port = r->port();
      udp_relay = r.get();
      impl_->udp_relays.emplace_back(std::move(r));
    } else {
      THETA_TRY_ASSIGN(auto r, transport::TcpRelay::create(relay_config));
      port = r->port();
      impl_->tcp_relays.emplace_back(std::move(r));
    }
  }
  std::unique_ptr<transport::Endpoint> client;
  if (config_.network == NetworkKind::kQuic) {
    transport::QuicClientConfig quic;
    quic.port = port;
    quic.qlog_dir = config_.qlog_dir;
    quic.seed = impl_->seeds.next_u64() | 1;
    quic.reconnect.enabled = false;  // the ClientDriver decides when to redial
    // Random loss is not congestion.
    if (relay) quic.congestion_control = transport::CongestionControl::kBbr;
    THETA_TRY_ASSIGN(client, transport::QuicClient::create(quic));
  } else {
    transport::TcpClientConfig tcp;
    tcp.port = port;
    tcp.framing = stream_framing(config_.network);
    tcp.websocket.seed = impl_->seeds.next_u64() | 1;
    THETA_TRY_ASSIGN(client, transport::TcpClient::create(tcp));
  }
  impl_->socket_clients.push_back(std::move(client));
  impl_->socket_client_relay.push_back(udp_relay);
  return impl_->socket_clients.back().get();
}

Status LocalNetwork::cut_off(std::size_t client, Micros now, Micros duration) {
  if (config_.network == NetworkKind::kQuic) {
    // Over QUIC the client's relay drops everything both ways, from now on the wall clock.
    if (client >= impl_->socket_client_relay.size()) {
      return make_error(ErrorCode::kOutOfRange, "no client ", client);
    }
    transport::UdpRelay* relay = impl_->socket_client_relay[client];
    if (!relay) {
      return make_error(ErrorCode::kInvalidArgument, "client ", client,
                        " was added without a relay: over QUIC only a client behind the UDP relay "
                        "can be cut off (add it with relay)");
    }
    relay->cut_off(duration);
    return {};
  }
  if (config_.network != NetworkKind::kSim) {
    return make_error(ErrorCode::kInvalidArgument,
                      "cutting a client off at run time needs the simulated network or QUIC (a "
                      "stream transport would only stall, not lose, what is sent)");
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
  for (const auto& r : impl_->udp_relays) dropped += r.relay->counters().dropped;
  for (const auto& r : impl_->tcp_relays) dropped += r.relay->counters().dropped;
  for (const Impl::SimClient& c : impl_->sim_clients) {
    for (const auto& counters : {impl_->net->link_counters(*impl_->sim_server, *c.endpoint),
                                 impl_->net->link_counters(*c.endpoint, *impl_->sim_server)}) {
      dropped += counters.lost + counters.queue_drops + counters.partitioned;
    }
  }
  return dropped;
}

}  // namespace theta_net::session
