// A whole arena match on one machine: the arena Server and one Client per player over a
// session::LocalNetwork (SimNet in virtual time, or QUIC on loopback through impairment relays
// in wall time), each driven by the toolkit's ServerDriver and ClientDrivers. It is what the
// arena's tests, its scenario files and its benchmark run.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <theta_net/core/result.hpp>
#include <theta_net/netcode/input_log.hpp>
#include <theta_net/replay/event_writer.hpp>
#include <theta_net/session/client_driver.hpp>
#include <theta_net/session/local_network.hpp>
#include <theta_net/session/server_driver.hpp>
#include <theta_net/transport/link_model.hpp>
#include <vector>

#include "arena_client.hpp"
#include "arena_server.hpp"

namespace arena {

struct MatchConfig {
  theta_net::session::NetworkKind network = theta_net::session::NetworkKind::kSim;
  std::uint32_t players = 4;
  std::uint32_t tick_rate = 60;
  std::uint32_t entity_update_interval = 2;
  Micros duration = std::chrono::seconds(20);
  std::uint64_t seed = 1;
  // Every client's link, each way (sim: its SimNet links; quic: its relay's).
  theta_net::transport::LinkConfig link;
  std::string events_path;          // the server's JSONL event stream ("" for none)
  std::string inputs_path;          // the server's input log ("" for none)
  std::uint32_t hash_interval = 0;  // ticks between "state" events
  std::string scenario = "arena";   // the stream header's scenario name
};

struct PlayerReport {
  std::string name;
  ClientStats client;
  theta_net::netcode::InputSenderStats sender;
};

struct MatchReport {
  std::string network;
  std::uint32_t tick_rate = 0;
  double simulated_seconds = 0;
  ServerStats server;
  std::vector<PlayerReport> players;
  std::uint64_t packets_dropped = 0;
  std::uint64_t state_digest = 0;

  // Over every player: the mean position error of the prediction at each server state
  // (blocks), and corrections per player-minute.
  double mean_error() const;
  double mean_error_ms() const;  // the same as time at full speed
  double corrections_per_minute() const;
  double input_bytes_per_message() const;
  // The report as one JSON object (stable field names: the arena's scripts read them).
  std::string to_json() const;
};

class Match {
 public:
  // Errors: those of LocalNetwork::create and add_client (sockets: kIo), of EventWriter::open
  // for events_path and of InputLogWriter::open for inputs_path.
  static theta_net::Result<std::unique_ptr<Match>> create(MatchConfig config);
  ~Match();  // finishes the match if finish() was not called

  // Plays until the configured duration.
  void run();
  // Plays until `t` (since the start).
  void run_until(Micros t);
  MatchReport report() const;
  // Ends the input log (its end record) and closes both streams; later calls do nothing.
  // Errors: those of InputLogWriter::end and EventWriter::close.
  theta_net::Status finish();
  const Server& server() const { return *server_; }
  const Client& client(std::size_t i) const { return *players_.at(i).client; }
  std::size_t size() const { return players_.size(); }

 private:
  struct Player {
    std::string name;
    std::unique_ptr<Client> client;
    std::unique_ptr<theta_net::session::ClientDriver> driver;
  };

  explicit Match(MatchConfig config);

  MatchConfig config_;
  std::unique_ptr<theta_net::session::LocalNetwork> network_;
  std::unique_ptr<theta_net::replay::EventWriter> events_;
  std::unique_ptr<theta_net::netcode::InputLogWriter> inputs_;
  bool finished_ = false;
  std::unique_ptr<Server> server_;
  std::unique_ptr<theta_net::session::ServerDriver> server_driver_;
  std::vector<Player> players_;
  Micros now_{0};
};

}  // namespace arena
