#include "theta_net/session/game_server.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "game_server_client.hpp"
#include "theta_net/codec/chunk_diff.hpp"
#include "theta_net/protocol/message_codec.hpp"

namespace theta_net::session {

using protocol::AnyMessage;

namespace {

replication::ReplicationHostConfig replication_config(const GameServerConfig& config) {
  replication::ReplicationHostConfig r;
  r.entities.update_interval = config.entity_update_interval;
  r.entities.bytes_per_second = config.bytes_per_second;
  r.view_distance = static_cast<std::uint32_t>(config.chunks.view_radius);
  // The update interval in ticks (2 at 10 Hz updates and 20 Hz ticks): clients spread over it.
  const auto interval_us = static_cast<std::uint64_t>(config.entity_update_interval.count());
  const std::uint64_t ticks = interval_us * config.world.rules.tick_rate / 1'000'000;
  r.update_phases = static_cast<std::uint32_t>(std::clamp<std::uint64_t>(ticks, 1, 64));
  return r;
}

// The configuration as the server announces it: its SessionAck carries the world's tick rate
// (clients pace their inputs by it), and offers signed_commands only for a world that takes
// signed commands. Applied before any member is built from it: the session host copies its
// handshake settings when it is constructed.
GameServerConfig announced(GameServerConfig config) {
  config.sessions.handshake.tick_rate = static_cast<std::uint16_t>(config.world.rules.tick_rate);
  if (!config.world.signed_commands) {
    config.sessions.handshake.capabilities &= ~protocol::capabilities_bits::kSignedCommands;
  }
  return config;
}

world::ChunkPos chunk_of_player(const sim::PlayerState& s) {
  return world::chunk_of({static_cast<std::int32_t>(s.position.x.floor()),
                          static_cast<std::int32_t>(s.position.y.floor()),
                          static_cast<std::int32_t>(s.position.z.floor())});
}

}  // namespace

GameServer::GameServer(GameServerConfig config, Ed25519KeyPair key, Rng rng,
                       replay::EventWriter* events, replay::EventWriter* inputs)
    : config_(announced(std::move(config))),
      host_(config_.sessions, key, rng),
      world_(config_.world, events, inputs),
      replication_(replication::reference::schema(), replication::reference::schema(),
                   replication_config(config_)),
      reference_(*replication::reference::schema()),
      chunk_codec_(codec::ChunkPreset::kDefault),
      workers_(config_.workers),
      chunk_pipeline_({}, chunk_codec_, workers_),
      // A stream of its own: resume tokens must not be the handshake's published numbers.
      assets_(std::make_unique<AssetHost>(config_.assets, config_.asset_host, rng.fork(0xA55E7))),
      telemetry_(config_.telemetry),
      editor_relay_(config_.editor) {
  tick_period_ = Micros(1'000'000 / config_.world.rules.tick_rate);
  // The reference schema has a Transform with x, y, z: this cannot fail but by a bug.
  if (Status placed = replication_.set_position_component(replication::reference::kTransform);
      !placed.ok()) {
    std::fprintf(stderr, "theta_net: %s\n", placed.error().describe().c_str());
    std::abort();
  }
}

GameServer::~GameServer() = default;

GameServer::Client* GameServer::client_of(transport::ConnectionId conn) {
  const auto it = clients_.find(conn);
  return it == clients_.end() ? nullptr : it->second.get();
}

void GameServer::handle_sessions(Micros now) {
  now_ = now;
  if (!next_tick_) next_tick_ = now + tick_period_;
  while (auto event = host_.next_event()) on_host_event(*event);
  // Every step, not every tick: asset chunks move as fast as the connection acknowledges them.
  pump_assets(now);
  // Sessions not resumed in time leave the world.
  for (auto it = detached_.begin(); it != detached_.end();) {
    if (now - it->second.since > config_.sessions.handshake.resume_window) {
      assets_->forget_session(it->first);
      leave(*it->second.client, it->second.reason);
      it = detached_.erase(it);
    } else {
      ++it;
    }
  }
}

void GameServer::send(transport::ConnectionId conn, const AnyMessage& message) {
  if (!host_.send(conn, message).ok()) ++metrics_.sends_refused;
}

void GameServer::detach(transport::ConnectionId conn, std::string reason) {
  // The player stays in the world (standing still) while the session may be resumed.
  if (auto it = clients_.find(conn); it != clients_.end()) {
    // Its data sync ends with the connection: a resumed session subscribes again from the
    // version it holds (catching up from the archive).
    detach_data(*it->second);
    const std::uint64_t session = it->second->session_id;
    assets_->on_connection_end(session, now_);
    detached_[session] = Detached{std::move(it->second), now_, std::move(reason)};
    clients_.erase(it);
  }
}

void GameServer::on_host_event(HostEvent& event) {
  if (event.kind != HostEvent::Kind::kMessage) {
    log_host_event(event);
    if (observer_) observer_(event);
  }
  switch (event.kind) {
    case HostEvent::Kind::kSessionStarted:
      on_session_started(event);
      break;
    case HostEvent::Kind::kSessionEnded:
      // A session the host forgot (kicked, banned) cannot come back: its player leaves now.
      if (host_.handshake().session(event.session_id)) {
        detach(event.conn, event.detail);
      } else {
        remove(event.conn, event.detail);
      }
      break;
    case HostEvent::Kind::kPermissionDenied:
      record_permission_denied(event);
      break;
    case HostEvent::Kind::kSessionControl:
      record_session_control(event);
      break;
    case HostEvent::Kind::kRefused:
      // A hello refused, or an established session closed for breaking the protocol: that
      // player is detached like a dropped one (it may resume with its token).
      if (clients_.contains(event.conn)) {
        ++metrics_.protocol_violations;
        detach(event.conn, event.detail);
      }
      break;
    case HostEvent::Kind::kMessage:
      if (Client* c = client_of(event.conn); c && event.message)
        on_client_message(*c, *event.message);
      break;
  }
}

void GameServer::on_session_started(const HostEvent& event) {
  // A resumed session takes its player back: same entity, same place (from a dropped
  // connection, or from one the client left before it timed out).
  std::unique_ptr<Client> client;
  // Transfers of an earlier connection of this session stop (the client resumes them).
  assets_->on_connection_end(event.session_id, now_);
  if (auto away = detached_.find(event.session_id); away != detached_.end()) {
    client = std::move(away->second.client);
    detached_.erase(away);
  } else {
    for (auto it = clients_.begin(); it != clients_.end(); ++it) {
      if (it->second->session_id == event.session_id) {
        client = std::move(it->second);
        clients_.erase(it);
        break;
      }
    }
  }
  if (client) {
    client->conn = event.conn;
    client->held_revision.clear();  // a new connection: resend what it should hold
    client->chunks = world::ChunkInterest(config_.chunks);
    client->inputs = netcode::InputJitterBuffer();
    replication_.remove_client(client->replication_id);
    client->replication_id = replication_.add_client();
    if (auto* interest = replication_.interest_of(client->replication_id))
      interest->always_see(client->player);
    detach_data(*client);
    attach_data(*client, event);
    clients_[event.conn] = std::move(client);
    return;
  }
  const std::string name = event.session.client_name.empty()
                               ? str_cat("player-", event.session_id % 100000)
                               : event.session.client_name;
  const sim::PlayerId player = world_.join(name);
  client =
      std::make_unique<Client>(event.session_id, player, name, replication_.add_client(), config_);
  client->conn = event.conn;
  attach_data(*client, event);
  if (auto* interest = replication_.interest_of(client->replication_id))
    interest->always_see(player);
  clients_[event.conn] = std::move(client);
}

void GameServer::on_client_message(Client& c, AnyMessage& message) {
  if (const auto* chat = std::get_if<protocol::ChatMessage>(&message)) {
    world_.chat(c.player, chat->text);
    protocol::ChatMessage relay = *chat;
    relay.sender = c.session_id;
    relay.server_tick = world_.tick();
    for (auto& [conn, other] : clients_) send(conn, relay);
    return;
  }
  if (std::holds_alternative<protocol::DataSubscribe>(message) ||
      std::holds_alternative<protocol::DataWrite>(message) ||
      std::holds_alternative<protocol::DataAck>(message) ||
      std::holds_alternative<protocol::DataResync>(message) ||
      std::holds_alternative<protocol::ClientReady>(message) ||
      std::holds_alternative<protocol::CommandLogEntry>(message)) {
    return on_data_message(c, message);
  }
  // A NackRequest goes to the lane it names: missing data versions, or an asset's chunks.
  if (const auto* nack = std::get_if<protocol::NackRequest>(&message);
      nack && nack->lane == protocol::LaneId::kReplication) {
    return on_data_message(c, message);
  }
  if (std::holds_alternative<protocol::AssetTransfer>(message) ||
      std::holds_alternative<protocol::AssetRequest>(message) ||
      std::holds_alternative<protocol::NackRequest>(message)) {
    return on_asset_message(c, message);
  }
  if (const auto* report = std::get_if<protocol::TelemetryReport>(&message)) {
    return on_telemetry(c, *report);
  }
  if (const auto* editor = std::get_if<protocol::EditorEvent>(&message)) {
    return on_editor_event(c, *editor);
  }
  const std::string_view name = protocol::message_name(protocol::type_of(message));
  if (const auto* bundle = std::get_if<protocol::InputBundle>(&message)) {
    for (const protocol::InputFrame& input : bundle->inputs) c.inputs.add(input, world_.tick() + 1);
  } else if (auto* interest = std::get_if<protocol::InterestUpdate>(&message)) {
    // The view distance is the server's to decide (its chunk view): a client's figure, sent with
    // its tool scopes, must not shrink or widen what it is sent.
    interest->view_distance = static_cast<std::uint16_t>(config_.chunks.view_radius);
  } else {
    return host_.violation(c.conn, str_cat("clients do not send ", name));
  }
  // The entity acknowledgement (InputBundle), the interest change.
  if (Status taken = replication_.on_message(c.replication_id, message); !taken.ok()) {
    host_.violation(c.conn, str_cat(name, " refused: ", taken.error().describe()));
  }
}

void GameServer::tick_took(Nanos spent) {
  if (config_.tick_budget <= Nanos{0} || spent <= config_.tick_budget) return;
  ++metrics_.tick_overruns;
  shedding_ = config_.shed_ticks;
}

void GameServer::tick(Micros now) {
  now_ = now;
  const std::uint32_t tick = world_.tick() + 1;
  // Chunks asked for last tick come in before anything reads the world.
  chunk_pipeline_.deliver(world_.chunks(), tick);
  std::map<sim::PlayerId, protocol::InputFrame> inputs;
  for (auto& [conn, c] : clients_) inputs[c->player] = c->inputs.take(tick);
  const sim::StepReport report = world_.step(inputs, now);
  world_.data().host().handle_timeout(now);
  for (const sim::BlockEdit& edit : report.edits) {
    // Each edit bumped its chunk's revision by one; the diff period's base is recovered from
    // the list of (index, block before) when the diffs go out.
    edited_chunks_[world::chunk_of(edit.pos)].push_back(
        {static_cast<std::uint32_t>(world::index_in_chunk(edit.pos)), edit.before});
  }
  // After an overrun (tick_took), entity updates shrink and chunk streaming slows to a chunk a
  // tick, so that the simulation, own states, entities and data keep their pace.
  const bool shed = shedding_ > 0;
  if (shed) {
    --shedding_;
    ++metrics_.ticks_shed;
  }
  replication_.set_shedding(shed);
  publish_entities(report, now);
  relay_editor_events();
  if (tick % config_.chunk_diff_interval == 0) send_chunk_diffs();
  for (auto& [conn, c] : clients_) {
    std::uint64_t credit = c->budget.available(now);
    send_own_state(*c, tick);
    drain_replication(*c, credit);
    drain_data(*c, credit);
    // Shedding: one new chunk a tick, so an overloaded server still streams, slowly.
    stream_chunks(*c, credit, shed ? 1 : config_.max_chunks_per_tick);
    log_data_changes(*c);
  }
  ++metrics_.ticks_simulated;
  metrics_.tick = tick;
  metrics_.clients = clients_.size();
  metrics_.entities = world_.simulation().players().size() + world_.simulation().mobs().size();
  *next_tick_ += tick_period_;
  host_.set_server_tick(world_.tick());
}

void GameServer::send_chunk_diffs() {
  for (const auto& [pos, edits] : edited_chunks_) {
    const world::Chunk* chunk = world_.chunks().find(pos);
    if (!chunk) continue;
    // The chunk as it was before this period's edits: undo them, newest first.
    std::vector<std::uint16_t> base(chunk->blocks.begin(), chunk->blocks.end());
    for (auto it = edits.rbegin(); it != edits.rend(); ++it) base[it->first] = it->second;
    const std::uint32_t base_revision = chunk->revision - static_cast<std::uint32_t>(edits.size());
    std::optional<Bytes> diff;
    for (auto& [conn, c] : clients_) {
      auto held = c->held_revision.find(pos);
      if (held == c->held_revision.end() || held->second == chunk->revision) continue;
      if (held->second != base_revision) {
        // Sent whole during this period, at some revision in between: send it whole again.
        const std::shared_ptr<const Bytes> blob = chunk_pipeline_.now(pos, *chunk, world_.tick());
        if (!blob) continue;
        protocol::ChunkData whole;
        whole.position = {pos.x, pos.y, pos.z};
        whole.revision = chunk->revision;
        whole.blob = *blob;
        c->budget.spend(whole.blob.size());
        send(conn, whole);
      } else {
        if (!diff) {
          Result<Bytes> coded =
              codec::encode_chunk_diff(base, chunk->blocks, codec::kSectionDims, chunk_codec_);
          if (!coded.ok()) break;
          diff = std::move(*coded);
        }
        protocol::ChunkDiff message;
        message.position = {pos.x, pos.y, pos.z};
        message.base_revision = base_revision;
        message.revision = chunk->revision;
        message.blob = *diff;
        c->budget.spend(message.blob.size());
        send(conn, message);
        ++c->metrics.diffs_sent;
      }
      held->second = chunk->revision;
    }
  }
  edited_chunks_.clear();
}

void GameServer::stream_chunks(Client& c, std::uint64_t& credit, std::size_t max) {
  const sim::Player* p = world_.simulation().player(c.player);
  if (!p) return;
  const std::vector<world::ChunkPos> unload = c.chunks.move_to(chunk_of_player(p->state));
  if (!unload.empty()) {
    protocol::ChunkUnload message;
    for (const world::ChunkPos& pos : unload) {
      message.positions.push_back({pos.x, pos.y, pos.z});
      c.held_revision.erase(pos);
    }
    send(c.conn, message);
  }
  // Chunks are made off the tick (ChunkPipeline): one not ready yet is asked for and goes at a
  // later tick, the ready ones behind it go now (still nearest first among the ready). Twice a
  // tick's worth is asked for, so that the next tick's chunks are being made during this one.
  std::size_t sent = 0;
  bool sending = true;
  const world::ChunkStore& store = world_.chunks();
  for (const world::ChunkPos& pos : c.chunks.next_to_send(2 * max)) {
    const world::Chunk* chunk = store.find(pos);
    if (!store.in_height(pos) || (!chunk && !store.filler())) {
      if (sending) c.chunks.mark_sent(pos);  // outside the world: nothing to send, ever
      continue;
    }
    if (!sending && chunk) continue;  // held: encoded when it is sent, not now
    const std::shared_ptr<const Bytes> blob = chunk_pipeline_.ready(store, pos, world_.tick());
    if (!sending || !blob || !chunk) continue;
    if (sent == max || (sent > 0 && blob->size() > credit)) {
      if (sent < max) ++c.metrics.budget_deferred_ticks;
      sending = false;  // the rest waits (the nearest went first); it is only asked for
      continue;
    }
    // A chunk edited in this diff period goes whole (as it is now); its diff skips this client.
    protocol::ChunkData message;
    message.position = {pos.x, pos.y, pos.z};
    message.revision = chunk->revision;
    message.blob = *blob;
    credit = credit > blob->size() ? credit - blob->size() : 0;
    c.budget.spend(blob->size());
    c.metrics.chunk_bytes += blob->size();
    ++c.metrics.chunks_sent;
    send(c.conn, message);
    c.chunks.mark_sent(pos);
    c.held_revision[pos] = message.revision;
    ++sent;
  }
}

std::vector<ServerClientMetrics> GameServer::client_metrics() const {
  std::vector<ServerClientMetrics> out;
  for (const auto& [conn, c] : clients_) {
    ServerClientMetrics m = c->metrics;
    m.session_id = c->session_id;
    m.player = c->player;
    m.name = c->name;
    m.inputs = c->inputs.stats();
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace theta_net::session
