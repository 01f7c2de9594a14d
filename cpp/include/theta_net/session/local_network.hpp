// The network of a run on one machine, for the drivers of drivers (LocalDataSession): SimNet in
// virtual time, or a QuicServer on 127.0.0.1 with one QuicClient per client in wall time (a
// client optionally behind its own UdpRelay, which impairs its traffic with a LinkModel). One
// clock for every driver of the run: SimNet's virtual time, or one steady clock, so a time taken
// on the server and one taken on a client can be subtracted.
//   sim    a client's link (latency, loss, scheduled partitions...) is its SimNet link, both
//          directions; advance() moves virtual time on by one step
//   quic   a client's link is applied by its relay when it has one (partitions are scheduled
//          from the relay's start, about the run's start); advance() waits for the server's I/O
//          for a fraction of a step and reads the clock
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "theta_net/core/result.hpp"
#include "theta_net/core/time.hpp"
#include "theta_net/session/server_driver.hpp"
#include "theta_net/transport/endpoint.hpp"
#include "theta_net/transport/link_model.hpp"

namespace theta_net::session {

enum class NetworkKind : std::uint8_t { kSim, kQuic };

struct LocalNetworkConfig {
  NetworkKind network = NetworkKind::kSim;
  std::uint64_t seed = 1;                      // SimNet's randomness, relay and client seeds
  Micros step = std::chrono::milliseconds(5);  // virtual time per step (sim); poll period (quic)
  std::string qlog_dir;                        // quic: qlog files of every connection
};

class LocalNetwork {
 public:
  // Errors: (quic only) those of QuicServer::create (kIo when no socket can be bound,
  // kInvalidArgument for a bad certificate or key).
  static Result<std::unique_ptr<LocalNetwork>> create(LocalNetworkConfig config);
  ~LocalNetwork();

  transport::Endpoint& server();
  // A new client endpoint, connecting (sim) or ready to dial (quic: its ClientDriver dials).
  // Errors: (quic only) those of QuicClient::create and, with `relay`, UdpRelay::create (kIo
  // when a socket cannot be bound).
  Result<transport::Endpoint*> add_client(const std::string& name,
                                          const transport::LinkConfig& link, bool relay);
  // Cuts a client off from `now` for `duration` (a partition on its SimNet links).
  // Errors: kOutOfRange (no such client), kInvalidArgument (over QUIC: partitions are scheduled
  // in the client's relay link when it is added).
  Status cut_off(std::size_t client, Micros now, Micros duration);
  // Moves time on by one step and returns the new time (since the network began).
  Micros advance(ServerDriver& server);
  Micros now() const { return now_; }
  NetworkKind kind() const { return config_.network; }
  // Packets the relays dropped (quic), or the links lost (sim), over the run.
  std::uint64_t packets_dropped() const;

  struct Impl;

 private:
  explicit LocalNetwork(LocalNetworkConfig config);

  LocalNetworkConfig config_;
  std::unique_ptr<Impl> impl_;
  Micros now_{0};
};

}  // namespace theta_net::session
