// The reference game's server, sans-I/O: a ServerApp that a ServerDriver drives over any transport
// endpoint (QUIC or SimNet). Each driver step hands it the session events, then every fixed tick
// due by `now`:
//   sessions   handshake and heartbeats (SessionHost, which it owns); a session is a player
//   inputs     each client's InputBundles into its InputJitterBuffer; one input per tick
//   simulate   ServerWorld.step: the authoritative tick, recorded in the event stream
//   entities   ReplicationHost: entity deltas against acknowledged baselines, 10 Hz, by
//              interest and priority; plus each player's exact own state every tick
//   chunks     nearest chunks first within the view radius, unloads beyond it, block edits
//              batched as chunk diffs every few ticks
//   data       the data layer (GameData in ServerWorld): the players table kept from the
//              simulation, clients' writes, a batch per tick; each client is a DataHost client
//              (full sync, catch-up, batches) on the replication lane
//   budget     a token bucket per client (1 MB/s by default) shared by entities, data and chunks
// Time is a parameter: under SimNet a ten-minute session runs in seconds. A client that breaks the
// protocol (an InterestUpdate it may not send, a message the server does not take) is closed
// with protocol_error and a reason, like any other violation.
// Roles hold in the SessionHost: a message the sender's role may not send never reaches the
// game (a viewer's inputs and chat are refused); each refusal is written to the event stream
// as a permission_denied event, and each admin's session control as a session_control event.
// A kicked or banned session's player leaves the world at once.
// SyncProgress and ClientReady on a game connection are the data layer's: the game's reliable
// state is its data tables, so the replication snapshot (always empty here: entities travel as
// entity deltas) is not announced.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "theta_net/codec/chunk_codec.hpp"
#include "theta_net/core/time.hpp"
#include "theta_net/core/worker_pool.hpp"
#include "theta_net/netcode/input_jitter_buffer.hpp"
#include "theta_net/replication/reference_components.hpp"
#include "theta_net/replication/replication_host.hpp"
#include "theta_net/replication/token_bucket.hpp"
#include "theta_net/session/asset_host.hpp"
#include "theta_net/session/chunk_pipeline.hpp"
#include "theta_net/session/editor_relay.hpp"
#include "theta_net/session/game_metrics.hpp"
#include "theta_net/session/network_log.hpp"
#include "theta_net/session/server_app.hpp"
#include "theta_net/session/server_status.hpp"
#include "theta_net/session/server_world.hpp"
#include "theta_net/session/session_host.hpp"
#include "theta_net/session/telemetry_aggregator.hpp"
#include "theta_net/world/chunk_interest.hpp"

namespace theta_net::session {

struct GameServerConfig {
  ServerWorldConfig world;
  SessionHostConfig sessions;
  world::ChunkInterestConfig chunks;
  std::uint32_t chunk_diff_interval = 5;  // ticks between batched block edits
  std::size_t max_chunks_per_tick = 32;   // per client, within its budget
  // Worker threads beside the tick thread: they generate and encode chunks off the tick
  // (ChunkPipeline) and, with replicate_on_workers, share the clients' entity updates with the
  // tick thread (ReplicationHost::step). 0: the tick thread does everything. Streams are the
  // same for any number.
  std::size_t workers = 0;
  bool replicate_on_workers = true;
  // A tick that takes longer than this on the driver's clock is an overrun (counted); the next
  // `shed_ticks` ticks then shed work before the simulation slows: one new chunk per client a
  // tick instead of max_chunks_per_tick (a server that stays overloaded still streams, slowly),
  // and each entity update carries its highest-priority quarter (the rest keep their priority
  // for later). 0: no budget (the default: SimNet games and replays stay deterministic, as wall
  // time never changes what is sent); `theta-net serve` sets the tick period.
  Nanos tick_budget{0};
  std::uint32_t shed_ticks = 20;
  std::uint64_t bytes_per_second = replication::kDefaultBytesPerSecond;  // per client
  Micros entity_update_interval = std::chrono::milliseconds(100);        // entity deltas at 10 Hz
  // The assets lane's store (the one HTTP/3's /assets serves, when the server has both); none:
  // transfers are refused. Not owned: it outlives the server.
  assets::AssetStore* assets = nullptr;
  AssetHostConfig asset_host;
  TelemetryAggregatorConfig telemetry;  // clients' TelemetryReports, slow-frame alerts
  EditorRelayConfig editor;             // EditorEvents relayed by tool scope, rate-limited
};

class GameServer final : public ServerApp {
 public:
  GameServer(GameServerConfig config, Ed25519KeyPair key, Rng rng,
             replay::EventWriter* events = nullptr, replay::EventWriter* inputs = nullptr);
  ~GameServer() override;

  // ServerApp: session events (the first call starts the tick clock: tick 1 is one period
  // later), then one tick at a time.
  void handle_sessions(Micros now) override;
  std::optional<Micros> next_tick() const override { return next_tick_; }
  void tick(Micros now) override;
  // Catch up at most a second of ticks per step.
  std::uint32_t max_catch_up_ticks() const override { return config_.world.rules.tick_rate; }
  // Counts an overrun of config.tick_budget and starts shedding (see GameServerConfig).
  void tick_took(Nanos spent) override;

  ServerWorld& world() { return world_; }
  const ServerWorld& world() const { return world_; }
  std::vector<ServerClientMetrics> client_metrics() const;
  // The heap bytes the server holds for its connected clients, from the sizes of their
  // structures (chunk interest, held chunk versions, entity baselines and priorities, queues):
  // an accounting, not a measurement of the allocator.
  std::size_t client_memory_bytes() const;
  const ServerMetrics& metrics() const { return metrics_; }
  SessionHost& sessions() { return host_; }
  const SessionHost& sessions() const { return host_; }
  // A snapshot for a status page (server_status.hpp, game_server_status.cpp): `transport` is the
  // driver's view of its endpoint (ServerDriver::transport_view: transports, RTT, loss, bytes),
  // `tick_times` its figures when at hand.
  ServerStatus status(const TransportLookup& transport, const TickTimes* tick_times,
                      const ServerStatusOptions& options = {}) const;
  // Session events, kicks, resyncs and data refusals, for status pages (network_log.hpp).
  const NetworkLog& network_log() const { return network_log_; }
  // The assets lane (asset_host.hpp): its counters, and a planted gap for tests.
  AssetHost& assets() { return *assets_; }
  const AssetHost& assets() const { return *assets_; }
  // The clients' TelemetryReports (game_server_telemetry.cpp).
  const TelemetryAggregator& telemetry() const { return telemetry_; }
  // The clients' EditorEvents (game_server_editor.cpp).
  const EditorRelay& editor_relay() const { return editor_relay_; }
  // The encoded chunks' pipeline (its counters; chunk_pipeline.hpp).
  const ChunkPipeline& chunk_pipeline() const { return chunk_pipeline_; }
  // An operator's actions (a dashboard's buttons), each logged in network_log() whether it was
  // carried out or not. resync_client: the client's mirror gets a fresh full sync of the data
  // (DataHost::resync) and converges.
  // Errors: kInvalidArgument (no connected client has that session), kState (its data client
  // has not subscribed).
  Status resync_client(std::uint64_t session_id);
  // kick_client: the session ends for good (SessionHost::kick, CloseCode::kicked) and its
  // player leaves the world.
  // Errors: kInvalidArgument (no such session).
  Status kick_client(std::uint64_t session_id, const std::string& reason);
  // Called with every session event (started, ended, refused; not messages): for logs.
  void set_observer(std::function<void(const HostEvent&)> observer) {
    observer_ = std::move(observer);
  }

 private:
  struct Client;

  void on_host_event(HostEvent& event);
  void on_session_started(const HostEvent& event);
  void on_client_message(Client& client, protocol::AnyMessage& message);
  void detach(transport::ConnectionId conn, std::string reason);
  // The player of a session that cannot come back (kicked, banned) leaves the world now.
  void remove(transport::ConnectionId conn, const std::string& reason);
  void leave(Client& client, const std::string& reason);
  std::optional<sim::PlayerId> player_of_session(std::uint64_t session_id) const;
  // The session layer's refusals and controls, in the event stream (and the input log).
  void record_permission_denied(const HostEvent& event);
  void record_session_control(const HostEvent& event);
  // A client's TelemetryReport: aggregated; a slow-frame alert goes to the event stream (and
  // the input log) as a slow_frame event and to the network log.
  void on_telemetry(Client& client, const protocol::TelemetryReport& report);
  // A client's EditorEvent into the relay (a refusal is counted there: an event over the rate
  // or without a tool is dropped, the client is not closed); and, each tick, the relay's events
  // to the clients whose interest scopes hold their tool.
  void on_editor_event(Client& client, const protocol::EditorEvent& event);
  void relay_editor_events();
  // Queues a message for a client; a refusal is counted (it can only be a lane limit).
  void send(transport::ConnectionId conn, const protocol::AnyMessage& message);
  void publish_entities(const sim::StepReport& report, Micros now);
  void send_own_state(Client& client, std::uint32_t tick);
  void send_chunk_diffs();
  // Up to `max` chunks within the credit; asks for twice that many ahead (ChunkPipeline).
  void stream_chunks(Client& client, std::uint64_t& credit, std::size_t max);
  void drain_replication(Client& client, std::uint64_t& credit);
  void drain_data(Client& client, std::uint64_t& credit);
  // A data-layer message from a client (DataSubscribe, DataWrite, DataAck, DataResync,
  // ClientReady).
  void on_data_message(Client& client, const protocol::AnyMessage& message);
  // The assets lane (game_server_assets.cpp): a client's AssetTransfer, AssetRequest or
  // NackRequest to the AssetHost (a broken rule closes it), and each step what it has to send.
  void on_asset_message(Client& client, const protocol::AnyMessage& message);
  void pump_assets(Micros now);
  // The client's DataHost client (and, in a signed-commands world, its CollabHost client when
  // the session negotiated signed commands), made afresh for a new connection, and dropped.
  void attach_data(Client& client, const HostEvent& event);
  void detach_data(Client& client);
  Client* client_of(transport::ConnectionId conn);
  // The network log's side (game_server_status.cpp): a session event, and what the data layer
  // did for a client since the last look (resyncs, refusals), read from its counters.
  void log_host_event(const HostEvent& event);
  void log_data_changes(Client& client);
  NetworkLogEntry log_entry(NetworkLogKind kind, std::uint64_t session_id) const;

  GameServerConfig config_;
  SessionHost host_;
  ServerWorld world_;
  replication::ReplicationHost replication_;
  replication::reference::ReferenceAccess reference_;
  codec::ChunkCodec chunk_codec_;
  WorkerPool workers_;            // before chunk_pipeline_, which waits for its jobs on it
  ChunkPipeline chunk_pipeline_;  // after world_ and chunk_codec_: its jobs use both
  std::unique_ptr<AssetHost> assets_;
  std::map<transport::ConnectionId, std::unique_ptr<Client>> clients_;  // ordered: deterministic
  struct Detached {
    std::unique_ptr<Client> client;
    Micros since{0};
    std::string reason;
  };
  std::map<std::uint64_t, Detached> detached_;  // by session id: may still be resumed
  // Block edits since the last diff flush: chunk -> (index, block before) in edit order.
  std::map<world::ChunkPos, std::vector<std::pair<std::uint32_t, std::uint16_t>>> edited_chunks_;
  bool mobs_published_ = false;      // every mob's rows set once, then only the moved ones
  std::uint32_t shedding_ = 0;       // ticks left to shed work after an overrun
  std::optional<Micros> next_tick_;  // unset until the first step
  Micros now_{0};
  Micros tick_period_{50'000};
  ServerMetrics metrics_;
  std::function<void(const HostEvent&)> observer_;
  NetworkLog network_log_;
  TelemetryAggregator telemetry_;
  EditorRelay editor_relay_;
};

}  // namespace theta_net::session
