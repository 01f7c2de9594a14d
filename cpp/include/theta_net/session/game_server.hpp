// The reference game's server over any transport Endpoint (QUIC or SimNet). One step(now) handles
// the network and simulates every fixed tick due by `now`:
//   sessions   handshake and heartbeats (protocol::SessionHost); a session is a player
//   inputs     each client's InputBundles into its InputJitterBuffer; one input per tick
//   simulate   ServerWorld.step: the authoritative tick, recorded in the event stream
//   entities   ReplicationHost: entity deltas against acknowledged baselines, 10 Hz, by
//              interest and priority; plus each player's exact own state every tick
//   chunks     nearest chunks first within the view radius, unloads beyond it, block edits
//              batched as chunk diffs every few ticks
//   budget     a token bucket per client (1 MB/s by default) shared by entities and chunks
// Time is a parameter: under SimNet a ten-minute session runs in seconds.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "theta_net/codec/chunk_codec.hpp"
#include "theta_net/netcode/input_jitter_buffer.hpp"
#include "theta_net/protocol/session_host.hpp"
#include "theta_net/replication/reference_components.hpp"
#include "theta_net/replication/replication_host.hpp"
#include "theta_net/replication/token_bucket.hpp"
#include "theta_net/session/server_world.hpp"
#include "theta_net/world/chunk_interest.hpp"

namespace theta_net::session {

struct GameServerConfig {
  ServerWorldConfig world;
  protocol::SessionHostConfig sessions;
  world::ChunkInterestConfig chunks;
  std::uint32_t chunk_diff_interval = 5;  // ticks between batched block edits
  std::size_t max_chunks_per_tick = 32;   // per client, within its budget
  std::uint64_t bytes_per_second = replication::kDefaultBytesPerSecond;  // per client
  std::uint32_t entity_update_ms = 100;                                  // entity deltas at 10 Hz
};

struct ServerClientMetrics {
  std::uint64_t session_id = 0;
  sim::PlayerId player = 0;
  std::string name;
  netcode::InputBufferStats inputs;
  std::uint64_t chunks_sent = 0;
  std::uint64_t chunk_bytes = 0;
  std::uint64_t diffs_sent = 0;
  std::uint64_t entity_bytes = 0;           // entity deltas and replication messages
  std::uint64_t budget_deferred_ticks = 0;  // ticks when chunks waited for budget
};

struct ServerMetrics {
  std::uint32_t tick = 0;
  std::size_t clients = 0;
  std::size_t entities = 0;
  std::uint64_t ticks_simulated = 0;
  std::uint64_t tick_time_ns_total = 0;  // wall time inside the tick loop
  std::uint64_t tick_time_ns_max = 0;
  std::vector<std::uint32_t> recent_tick_ns;  // the last 4,096 ticks' times, oldest first (ring)
  // The q-quantile (0..1) of the recent tick times, in nanoseconds.
  std::uint64_t tick_time_quantile_ns(double q) const;
};

class GameServer {
 public:
  GameServer(transport::Endpoint& endpoint, GameServerConfig config, Ed25519KeyPair key, Rng rng,
             replay::EventWriter* events = nullptr, replay::EventWriter* inputs = nullptr);
  ~GameServer();

  // Handles the network and simulates every tick due at `now_us` (the first call starts tick 1).
  void step(std::uint64_t now_us);
  // When the next tick is due (a driver may sleep until then).
  std::uint64_t next_tick_us() const { return next_tick_us_; }

  ServerWorld& world() { return world_; }
  const ServerWorld& world() const { return world_; }
  std::vector<ServerClientMetrics> client_metrics() const;
  const ServerMetrics& metrics() const { return metrics_; }
  const protocol::SessionHost& sessions() const { return host_; }
  // Called with every session event (started, ended, refused; not messages): for logs.
  void set_observer(std::function<void(const protocol::HostEvent&)> observer) {
    observer_ = std::move(observer);
  }

 private:
  struct Client;

  void on_host_event(protocol::HostEvent& event);
  void simulate_tick(std::uint64_t now_us);
  void publish_entities(std::uint32_t tick, std::uint64_t now_us);
  void send_own_state(Client& client, std::uint32_t tick);
  void send_chunk_diffs();
  void stream_chunks(Client& client, std::uint64_t& credit);
  void drain_replication(Client& client, std::uint64_t& credit);
  Client* client_of(transport::ConnectionId conn);

  GameServerConfig config_;
  transport::Endpoint* endpoint_;
  protocol::SessionHost host_;
  ServerWorld world_;
  replication::ReplicationHost replication_;
  replication::reference::ReferenceAccess reference_;
  codec::ChunkCodec chunk_codec_;
  std::map<transport::ConnectionId, std::unique_ptr<Client>> clients_;  // ordered: deterministic
  struct Detached {
    std::unique_ptr<Client> client;
    std::uint64_t since_us = 0;
    std::string reason;
  };
  std::map<std::uint64_t, Detached> detached_;  // by session id: may still be resumed
  // Block edits since the last diff flush: chunk -> (index, block before) in edit order.
  std::map<world::ChunkPos, std::vector<std::pair<std::uint32_t, std::uint16_t>>> edited_chunks_;
  bool started_ = false;
  std::uint64_t now_us_ = 0;
  std::uint64_t next_tick_us_ = 0;
  std::uint64_t tick_period_us_ = 50'000;
  ServerMetrics metrics_;
  std::function<void(const protocol::HostEvent&)> observer_;
};

}  // namespace theta_net::session
