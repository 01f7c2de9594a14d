// GameServer's record of one player's connection (private to game_server*.cpp): its session,
// player, replication and data clients, inputs, chunk interest and budget.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "theta_net/session/game_server.hpp"

namespace theta_net::session {

struct GameServer::Client {
  Client(std::uint64_t session, sim::PlayerId id, std::string player_name, std::uint64_t client,
         const GameServerConfig& config)
      : session_id(session),
        player(id),
        name(std::move(player_name)),
        replication_id(client),
        chunks(config.chunks),
        budget(config.bytes_per_second) {}

  transport::ConnectionId conn;
  std::uint64_t session_id;
  sim::PlayerId player;
  std::string name;
  replication::ReplicationHost::ClientId replication_id;
  data::DataHost::ClientId data_id = 0;            // 0 while detached
  bool signs = false;                              // writes as signed commands (GameCommands)
  std::uint16_t minor = protocol::kProtocolMinor;  // the session's: what messages are encoded for
  netcode::InputJitterBuffer inputs;
  world::ChunkInterest chunks;
  std::map<world::ChunkPos, std::uint32_t> held_revision;  // what the client holds of each chunk
  replication::TokenBucket budget;
  ServerClientMetrics metrics;
  // The data layer's counters as the network log last saw them (game_server_status.cpp).
  struct DataSeen {
    std::uint64_t stalls = 0, overflows = 0, syncs_table = 0, refusals = 0;
  } data_seen;
};

}  // namespace theta_net::session
