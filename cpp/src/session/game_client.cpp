#include "theta_net/session/game_client.hpp"

#include <limits>

#include "theta_net/codec/chunk_diff.hpp"
#include "theta_net/protocol/message_codec.hpp"
#include "theta_net/session/game_data.hpp"
#include "theta_net/session/server_world.hpp"
#include "theta_net/world/chunk_interest.hpp"

namespace theta_net::session {

using protocol::AnyMessage;

namespace {

SessionClientConfig session_config(const GameClientConfig& config) {
  SessionClientConfig c;
  c.handshake.client_name = config.name;
  c.handshake.auth_token = config.token;
  c.heartbeat_interval = config.heartbeat_interval;
  if (!config.signed_commands) {
    c.handshake.capabilities &= ~protocol::capabilities_bits::kSignedCommands;
  }
  return c;
}

// The first protocol minor with CommandResult.
constexpr std::uint16_t kSignedCommandsMinor = 3;

sim::PlayerState state_of(const protocol::OwnPlayerState& own) {
  sim::PlayerState s;
  auto at = [](const std::vector<std::int64_t>& v, std::size_t i) {
    return i < v.size() ? Fx::from_raw(v[i]) : Fx{};
  };
  s.position = {at(own.position, 0), at(own.position, 1), at(own.position, 2)};
  s.velocity = {at(own.velocity, 0), at(own.velocity, 1), at(own.velocity, 2)};
  s.yaw = own.yaw;
  s.pitch = own.pitch;
  s.on_ground = own.on_ground;
  s.health = own.health;
  s.selected_slot = own.selected_slot;
  s.last_input_sequence = own.last_input_sequence;
  return s;
}

world::ChunkPos chunk_pos(const protocol::Vec3i& v) {
  return {v.x, v.y, v.z};
}

}  // namespace

GameClient::GameClient(GameClientConfig config, Ed25519KeyPair key, Rng rng,
                       replay::EventWriter* events)
    : config_(std::move(config)),
      session_(session_config(config_), key, rng),
      replication_(replication::reference::schema(), replication::reference::schema()),
      reference_(*replication::reference::schema()),
      chunk_codec_(codec::ChunkPreset::kDefault),
      predicted_(config_.rules),
      clock_(config_.rules.tick_rate),
      data_(config_.data_schema ? config_.data_schema : reference_data_schema(), config_.data),
      collab_(config_.signed_commands ? std::make_unique<collab::CollabClient>(data_, key)
                                      : nullptr),
      assets_(config_.assets ? std::make_unique<AssetClient>(*config_.assets, config_.asset_client)
                             : nullptr),
      telemetry_(config_.telemetry),
      events_(events) {}

GameClient::~GameClient() = default;

replay::Event& GameClient::begin_event(std::uint32_t tick, std::string_view kind) {
  last_event_tick_ = std::max(last_event_tick_, tick);
  scratch_.reset(last_event_tick_, kind);
  return scratch_;
}

void GameClient::record(const replay::Event& event) {
  if (events_ && !events_->write(event).ok()) ++metrics_.event_write_errors;
}

void GameClient::set_intent(const PlayerIntent& intent) {
  const auto block = intent_.block;
  const auto inventory = intent_.inventory;
  intent_ = intent;
  // A pending action not yet sent survives an update without one.
  if (!intent_.block) intent_.block = block;
  if (!intent_.inventory) intent_.inventory = inventory;
}

void GameClient::say(const std::string& text) {
  protocol::ChatMessage chat;
  chat.text = text;
  if (!session_.send(chat).ok()) ++metrics_.messages_not_sent;
}

void GameClient::step(Micros now) {
  while (auto event = session_.next_event()) on_session_event(*event, now);
  if (resynced_this_step_) {
    resyncing_ = false;  // the newest state of this step is the prediction's start
    resynced_this_step_ = false;
  }
  if (established()) {
    for (AnyMessage& message : replication_.take_outgoing()) {
      if (!session_.send(message).ok()) ++metrics_.messages_not_sent;
    }
    step_data(now);
    step_assets(now);
    predict_due_ticks(now);
    send_telemetry(now);
  }
}

void GameClient::on_pause(Micros now, Micros gap) {
  ++metrics_.pauses;
  resyncing_ = true;
  next_input_tick_ = 0;  // inputs start again from the server's tick, not from before the pause
  begin_event(last_own_tick_, "pause");
  scratch_.set("gap_ms", to_milliseconds(gap)).set("at_ms", to_milliseconds(now));
  record(scratch_);
  // The connection outlived the pause: catch up from the version held. (A connection the driver
  // abandoned resubscribes when its replacement is established.)
  if (established()) reconnect_data(now);
}

void GameClient::on_session_event(ClientEvent& event, Micros now) {
  switch (event.kind) {
    case ClientEvent::Kind::kEstablished:
      if (event.ack->tick_rate != config_.rules.tick_rate && event.ack->tick_rate != 0) {
        config_.rules.tick_rate = event.ack->tick_rate;
        predicted_ = netcode::PredictedPlayer(config_.rules);
        clock_ = netcode::ServerClock(config_.rules.tick_rate);
        has_player_ = false;
      }
      // A new connection starts the server's side of replication afresh: so does ours.
      replication_ = replication::ReplicationClient(replication::reference::schema(),
                                                    replication::reference::schema());
      remote_.clear();
      clock_.on_server_tick(event.ack->server_tick, now, Micros{0});
      // The server's data host knows this connection afresh: a full sync the first time, then
      // the batches after the version held (or a full sync when the archive no longer has them).
      signing_ = collab_ &&
                 (event.ack->capabilities & protocol::capabilities_bits::kSignedCommands) != 0 &&
                 event.ack->protocol_minor >= kSignedCommandsMinor;
      data_.set_protocol_minor(event.ack->protocol_minor);  // how it may ask for a gap
      if (data_.status().state == data::SyncState::kIdle) {
        data_.subscribe(now);
      } else {
        reconnect_data(now);
      }
      ++metrics_.connections;
      if (event.ack->resumed) ++metrics_.resumes;
      if (assets_) assets_->on_reconnect(now);  // unfinished transfers go on from what is held
      // A new connection's interest starts empty on the server: the scopes go again.
      if (!tool_scopes_.empty() && !send_tool_scopes().ok()) ++metrics_.messages_not_sent;
      begin_event(last_own_tick_, "connected");
      scratch_.set("resumed", event.ack->resumed)
          .set("role", std::string(protocol::enum_name(event.ack->role).value_or("?")));
      record(scratch_);
      break;
    case ClientEvent::Kind::kRejected:
    case ClientEvent::Kind::kLost:
      // The commands queued for the lost connection go again after the next one's sync.
      if (signing_ && event.kind == ClientEvent::Kind::kLost) (void)collab_->drop_outgoing();
      begin_event(last_own_tick_, event.kind == ClientEvent::Kind::kLost ? "lost" : "rejected");
      scratch_.set("detail", event.detail);
      record(scratch_);
      break;
    case ClientEvent::Kind::kMessage:
      on_message(*event.message, now);
      break;
  }
}

void GameClient::on_message(AnyMessage& message, Micros now) {
  if (const auto* own = std::get_if<protocol::OwnPlayerState>(&message))
    return on_own_state(*own, now);
  if (const auto* data = std::get_if<protocol::ChunkData>(&message)) return on_chunk(*data, now);
  if (const auto* diff = std::get_if<protocol::ChunkDiff>(&message)) return on_chunk_diff(*diff);
  if (const auto* unload = std::get_if<protocol::ChunkUnload>(&message)) {
    for (const protocol::Vec3i& pos : unload->positions) {
      chunks_.erase(chunk_pos(pos));
      chunk_revision_.erase(chunk_pos(pos));
      record(begin_event(last_own_tick_, "chunk_unload").key(position_key(pos.x, pos.y, pos.z)));
    }
    return;
  }
  if (std::holds_alternative<protocol::DataSyncBegin>(message) ||
      std::holds_alternative<protocol::DataSnapshotChunk>(message) ||
      std::holds_alternative<protocol::SyncProgress>(message) ||
      std::holds_alternative<protocol::DataBatch>(message) ||
      std::holds_alternative<protocol::DataWriteResult>(message) ||
      std::holds_alternative<protocol::DataRefused>(message) ||
      std::holds_alternative<protocol::DataStateHash>(message) ||
      std::holds_alternative<protocol::CommandResult>(message) ||
      std::holds_alternative<protocol::CommandLogEntry>(message)) {
    const bool to_collab = signing_ || std::holds_alternative<protocol::CommandResult>(message) ||
                           std::holds_alternative<protocol::CommandLogEntry>(message);
    if (to_collab && !collab_) {
      ++metrics_.data_errors;  // commands answered to a client that never signed
      return;
    }
    const Status taken =
        to_collab ? collab_->on_message(message, now) : data_.on_message(message, now);
    if (!taken.ok()) ++metrics_.data_errors;
    return;
  }
  if (std::holds_alternative<protocol::AssetTransfer>(message) ||
      std::holds_alternative<protocol::NackRequest>(message)) {
    return on_asset_message(message, now);
  }
  if (std::holds_alternative<protocol::PermissionDenied>(message) ||
      std::holds_alternative<protocol::SessionControlResult>(message) ||
      std::holds_alternative<protocol::SessionControl>(message)) {
    return on_session_message(message, now);
  }
  if (auto* editor = std::get_if<protocol::EditorEvent>(&message)) {
    return on_editor_event(std::move(*editor));
  }
  if (const auto* chat = std::get_if<protocol::ChatMessage>(&message)) {
    metrics_.chat.push_back(str_cat(chat->sender, ": ", chat->text));
    record(begin_event(last_own_tick_, "chat").set("sender", chat->sender).set("text", chat->text));
    return;
  }
  std::optional<std::uint32_t> entity_tick;
  if (const auto* delta = std::get_if<protocol::EntityDelta>(&message)) {
    clock_.on_server_tick(delta->server_tick, now, session_.rtt());
    entity_tick = delta->server_tick;
  }
  if (replication_.on_message(message).ok() && entity_tick) on_entities(*entity_tick);
}

void GameClient::on_own_state(const protocol::OwnPlayerState& own, Micros now) {
  clock_.on_server_tick(own.server_tick, now, session_.rtt());
  own_entity_ = own.entity;
  const sim::PlayerState authoritative = state_of(own);
  // A role without inputs predicts nothing: it takes the server's state as it comes.
  if (!has_player_ || resyncing_ || !may_play()) {
    if (has_player_ && own.server_tick <= last_own_tick_) return;  // older than one we took
    predicted_.reset(authoritative, own.server_tick);
    resynced_this_step_ = resyncing_;
    has_player_ = true;
    last_own_tick_ = own.server_tick;
    want_chunks_around(now);
    return;
  }
  if (own.server_tick <= last_own_tick_) return;  // a late or repeated datagram
  last_own_tick_ = own.server_tick;
  if (auto error = predicted_.error_at(authoritative, own.server_tick)) {
    ++metrics_.own_states;
    metrics_.error_ms_sum += error->to_double() / config_.rules.walk_speed.to_double() * 1000.0;
  }
  const sim::Vec3 before = predicted_.state().position;
  const world::ChunkPos chunk_before = world::chunk_of(
      {static_cast<std::int32_t>(before.x.floor()), static_cast<std::int32_t>(before.y.floor()),
       static_cast<std::int32_t>(before.z.floor())});
  if (auto event = predicted_.reconcile(authoritative, own.server_tick, chunks_)) {
    smoother_.on_correction(before, predicted_.state().position);
    ++metrics_.reconciliations;
    metrics_.ticks_replayed += event->ticks_replayed;
    metrics_.error_blocks_sum += event->error.to_double();
    metrics_.error_blocks_max = std::max(metrics_.error_blocks_max, event->error.to_double());
    reconciliations_.push_back(*event);
    begin_event(own.server_tick, "reconciliation");
    scratch_.set("error", event->error.to_double())
        .set("replayed", std::int64_t{event->ticks_replayed})
        .set("cause", netcode::correction_causes_text(event->causes));
    record(scratch_);
  }
  const sim::Vec3 after = predicted_.state().position;
  if (world::chunk_of({static_cast<std::int32_t>(after.x.floor()),
                       static_cast<std::int32_t>(after.y.floor()),
                       static_cast<std::int32_t>(after.z.floor())}) != chunk_before) {
    want_chunks_around(now);
  }
}

void GameClient::want_chunks_around(Micros now) {
  // The chunks the server's view covers; the time each takes to arrive is a load time. Chunks
  // wanted earlier but now out of view will not come: they are no longer waited for.
  const sim::Vec3 p = predicted_.state().position;
  const world::ChunkPos c = world::chunk_of({static_cast<std::int32_t>(p.x.floor()),
                                             static_cast<std::int32_t>(p.y.floor()),
                                             static_cast<std::int32_t>(p.z.floor())});
  const world::ChunkInterestConfig& view = config_.view;
  std::erase_if(wanted_since_, [&](const auto& entry) {
    return std::max(std::abs(entry.first.x - c.x), std::abs(entry.first.z - c.z)) >
           view.view_radius;
  });
  for (std::int32_t dx = -view.view_radius; dx <= view.view_radius; ++dx) {
    for (std::int32_t dz = -view.view_radius; dz <= view.view_radius; ++dz) {
      for (std::int32_t y = view.min_chunk_y; y <= view.max_chunk_y; ++y) {
        const world::ChunkPos pos{c.x + dx, y, c.z + dz};
        if (!chunks_.find(pos)) wanted_since_.emplace(pos, now);
      }
    }
  }
}

void GameClient::on_chunk(const protocol::ChunkData& data, Micros now) {
  const world::ChunkPos pos = chunk_pos(data.position);
  world::Chunk chunk;
  chunk.revision = data.revision;
  if (!chunk_codec_.decode_into(data.blob, chunk.blocks).ok()) {
    ++metrics_.chunk_errors;
    return;
  }
  chunks_.insert(pos, chunk);
  chunk_revision_[pos] = data.revision;
  ++metrics_.chunks_loaded;
  if (auto it = wanted_since_.find(pos); it != wanted_since_.end()) {
    const double ms = to_milliseconds(now - it->second);
    metrics_.chunk_load_ms_sum += ms;
    ++metrics_.chunk_loads_timed;
    metrics_.chunk_load_ms_max = std::max(metrics_.chunk_load_ms_max, ms);
    wanted_since_.erase(it);
  }
  begin_event(last_own_tick_, "chunk_load");
  scratch_.key(position_key(pos.x, pos.y, pos.z)).set("revision", std::int64_t{data.revision});
  record(scratch_);
}

void GameClient::on_chunk_diff(const protocol::ChunkDiff& diff) {
  const world::ChunkPos pos = chunk_pos(diff.position);
  auto held = chunk_revision_.find(pos);
  world::Chunk* chunk = held == chunk_revision_.end() ? nullptr : chunks_.get_or_create(pos);
  if (!chunk || held->second != diff.base_revision ||
      !codec::apply_chunk_diff(diff.blob, codec::kSectionDims, chunk->blocks, chunk_codec_).ok()) {
    ++metrics_.chunk_errors;
    return;
  }
  chunk->revision = diff.revision;
  held->second = diff.revision;
  ++metrics_.chunk_diffs;
}

void GameClient::on_entities(std::uint32_t server_tick) {
  ++metrics_.entity_updates;
  const replication::WorldState& state = replication_.entities();
  const std::size_t transform = reference_.transform_index();
  const std::size_t velocity = reference_.velocity_index();
  // Both are in id order: one merge updates the interpolators in place, spawning the new and
  // despawning the gone, without rebuilding the map each update. Spawns are recorded first,
  // then despawns, each in id order.
  auto it = remote_.begin();
  gone_.clear();
  auto despawn_until = [&](replication::EntityId id) {
    while (it != remote_.end() && it->first < id) {
      gone_.push_back(it->first);
      it = remote_.erase(it);
    }
  };
  for (std::size_t i = 0; i < state.size(); ++i) {
    const replication::EntityId id = state.id(i);
    if (id == own_entity_ || !state.has(id, transform)) continue;
    despawn_until(id);
    netcode::EntitySample sample;
    sample.tick = server_tick;
    const auto t = reference_.transform(state, i);
    sample.position = {t.x, t.y, t.z};
    sample.yaw = static_cast<std::uint16_t>(t.yaw);
    sample.pitch = static_cast<std::int16_t>(t.pitch);
    if (state.has(id, velocity)) {
      const auto v = reference_.velocity(state, i);
      sample.velocity = {v.x, v.y, v.z};
    }
    if (it == remote_.end() || it->first != id) {
      record(begin_event(server_tick, "spawn").entity(id));
      it = remote_.emplace_hint(it, id, netcode::Interpolator(config_.rules.tick_rate));
    }
    it->second.add(sample);
    ++it;
  }
  despawn_until(std::numeric_limits<replication::EntityId>::max());
  if (it != remote_.end()) {  // the largest id possible
    gone_.push_back(it->first);
    remote_.erase(it);
  }
  for (const replication::EntityId id : gone_)
    record(begin_event(server_tick, "despawn").entity(id));
}

std::vector<RemotePlayer> GameClient::remote_players(Micros now) const {
  std::vector<RemotePlayer> out;
  if (!clock_.synced()) return out;
  const Fx render = netcode::interpolation_time(
      clock_.server_tick_at(now), config_.interpolation_delay, config_.rules.tick_rate);
  for (const auto& [id, interp] : remote_) out.push_back({id, interp.view_at(render), 0});
  return out;
}

void GameClient::predict_due_ticks(Micros now) {
  if (!has_player_ || resyncing_ || !clock_.synced()) return;
  if (!may_play()) return send_action_only(now);
  const std::uint32_t target = clock_.input_tick_at(now, session_.rtt(), session_.jitter());
  if (next_input_tick_ == 0) {
    // Until our first input reaches the server, it repeats "no input": so does the prediction.
    next_input_tick_ = std::max(target, predicted_.tick() + 1);
    for (std::uint32_t t = predicted_.tick() + 1; t < next_input_tick_; ++t) {
      protocol::InputFrame still;
      still.tick = t;
      still.yaw = predicted_.state().yaw;
      predicted_.predict(still, chunks_);
    }
  }
  bool produced = false;
  for (std::uint32_t n = 0; next_input_tick_ <= target && n < 2 * config_.rules.tick_rate; ++n) {
    protocol::InputFrame input;
    input.tick = next_input_tick_++;
    input.sequence = ++sequence_;
    input.buttons = intent_.buttons;
    input.yaw = intent_.yaw;
    input.pitch = intent_.pitch;
    input.block = std::exchange(intent_.block, std::nullopt);
    input.inventory = std::exchange(intent_.inventory, std::nullopt);
    predicted_.predict(input, chunks_);
    smoother_.tick();
    ++metrics_.inputs_sent;
    produced = true;
  }
  if (!produced) return;
  protocol::InputBundle bundle;
  bundle.last_server_tick = replication_.ack_tick();
  bundle.inputs = predicted_.unacknowledged(config_.redundant_inputs);
  if (session_.send(bundle).ok()) {
    ++metrics_.bundles_sent;
  } else {
    ++metrics_.messages_not_sent;
  }
}

std::vector<netcode::ReconciliationEvent> GameClient::take_reconciliations() {
  return std::exchange(reconciliations_, {});
}

}  // namespace theta_net::session
