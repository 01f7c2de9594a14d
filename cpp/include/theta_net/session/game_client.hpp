// The reference game's client, sans-I/O: a ClientApp that a ClientDriver drives over a transport
// endpoint with one connection (QuicClient or a SimNet client). One step(now):
//   session     handshake, resume after reconnects, heartbeats (SessionClient, which it owns)
//   world       chunks and chunk diffs into its own ChunkStore
//   prediction  every tick due, the player's intent becomes an input stamped for the server tick
//               it should reach the server by; the input is applied at once with the server's
//               movement code; every bundle repeats the inputs not yet acknowledged
//   reconcile   the server's exact state of the player (OwnPlayerState) is compared with the
//               prediction for that tick; beyond a threshold the client rewinds and replays;
//               the drawn position glides to the corrected one
//   remote      other players from entity deltas, drawn 100 ms in the past, interpolated
//   data        a ClientDB mirrors the server's data tables (the players table, markers, the
//               application's tables): it subscribes once the session is established, and
//               again from the version it holds after a reconnection or a pause
// After a pause (the driver was not stepped for a while) it does not replay the missed ticks: it
// stops predicting until the server's newest state of the player arrives, takes that state as
// its own without counting a correction, and stamps inputs from the server's tick onwards.
// Its role (the SessionAck's, then as an admin changes it) decides what it streams: a role that
// may not send InputBundle (a viewer) does not predict or stream inputs, it follows the server's
// state of its player; a block or inventory action the application asks for is still sent once,
// and the server refuses it (PermissionDenied, recorded as a permission_denied event). A data
// write its role may not send is refused in the mirror at once (not_allowed) and not sent.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "theta_net/codec/chunk_codec.hpp"
#include "theta_net/collab/collab_client.hpp"
#include "theta_net/core/time.hpp"
#include "theta_net/data/client_db.hpp"
#include "theta_net/netcode/correction_smoother.hpp"
#include "theta_net/netcode/interpolator.hpp"
#include "theta_net/netcode/prediction.hpp"
#include "theta_net/netcode/server_clock.hpp"
#include "theta_net/replay/event_writer.hpp"
#include "theta_net/replication/reference_components.hpp"
#include "theta_net/replication/replication_client.hpp"
#include "theta_net/session/asset_client.hpp"
#include "theta_net/session/client_app.hpp"
#include "theta_net/session/game_metrics.hpp"
#include "theta_net/session/session_client.hpp"
#include "theta_net/session/telemetry_reporter.hpp"
#include "theta_net/world/chunk_interest.hpp"

namespace theta_net::session {

struct GameClientConfig {
  std::string name;
  std::optional<std::string> token;
  Micros interpolation_delay = std::chrono::milliseconds(100);
  std::size_t redundant_inputs =
      4;             // inputs per bundle: the newest and the unacknowledged before it
  sim::Rules rules;  // tick_rate is taken from the server's SessionAck
  Micros heartbeat_interval = std::chrono::seconds(1);
  // The server's chunk view (radius and height): which chunks a load time is measured for.
  world::ChunkInterestConfig view;
  // The data tables the application expects: compose_game_schema's result (null: the reference
  // game's tables alone); the server's must be compatible (docs/data.md).
  std::shared_ptr<const data::DataSchema> data_schema;
  data::ClientDbConfig data;
  // Request signed commands: when the session negotiates them (a server whose world takes
  // them, ServerWorldConfig::signed_commands), the mirror's writes go out as commands signed
  // with the client's key (collab::CollabClient; docs/collaboration.md).
  bool signed_commands = false;
  // The client's asset folder (not owned; it outlives the client): with one, assets() publishes
  // and fetches over the assets lane (asset_client.hpp); without, the client has no assets().
  assets::AssetStore* assets = nullptr;
  AssetClientConfig asset_client;
  // TelemetryReports (interval 0: none): the frames the application records, the game's own
  // counters (game_client_telemetry.cpp) and the application's.
  TelemetryReporterConfig telemetry;
};

// What the player wants now; a block or inventory action is used once.
struct PlayerIntent {
  std::uint8_t buttons = 0;  // protocol::movebuttons_bits
  std::uint16_t yaw = 0;
  std::int16_t pitch = 0;
  std::optional<protocol::BlockAction> block;
  std::optional<protocol::InventoryOp> inventory;
};

struct RemotePlayer {
  replication::EntityId id = 0;
  netcode::InterpolatedView view;
  std::int32_t health = 0;
};

class GameClient final : public ClientApp {
 public:
  GameClient(GameClientConfig config, Ed25519KeyPair key, Rng rng,
             replay::EventWriter* events = nullptr);
  ~GameClient() override;

  void set_intent(const PlayerIntent& intent);
  // Sends a chat line (counted in messages_not_sent when the session is not established).
  void say(const std::string& text);
  // An admin's session control (kick, ban, role_change of another session), signed with this
  // client's key; returns its sequence, which a SessionControlResult answers.
  // Errors: those of SessionClient::send_control.
  Result<std::uint64_t> control(protocol::ControlAction action, std::uint64_t target,
                                std::optional<protocol::Role> role = std::nullopt,
                                std::string reason = {}, std::uint32_t ban_seconds = 0);
  // The server's answers to this client's controls, and its refusals of this client's messages,
  // since the last call.
  std::vector<protocol::SessionControlResult> take_control_results();
  std::vector<protocol::PermissionDenied> take_permission_denials();
  // The session's role now.
  protocol::Role role() const { return session_.role(); }
  // ClientApp: session events, prediction of every tick due, sends.
  void step(Micros now) override;
  // ClientApp: re-sync from the server instead of replaying the gap.
  void on_pause(Micros now, Micros gap) override;

  bool established() const { return session_.state() == SessionState::kEstablished; }
  SessionState state() const { return session_.state(); }
  SessionClient& session() { return session_; }
  const SessionClient& session() const { return session_; }
  // The exact predicted state, and where it is drawn (smoothed after corrections).
  bool has_player() const { return has_player_; }
  const sim::PlayerState& predicted() const { return predicted_.state(); }
  // The prediction for a past tick (to compare with the server's state at that tick).
  std::optional<sim::PlayerState> predicted_at(std::uint32_t tick) const {
    return predicted_.state_at(tick);
  }
  sim::Vec3 render_position() const { return smoother_.render(predicted_.state().position); }
  std::uint32_t input_tick() const { return next_input_tick_; }
  replication::EntityId player_entity() const { return own_entity_; }
  std::vector<RemotePlayer> remote_players(Micros now) const;
  world::ChunkStore& chunks() { return chunks_; }
  // The mirror of the server's data tables: read it, subscribe to changes, write through it.
  data::ClientDB& data() { return data_; }
  const data::ClientDB& data() const { return data_; }
  // The signing side (null without config.signed_commands), and whether this session signs.
  collab::CollabClient* commands() { return collab_.get(); }
  bool signing() const { return signing_; }
  // Publishing and fetching assets (null without config.assets).
  AssetClient* assets() { return assets_.get(); }
  const ClientMetrics& metrics() const { return metrics_; }
  // Editor events (game_client_editor.cpp). The tool scopes whose EditorEvents the server relays
  // to this client (its InterestUpdate's scopes, "*" for every tool): sent now if established,
  // and again after every reconnection.
  // Errors: kLimitExceeded (more than ClientInterest::kMaxScopes), those of SessionClient::send.
  Status set_tool_scopes(std::vector<std::string> scopes);
  const std::vector<std::string>& tool_scopes() const { return tool_scopes_; }
  // An event for the other clients in its tool's scope (the server sets the author, and refuses
  // it with PermissionDenied for a role below editor).
  // Errors: those of SessionClient::send.
  Status send_editor_event(protocol::EditorEvent event);
  // The others' events the server relayed since the last call (the newest kMaxEditorEvents).
  std::vector<protocol::EditorEvent> take_editor_events();
  static constexpr std::size_t kMaxEditorEvents = 1024;
  // Every relayed event ever received, by kind name.
  const std::map<std::string, std::uint64_t>& editor_events_received() const {
    return editor_events_received_;
  }
  // The TelemetryReports: record frame times and set counters here; set_interval starts them.
  TelemetryReporter& telemetry() { return telemetry_; }
  const TelemetryReporter& telemetry() const { return telemetry_; }
  // Drains the reconciliation events since the last call.
  std::vector<netcode::ReconciliationEvent> take_reconciliations();

 private:
  void on_session_event(ClientEvent& event, Micros now);
  void on_message(protocol::AnyMessage& message, Micros now);
  void on_own_state(const protocol::OwnPlayerState& own, Micros now);
  // The session layer's messages to this client: refusals, controls and their results.
  void on_session_message(const protocol::AnyMessage& message, Micros now);
  // Whether the role may send inputs (else the client follows the server's state of its player).
  bool may_play() const;
  // A role without inputs: the application's pending block or inventory action, sent once.
  void send_action_only(Micros now);
  // A DataWrite its role may not send is refused in the mirror at once (the caller still sends
  // it, for the server to refuse and record): true if so.
  bool refuse_write_locally(const protocol::AnyMessage& message, Micros now);
  void on_chunk(const protocol::ChunkData& data, Micros now);
  void on_chunk_diff(const protocol::ChunkDiff& diff);
  void on_entities(std::uint32_t server_tick);
  // The data layer's messages to and from the mirror, and its state changes in the stream.
  void step_data(Micros now);
  // The assets lane (game_client_assets.cpp): the AssetClient's offers, requests, NackRequests
  // and chunks each step, paced by the connection's backlog; the server's AssetTransfers and
  // NackRequests to it.
  void step_assets(Micros now);
  void on_asset_message(const protocol::AnyMessage& message, Micros now);
  // The session came back (or outlived a pause): the mirror catches up, and a signing client's
  // unanswered commands go again.
  void reconnect_data(Micros now);
  void predict_due_ticks(Micros now);
  // Starts scratch_ as an event at `tick`, never before the last one (a client's ticks come
  // from several lanes, and a stream's ticks must not decrease).
  replay::Event& begin_event(std::uint32_t tick, std::string_view kind);
  void record(const replay::Event& event);
  void want_chunks_around(Micros now);
  // A TelemetryReport when one is due, with the game's counters (game_client_telemetry.cpp).
  void send_telemetry(Micros now);
  // A relayed EditorEvent, and the scopes sent again on a new connection
  // (game_client_editor.cpp).
  void on_editor_event(protocol::EditorEvent event);
  // Errors: those of SessionClient::send.
  Status send_tool_scopes();

  GameClientConfig config_;
  SessionClient session_;
  replication::ReplicationClient replication_;
  replication::reference::ReferenceAccess reference_;
  codec::ChunkCodec chunk_codec_;
  world::ChunkStore chunks_;
  std::map<world::ChunkPos, std::uint32_t> chunk_revision_;
  std::map<world::ChunkPos, Micros> wanted_since_;  // for chunk load times
  netcode::PredictedPlayer predicted_;
  netcode::ServerClock clock_;
  netcode::CorrectionSmoother smoother_;
  std::map<replication::EntityId, netcode::Interpolator> remote_;
  std::vector<replication::EntityId> gone_;  // on_entities' despawns (kept for its capacity)
  data::ClientDB data_;
  std::unique_ptr<collab::CollabClient> collab_;  // with config.signed_commands
  std::unique_ptr<AssetClient> assets_;           // with config.assets
  bool signing_ = false;                          // this session negotiated signed commands
  data::SyncState recorded_data_state_ = data::SyncState::kIdle;
  PlayerIntent intent_;
  bool has_player_ = false;
  // After a pause: no prediction until the server's state arrives; each state in that step
  // replaces the prediction (the newest wins) instead of correcting it.
  bool resyncing_ = false;
  bool resynced_this_step_ = false;
  replication::EntityId own_entity_ = 0;
  std::uint32_t next_input_tick_ = 0;
  std::uint32_t sequence_ = 0;
  std::uint32_t last_own_tick_ = 0;
  std::uint32_t last_event_tick_ = 0;
  std::vector<netcode::ReconciliationEvent> reconciliations_;
  std::vector<protocol::SessionControlResult> control_results_;
  std::vector<protocol::PermissionDenied> permission_denials_;
  ClientMetrics metrics_;
  TelemetryReporter telemetry_;
  std::vector<std::string> tool_scopes_;
  std::deque<protocol::EditorEvent> editor_events_;
  std::map<std::string, std::uint64_t> editor_events_received_;
  replay::EventWriter* events_;
  replay::Event scratch_{0, "scratch"};
};

}  // namespace theta_net::session
