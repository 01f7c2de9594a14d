// The network of a run on one machine, for the drivers of drivers (LocalSession,
// LocalDataSession): SimNet in virtual time, or a QuicServer (TcpServer) on 127.0.0.1 with one
// QuicClient (TcpClient) per client in wall time, a client optionally behind its own UdpRelay
// (TcpRelay), which impairs its traffic with a LinkModel. One
// clock for every driver of the run: SimNet's virtual time, or one steady clock, so a time taken
// on the server and one taken on a client can be subtracted.
//   sim    a client's link (latency, loss, scheduled partitions...) is its SimNet link, both
//          directions; advance() moves virtual time on by one step
//   quic, tcp, ws
//          a client's link is applied by its relay when it has one (partitions are scheduled
//          from the relay's start, about the run's start); advance() waits for the server's I/O
//          for a fraction of a step and reads the clock
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "theta_net/core/result.hpp"
#include "theta_net/core/time.hpp"
#include "theta_net/session/server_driver.hpp"
#include "theta_net/transport/endpoint.hpp"
#include "theta_net/transport/link_model.hpp"

namespace theta_net::session {

// The transports a local session can run over: SimNet in virtual time, or real sockets on
// loopback in wall time: QUIC, or TCP carrying the lanes as records (tcp) or as WebSocket
// messages (ws).
enum class NetworkKind : std::uint8_t { kSim, kQuic, kTcp, kWs };

// "sim", "quic", "tcp", "ws" (stable: command lines, reports and Python use these names).
std::string_view network_kind_name(NetworkKind kind);
// Every kind's name, in enum order.
std::vector<std::string_view> network_kind_names();
// Errors: kInvalidArgument (not one of the names; the message lists them).
Result<NetworkKind> network_kind_named(std::string_view name);

struct LocalNetworkConfig {
  NetworkKind network = NetworkKind::kSim;
  std::uint64_t seed = 1;                      // SimNet's randomness, relay and client seeds
  Micros step = std::chrono::milliseconds(5);  // virtual time per step (sim); poll period (else)
  std::string qlog_dir;                        // quic: qlog files of every connection
};

class LocalNetwork {
 public:
  // Errors: (sockets only) those of QuicServer::create or TcpServer::create (kIo when no socket
  // can be bound, kInvalidArgument for a bad certificate or key).
  static Result<std::unique_ptr<LocalNetwork>> create(LocalNetworkConfig config);
  ~LocalNetwork();

  transport::Endpoint& server();
  // A new client endpoint, connecting (sim) or ready to dial (sockets: its ClientDriver
  // dials). With `relay`, a socket client goes through an impairment relay applying `link`
  // (UdpRelay for QUIC, TcpRelay for TCP).
  // Errors: (sockets only) those of QuicClient::create or TcpClient::create and, with `relay`,
  // of the relay's create (kIo when a socket cannot be bound).
  Result<transport::Endpoint*> add_client(const std::string& name,
                                          const transport::LinkConfig& link, bool relay);
  // Cuts a client off from `now` for `duration`: a partition on its SimNet links, or over QUIC
  // its UDP relay dropping every packet both ways for `duration` of wall time.
  // Errors: kOutOfRange (no such client), kInvalidArgument (a QUIC client added without a
  // relay; TCP and WebSocket, whose streams would stall rather than lose what is sent).
  Status cut_off(std::size_t client, Micros now, Micros duration);
  // Moves time on by one step and returns the new time (since the network began).
  Micros advance(ServerDriver& server);
  Micros now() const { return now_; }
  NetworkKind kind() const { return config_.network; }
  // Packets the links lost (sim) or the relays dropped (quic) or delayed as retransmissions
  // (tcp), over the run.
  std::uint64_t packets_dropped() const;

  struct Impl;

 private:
  explicit LocalNetwork(LocalNetworkConfig config);

  LocalNetworkConfig config_;
  std::unique_ptr<Impl> impl_;
  Micros now_{0};
};

}  // namespace theta_net::session
