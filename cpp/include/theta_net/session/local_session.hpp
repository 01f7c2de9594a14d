// A whole game on one machine: a GameServer and GameClients, over SimNet in virtual time or over
// real QUIC on loopback (optionally through the UDP impairment relay) in wall time. Scenarios,
// the Python API, tests and benchmarks drive games through it: set intents, run_until(t), read.
//   sim    deterministic: the same seeds and intents at the same times give the same bytes,
//          and a minute of play takes milliseconds
//   quic   QuicServer + one QuicClient per player on 127.0.0.1; run_until() returns when the
//          wall clock (since start) reaches t
// A client whose connection ends reconnects after a short backoff, as a QuicClient does by
// itself, so a cut-off client resumes its session.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "theta_net/session/game_client.hpp"
#include "theta_net/session/game_server.hpp"
#include "theta_net/transport/link_model.hpp"

namespace theta_net::session {

enum class NetworkKind : std::uint8_t { kSim, kQuic };

struct LocalSessionConfig {
  GameServerConfig server;
  NetworkKind network = NetworkKind::kSim;
  std::uint64_t seed = 1;         // keys, nonces, SimNet's randomness
  std::uint64_t step_us = 5'000;  // virtual time per step (sim); the poll period (quic)
  std::uint64_t reconnect_after_us = 500'000;
  std::string qlog_dir;  // quic: qlog files of every connection
};

struct LocalClientSpec {
  std::string name;
  transport::LinkConfig link;  // sim: both directions; quic: the relay's impairment when `relay`
  bool relay = false;          // quic: route this client through a UdpRelay with `link`
  replay::EventWriter* events = nullptr;
};

class LocalSession {
 public:
  static Result<std::unique_ptr<LocalSession>> create(LocalSessionConfig config,
                                                      replay::EventWriter* server_events = nullptr,
                                                      replay::EventWriter* input_log = nullptr);
  ~LocalSession();

  // Adds a player now; returns its index.
  Result<std::size_t> add_client(const LocalClientSpec& spec);
  // Cuts a client off (sim: a partition on its links) from now for `duration_us`.
  Status cut_off(std::size_t client, std::uint64_t duration_us);
  // Runs everything until `t_us` (virtual or wall microseconds since the session began).
  void run_until(std::uint64_t t_us);

  std::uint64_t now_us() const { return now_us_; }
  GameServer& server() { return *server_; }
  GameClient& client(std::size_t index) { return *clients_.at(index).game; }
  std::size_t client_count() const { return clients_.size(); }
  const std::string& client_name(std::size_t index) const { return clients_.at(index).name; }
  // Transport statistics of a client: byte, packet and message counters over every connection
  // it has had (a closed connection counts up to the last step before it closed); RTT, window
  // and queue of the current one. Nothing before the first connection.
  std::optional<transport::ConnectionStats> client_stats(std::size_t index) const;
  NetworkKind network() const { return config_.network; }
  // Times a client's connection was lost and a new one attempted.
  std::uint64_t client_reconnects(std::size_t index) const { return clients_.at(index).reconnects; }
  // Chunks the client holds whose blocks differ from the server's (empty when consistent).
  std::vector<world::ChunkPos> chunk_mismatches(std::size_t index);

  struct Impl;

 private:
  static constexpr std::uint64_t kHandshakeTimeoutUs = 10'000'000;  // SimEndpoint's default
  LocalSession(LocalSessionConfig config);
  void step_once();

  struct Player {
    std::string name;
    transport::LinkConfig link;
    std::unique_ptr<transport::Endpoint> endpoint;  // quic: the client; sim: owned by SimNet
    transport::Endpoint* endpoint_view = nullptr;
    std::unique_ptr<GameClient> game;
    std::uint64_t lost_since_us = 0;     // 0 = connected or connecting
    std::uint64_t attempt_until_us = 0;  // a reconnection attempt may still succeed until then
    std::uint64_t reconnects = 0;
    // Counters of the connections that closed, and the latest statistics of the current one.
    std::optional<transport::ConnectionStats> closed;
    std::optional<transport::ConnectionId> current;
    transport::ConnectionStats current_stats;
  };
  static void track_stats(Player& p);

  LocalSessionConfig config_;
  std::unique_ptr<Impl> impl_;
  std::unique_ptr<GameServer> server_;
  std::vector<Player> clients_;
  std::uint64_t now_us_ = 0;
};

}  // namespace theta_net::session
