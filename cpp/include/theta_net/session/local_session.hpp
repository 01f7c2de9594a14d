// A whole game on one machine: a GameServer and GameClients, over SimNet in virtual time or over
// real QUIC on loopback (optionally through the UDP impairment relay) in wall time. Scenarios,
// the Python API, tests and benchmarks drive games through it: set intents, run_until(t), read.
//   sim    deterministic: the same seeds and intents at the same times give the same bytes,
//          and a minute of play takes milliseconds
//   quic   QuicServer + one QuicClient per player on 127.0.0.1; run_until() returns when the
//          wall clock (since start) reaches t
//   tcp    the same over TcpServer and TcpClients (the lanes as records on one stream)
// LocalNetwork makes the transports (and the relays of clients that have one).
// It is a driver of drivers: one ServerDriver and one ClientDriver per player own the endpoints
// and the poll order, and the ClientDrivers reconnect lost clients (the same way over SimNet and
// QUIC), so a cut-off client resumes its session.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "theta_net/core/time.hpp"
#include "theta_net/session/client_driver.hpp"
#include "theta_net/session/game_client.hpp"
#include "theta_net/session/game_server.hpp"
#include "theta_net/session/local_network.hpp"
#include "theta_net/session/server_driver.hpp"
#include "theta_net/transport/link_model.hpp"

namespace theta_net::session {

struct LocalSessionConfig {
  GameServerConfig server;
  NetworkKind network = NetworkKind::kSim;
  std::uint64_t seed = 1;                      // keys, nonces, SimNet's randomness
  Micros step = std::chrono::milliseconds(5);  // virtual time per step (sim); poll period (quic)
  ClientDriverConfig client_driver;            // reconnection and pause handling
  std::string qlog_dir;                        // quic: qlog files of every connection
};

struct LocalClientSpec {
  std::string name;
  transport::LinkConfig link;  // sim: both directions; sockets: the relay's, with `relay`
  bool relay = false;          // sockets: route this client through a relay applying `link`
  replay::EventWriter* events = nullptr;
  std::optional<std::string> token;  // the auth token (its role), when the server requires one
};

class LocalSession {
 public:
  // Errors: those of LocalNetwork::create (sockets: kIo when no socket can be bound).
  static Result<std::unique_ptr<LocalSession>> create(LocalSessionConfig config,
                                                      replay::EventWriter* server_events = nullptr,
                                                      replay::EventWriter* input_log = nullptr);
  ~LocalSession();

  // Adds a player now; returns its index.
  // Errors: those of LocalNetwork::add_client (sockets: kIo when a socket cannot be bound).
  Result<std::size_t> add_client(const LocalClientSpec& spec);
  // Cuts a client off (sim: a partition on its links) from now for `duration`.
  // Errors: kOutOfRange (no such client), kInvalidArgument (over sockets: partitions need
  // SimNet).
  Status cut_off(std::size_t client, Micros duration);
  // Stops stepping a client's driver (as SIGSTOP or a debugger would) from now for `duration`
  // while the network and everyone else carry on.
  // Errors: kOutOfRange (no such client).
  Status pause(std::size_t client, Micros duration);
  // Runs everything until `t` (virtual or wall time since the session began).
  void run_until(Micros t);

  Micros now() const { return now_; }
  GameServer& server() { return *server_; }
  const ServerDriver& server_driver() const { return *server_driver_; }
  const ClientDriver& client_driver(std::size_t index) const { return *clients_.at(index).driver; }
  GameClient& client(std::size_t index) { return *clients_.at(index).game; }
  std::size_t client_count() const { return clients_.size(); }
  const std::string& client_name(std::size_t index) const { return clients_.at(index).name; }
  // Transport statistics of a client over its whole run (ClientDriver::stats).
  std::optional<transport::ConnectionStats> client_stats(std::size_t index) const {
    return clients_.at(index).driver->stats();
  }
  NetworkKind network() const { return config_.network; }
  // Times a client's connection was lost and a new one attempted.
  std::uint64_t client_reconnects(std::size_t index) const {
    return clients_.at(index).driver->counters().reconnects;
  }
  // Chunks the client holds whose blocks differ from the server's (empty when consistent).
  std::vector<world::ChunkPos> chunk_mismatches(std::size_t index);

  struct Impl;

 private:
  LocalSession(LocalSessionConfig config);
  void step_once();

  struct Player {
    std::string name;
    transport::LinkConfig link;
    transport::Endpoint* endpoint_view = nullptr;  // owned by the LocalNetwork
    std::unique_ptr<GameClient> game;
    std::unique_ptr<ClientDriver> driver;
    Micros paused_until{0};  // its driver is not stepped before then
  };

  LocalSessionConfig config_;
  std::unique_ptr<Impl> impl_;
  std::unique_ptr<GameServer> server_;
  std::unique_ptr<ServerDriver> server_driver_;
  std::vector<Player> clients_;
  Micros now_{0};
};

}  // namespace theta_net::session
