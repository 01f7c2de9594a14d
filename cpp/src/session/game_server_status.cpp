// GameServer's status page side: the snapshot (ServerStatus) put together from the session
// layer's connection figures, the data layer's sync figures and the conflict log; the network
// log of session events and data-layer changes; and an operator's resync and kick.
#include "game_server_client.hpp"
#include "theta_net/collab/conflict_log.hpp"
#include "theta_net/protocol/message_codec.hpp"
#include "theta_net/session/game_commands.hpp"
#include "theta_net/session/game_server.hpp"
#include "theta_net/session/session_control.hpp"

namespace theta_net::session {

ServerStatus GameServer::status(const TransportLookup& transport, const TickTimes* tick_times,
                                const ServerStatusOptions& options) const {
  ServerStatus out;
  out.time = now_;
  out.tick = world_.tick();
  out.tick_rate = config_.world.rules.tick_rate;
  out.clients = clients_.size();
  out.players = world_.simulation().players().size();
  const data::DataHost& data = world_.data().host();
  out.data_version = data.version();
  if (tick_times) out.tick_times = tick_time_status(*tick_times);
  out.sessions = host_.counters();
  out.sends_refused = metrics_.sends_refused;
  out.protocol_violations = metrics_.protocol_violations;
  out.telemetry = telemetry_.totals();
  out.editor = editor_relay_.totals();
  out.client_list.reserve(clients_.size());
  for (const auto& [conn, c] : clients_) {
    std::optional<ClientStatus> client = connection_status(host_, transport, conn);
    if (!client) continue;
    if (c->data_id != 0) client->data = data_sync_status(data, c->data_id);
    if (const ClientTelemetry* t = telemetry_.client(c->session_id)) client->telemetry = *t;
    out.client_list.push_back(std::move(*client));
  }
  if (const GameCommands* commands = world_.commands()) {
    out.collab = true;
    const collab::ConflictLog& log = commands->resolver().log();
    out.conflicts_total = log.total();
    const auto& records = log.records();
    const std::size_t n = std::min(options.conflict_limit, records.size());
    for (std::size_t i = records.size() - n; i < records.size(); ++i) {
      out.conflicts.push_back(collab::conflict_event_json(
          records[i], data.schema(), static_cast<std::int64_t>(records[i].version)));
    }
  }
  out.log = network_log_.after(options.log_after, options.log_limit);
  out.log_last_seq = network_log_.last_seq();
  out.log_first_seq = network_log_.first_seq();
  return out;
}

NetworkLogEntry GameServer::log_entry(NetworkLogKind kind, std::uint64_t session_id) const {
  NetworkLogEntry entry;
  entry.time = now_;
  entry.tick = world_.tick();
  entry.kind = kind;
  entry.session_id = session_id;
  if (const protocol::SessionRecord* record = host_.handshake().session(session_id))
    entry.name = record->client_name;
  return entry;
}

void GameServer::log_host_event(const HostEvent& event) {
  NetworkLogKind kind = NetworkLogKind::kSessionStarted;
  switch (event.kind) {
    case HostEvent::Kind::kSessionStarted:
      kind = NetworkLogKind::kSessionStarted;
      break;
    case HostEvent::Kind::kSessionEnded:
      kind = NetworkLogKind::kSessionEnded;
      break;
    case HostEvent::Kind::kRefused:
      kind = NetworkLogKind::kRefused;
      break;
    case HostEvent::Kind::kPermissionDenied:
      kind = NetworkLogKind::kPermissionDenied;
      break;
    case HostEvent::Kind::kSessionControl:
      kind = NetworkLogKind::kSessionControl;
      break;
    case HostEvent::Kind::kMessage:
      return;
  }
  NetworkLogEntry entry = log_entry(kind, event.session_id);
  if (entry.name.empty()) entry.name = event.session.client_name;
  if (entry.name.empty()) {  // a session the host forgot (kicked): the game still knows it
    if (auto it = clients_.find(event.conn); it != clients_.end()) entry.name = it->second->name;
  }
  entry.detail = event.detail;
  if (event.kind == HostEvent::Kind::kPermissionDenied && event.message) {
    if (const auto* denied = std::get_if<protocol::PermissionDenied>(&*event.message)) {
      entry.ok = false;
      entry.detail = std::string(
          protocol::message_name(static_cast<protocol::MessageType>(denied->message_type)));
    }
  }
  if (event.kind == HostEvent::Kind::kSessionControl && event.message) {
    if (const auto* control = std::get_if<protocol::SessionControl>(&*event.message)) {
      entry.cause = std::string(protocol::enum_name(control->action).value_or("unknown"));
      entry.ok = event.accepted;
      entry.detail = str_cat("target ", session_hex(event.target_session), ": ", event.detail);
    }
  }
  network_log_.add(std::move(entry));
}

void GameServer::log_data_changes(Client& c) {
  if (c.data_id == 0) return;
  const data::DataClientStats* stats = world_.data().host().stats(c.data_id);
  if (!stats) return;
  Client::DataSeen& seen = c.data_seen;
  auto log = [&](NetworkLogKind kind, const char* cause, std::uint64_t now_count,
                 std::uint64_t& seen_count, const char* what) {
    if (now_count == seen_count) return;
    NetworkLogEntry entry = log_entry(kind, c.session_id);
    entry.cause = cause;
    entry.ok = kind != NetworkLogKind::kDataRefused;
    entry.detail = str_cat(now_count - seen_count, " ", what);
    seen_count = now_count;
    network_log_.add(std::move(entry));
  };
  log(NetworkLogKind::kResync, "stalled", stats->stalls, seen.stalls,
      "resync: the queue made no progress");
  log(NetworkLogKind::kResync, "overflow", stats->overflows, seen.overflows,
      "resync: the queue bound was hit");
  log(NetworkLogKind::kResync, "divergence", stats->syncs_table, seen.syncs_table,
      "table resync asked for by the client (its table hash differed)");
  log(NetworkLogKind::kDataRefused, "", stats->refusals, seen.refusals, "request(s) refused");
}

Status GameServer::resync_client(std::uint64_t session_id) {
  NetworkLogEntry entry = log_entry(NetworkLogKind::kResync, session_id);
  entry.cause = "forced";
  Status done = make_error(ErrorCode::kInvalidArgument, "no connected client has session ",
                           session_hex(session_id));
  for (auto& [conn, c] : clients_) {
    if (c->session_id != session_id) continue;
    done = c->data_id == 0 ? make_error(ErrorCode::kState, "session ", session_hex(session_id),
                                        " has no data client")
                           : world_.data().host().resync(c->data_id);
    break;
  }
  entry.ok = done.ok();
  entry.detail = done.ok() ? "a full data resync was forced" : done.error().describe();
  network_log_.add(std::move(entry));
  return done;
}

Status GameServer::kick_client(std::uint64_t session_id, const std::string& reason) {
  NetworkLogEntry entry = log_entry(NetworkLogKind::kKick, session_id);
  Status done = host_.kick(session_id, reason);
  entry.ok = done.ok();
  entry.detail = done.ok() ? reason : done.error().describe();
  network_log_.add(std::move(entry));
  if (!done.ok()) return done;
  // Its connection's end comes as kSessionEnded (the player leaves then); a session that was
  // away (detached) has no connection: its player leaves now.
  if (auto away = detached_.find(session_id); away != detached_.end()) {
    leave(*away->second.client, "kicked: " + reason);
    detached_.erase(away);
  }
  return done;
}

std::size_t GameServer::client_memory_bytes() const {
  // A red-black tree node holds three pointers and a colour beside its value; the allocator
  // rounds each to 16 bytes.
  auto node = [](std::size_t value) { return (32 + value + 15) / 16 * 16; };
  std::size_t total = 0;
  for (const auto& [conn, c] : clients_) {
    total += sizeof(Client) + c->name.capacity();
    total += c->held_revision.size() * node(sizeof(world::ChunkPos) + sizeof(std::uint32_t));
    total += c->chunks.held().size() * node(sizeof(world::ChunkPos));
    if (const auto* r = replication_.replicator(c->replication_id)) {
      total += sizeof(*r) + r->history().memory_bytes();
      total += r->priorities().size() * node(sizeof(replication::EntityId) + 16);
    }
    if (const auto* q = replication_.queue(c->replication_id)) total += q->bytes();
  }
  return total;
}

}  // namespace theta_net::session
