// A data-layer run on one machine: a DataServer and DataClients, over SimNet in virtual time or
// over real QUIC on loopback (a client optionally through an impairing relay) in wall time, on
// one clock. Tests, the soak tool and benchmarks drive the data layer end to end through it.
// It is a driver of drivers: one ServerDriver, and one ClientDriver per client, which owns the
// client's endpoint, its poll order and its reconnection (a cut-off client resumes its session
// and its mirror catches up). The application writes between steps: server().commit(...) or
// client(i).write(...), then step() or run_until(t).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "theta_net/core/time.hpp"
#include "theta_net/session/client_driver.hpp"
#include "theta_net/session/data_client.hpp"
#include "theta_net/session/data_server.hpp"
#include "theta_net/session/local_network.hpp"
#include "theta_net/session/server_driver.hpp"
#include "theta_net/transport/link_model.hpp"

namespace theta_net::session {

struct LocalDataSessionConfig {
  DataServerConfig server;
  LocalNetworkConfig network;        // sim or quic, seed, step
  ClientDriverConfig client_driver;  // reconnection and pause handling
};

struct LocalDataClientSpec {
  std::string name;
  transport::LinkConfig link;  // sim: both directions; quic: the relay's impairment when `relay`
  bool relay = false;          // quic: route this client through a UdpRelay with `link`
  data::ClientDbConfig db;
  bool signed_commands = false;  // writes as signed commands (DataClientConfig), if the server
                                 // takes them (DataServerConfig::signed_commands)
  collab::CollabClientConfig collab;
};

class LocalDataSession {
 public:
  // `schema` is the server's, and the one the clients expect.
  // Errors: those of LocalNetwork::create.
  static Result<std::unique_ptr<LocalDataSession>> create(
      std::shared_ptr<const data::DataSchema> schema, LocalDataSessionConfig config);
  ~LocalDataSession();

  // Adds a client now; returns its index.
  // Errors: those of LocalNetwork::add_client.
  Result<std::size_t> add_client(const LocalDataClientSpec& spec);
  // Cuts a client off (sim: a partition on its links) from now for `duration`.
  // Errors: those of LocalNetwork::cut_off.
  Status cut_off(std::size_t client, Micros duration);
  // Stops stepping a client's driver from now for `duration` while everything else goes on.
  // Errors: kOutOfRange (no such client).
  Status pause(std::size_t client, Micros duration);
  // One step: time moves on (virtual, or waiting for the server's I/O), then the server's
  // driver and every client's driver not paused step at the new time.
  void step();
  // Steps until `t` (virtual or wall time since the session began).
  void run_until(Micros t);

  Micros now() const { return network_->now(); }
  LocalNetwork& network() { return *network_; }
  DataServer& server() { return *server_; }
  const ServerDriver& server_driver() const { return *server_driver_; }
  std::size_t client_count() const { return clients_.size(); }
  DataClient& client(std::size_t index) { return *clients_.at(index).app; }
  const DataClient& client(std::size_t index) const { return *clients_.at(index).app; }
  const ClientDriver& client_driver(std::size_t index) const { return *clients_.at(index).driver; }
  const std::string& client_name(std::size_t index) const { return clients_.at(index).name; }
  // Whether the server's committed writes are flushed and every client's mirror holds the
  // server's version, ready, with no write or command of its own unanswered (the state
  // converged() compares).
  bool settled() const;
  // Whether client `index`'s mirror equals the server's store, byte for byte.
  bool converged(std::size_t index) const;

 private:
  LocalDataSession() = default;

  struct Client {
    std::string name;
    std::unique_ptr<DataClient> app;
    std::unique_ptr<ClientDriver> driver;
    Micros paused_until{0};
  };

  LocalDataSessionConfig config_;
  std::shared_ptr<const data::DataSchema> schema_;
  Rng keys_{1};
  // Declared first, destroyed last: the drivers use its endpoints.
  std::unique_ptr<LocalNetwork> network_;
  std::unique_ptr<DataServer> server_;
  std::unique_ptr<ServerDriver> server_driver_;
  std::vector<Client> clients_;
};

}  // namespace theta_net::session
