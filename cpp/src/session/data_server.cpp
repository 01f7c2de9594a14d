#include "theta_net/session/data_server.hpp"

#include <algorithm>

#include "theta_net/protocol/message_codec.hpp"

namespace theta_net::session {

using protocol::AnyMessage;

struct DataServer::Client {
  Client(std::uint64_t session, std::string client_name, data::DataHost::ClientId data_id,
         std::uint16_t session_minor, bool session_signs, const DataServerConfig& config)
      : session_id(session),
        name(std::move(client_name)),
        id(data_id),
        minor(session_minor),
        signs(session_signs),
        budget(config.bytes_per_second, config.burst_bytes) {}

  std::uint64_t session_id;
  std::string name;
  data::DataHost::ClientId id;
  std::uint16_t minor;  // the session's protocol minor: what its messages are encoded for
  bool signs;           // it negotiated signed commands
  replication::TokenBucket budget;
  // What record_syncs has seen of the DataHost's figures.
  Micros recorded_ready{-1};
  std::uint64_t full_seen = 0;
};

namespace {

// Adds a client's DataHost figures to `totals` (max for the peak).
void add_client_figures(DataServerMetrics& totals, const data::DataClientStats& s) {
  totals.syncs_full += s.syncs_full;
  totals.syncs_archive += s.syncs_archive;
  totals.overflows += s.overflows;
  totals.stalls += s.stalls;
  totals.batches_sent += s.batches_sent;
  totals.bytes_sent += s.bytes_sent;
  totals.writes_accepted += s.writes_accepted;
  totals.writes_refused += s.writes_refused;
  totals.refusals += s.refusals;
  totals.nacks_answered += s.nacks_answered;
  totals.nack_resyncs += s.nack_resyncs;
  totals.peak_queue_bytes = std::max<std::uint64_t>(totals.peak_queue_bytes, s.peak_queue_bytes);
}

// The sessions' configuration with the signed_commands capability offered only in that mode.
SessionHostConfig offered(SessionHostConfig sessions, bool signed_commands) {
  if (signed_commands) {
    sessions.handshake.capabilities |= protocol::capabilities_bits::kSignedCommands;
  } else {
    sessions.handshake.capabilities &= ~protocol::capabilities_bits::kSignedCommands;
  }
  return sessions;
}

// The CollabHost's resolver hook over a ConflictResolver (the two name a command's header alike).
collab::WriteResolverHook conflict_hook(collab::ConflictResolver& resolver) {
  collab::WriteResolverHook hook;
  hook.resolve = [&resolver](const std::vector<data::Op>& ops, const collab::CommandOrigin& origin,
                             const data::Store& store) {
    auto resolved =
        resolver.resolve(ops, {origin.author, origin.lamport, origin.base_version}, store);
    // An error means ops the store refuses: commit them as they came, and the commit refuses
    // the command as malformed with the store's reason.
    if (!resolved.ok()) return collab::WriteResolution{ops, 0, false, {}};
    return collab::WriteResolution{std::move(resolved->ops),
                                   static_cast<std::uint32_t>(resolved->conflicts.size()),
                                   resolved->refused, std::move(resolved->text)};
  };
  hook.committed = [&resolver](const std::vector<data::Op>& ops,
                               const collab::CommandOrigin& origin, data::Version version) {
    resolver.committed(ops, {origin.author, origin.lamport, origin.base_version}, version);
  };
  return hook;
}

// The first protocol minor with CommandResult.
constexpr std::uint16_t kSignedCommandsMinor = 3;

}  // namespace

DataServer::DataServer(std::shared_ptr<const data::DataSchema> schema, DataServerConfig config,
                       Ed25519KeyPair key, Rng rng)
    : config_(std::move(config)),
      host_(offered(config_.sessions, config_.signed_commands), key, rng),
      data_(std::move(schema), config_.data) {
  if (config_.signed_commands) {
    collab::CollabHostConfig collab = config_.collab;
    if (!collab.may_command) collab.may_command = protocol::role_may_command;
    if (!collab.resolver.resolve) {
      resolver_ = std::make_unique<collab::ConflictResolver>(
          data_.store().schema_ptr(), collab::ConflictResolverConfig{}, data_.version());
      collab.resolver = conflict_hook(*resolver_);
    }
    collab_ = std::make_unique<collab::CollabHost>(data_, std::move(collab));
  }
}

DataServer::~DataServer() = default;

void DataServer::handle_sessions(Micros now) {
  if (config_.flush_interval > Micros{0} && !next_flush_)
    next_flush_ = now + config_.flush_interval;
  while (auto event = host_.next_event()) on_host_event(*event, now);
  data_.handle_timeout(now);
  if (!next_flush_) {
    flush_and_drain(now);
  } else {
    // Between ticks the clients' syncs and backlogs still move as their budgets allow.
    for (auto& [conn, client] : clients_) drain(conn, *client, now);
  }
}

void DataServer::tick(Micros now) {
  flush_and_drain(now);
  next_flush_ = now + config_.flush_interval;
}

Status DataServer::commit(const data::Transaction& tx) {
  THETA_TRY(data_.commit(tx));
  unflushed_ = true;
  return {};
}

void DataServer::flush_and_drain(Micros now) {
  // The step's signed commands are applied first, then the DataHost flushes (CollabHost::flush).
  if (collab_ ? collab_->flush(now) : data_.flush(now)) ++totals_.versions;
  unflushed_ = false;
  for (auto& [conn, client] : clients_) drain(conn, *client, now);
}

void DataServer::on_host_event(HostEvent& event, Micros now) {
  switch (event.kind) {
    case HostEvent::Kind::kSessionStarted:
      on_session_started(event, now);
      break;
    case HostEvent::Kind::kSessionEnded:
      if (clients_.contains(event.conn)) {
        ++totals_.sessions_ended;
        remove(event.conn);
      }
      break;
    case HostEvent::Kind::kRefused:
      // A refused hello has no client; an established session closed for breaking the protocol
      // does, and leaves like a dropped one (it may resume and resubscribe).
      if (clients_.contains(event.conn)) {
        ++totals_.protocol_violations;
        remove(event.conn);
      }
      break;
    case HostEvent::Kind::kPermissionDenied:
    case HostEvent::Kind::kSessionControl:
      break;  // the SessionHost has answered the client itself
    case HostEvent::Kind::kMessage: {
      const auto it = clients_.find(event.conn);
      if (it == clients_.end() || !event.message) break;
      const protocol::MessageType type = protocol::type_of(*event.message);
      const std::string_view name = protocol::message_name(type);
      // The data layer's messages, and NackRequests for missing versions (on the control
      // lane, naming the replication lane).
      const auto* nack = std::get_if<protocol::NackRequest>(&*event.message);
      const bool data_nack = nack && nack->lane == protocol::LaneId::kReplication;
      if (protocol::lane_of(type) != protocol::LaneId::kReplication && !data_nack) {
        host_.violation(event.conn, str_cat("data clients do not send ", name));
        break;
      }
      if (type == protocol::MessageType::kCommandLogEntry && !it->second->signs) {
        host_.violation(event.conn, str_cat(name, " from a session without signed commands"));
        break;
      }
      const Status taken = collab_ ? collab_->on_message(it->second->id, *event.message, now)
                                   : data_.on_message(it->second->id, *event.message, now);
      if (!taken.ok()) {
        host_.violation(event.conn, str_cat(name, " refused: ", taken.error().describe()));
      }
      break;
    }
  }
}

void DataServer::on_session_started(const HostEvent& event, Micros now) {
  // A session resumed on a new connection before its old one was seen to end: the old client
  // goes (the new one resubscribes from the version it holds).
  for (auto it = clients_.begin(); it != clients_.end(); ++it) {
    if (it->second->session_id == event.session_id) {
      remove(it->first);
      break;
    }
  }
  if (event.detail == "resumed") ++totals_.sessions_resumed;
  ++totals_.sessions_started;
  const std::string name = event.session.client_name.empty() ? str_cat("session-", event.session_id)
                                                             : event.session.client_name;
  // Batches go zstd'd (above the DataHost's threshold) when the session negotiated compression.
  const bool compression =
      (event.session.capabilities & protocol::capabilities_bits::kCompression) != 0;
  const bool signs =
      collab_ && (event.session.capabilities & protocol::capabilities_bits::kSignedCommands) != 0 &&
      event.session.minor >= kSignedCommandsMinor;
  const data::DataHost::ClientId id = data_.add_client(now, compression);
  data_.set_client_minor(id, event.session.minor);  // no DataStateHash to a 1.2 peer
  if (collab_) {
    // Its key and role are the session's; a session that does not sign reads but cannot write.
    (void)collab_->add_client(id, event.session.client_key, event.session.role, signs);
  }
  clients_[event.conn] =
      std::make_unique<Client>(event.session_id, name, id, event.session.minor, signs, config_);
}

void DataServer::remove(transport::ConnectionId conn) {
  const auto it = clients_.find(conn);
  if (it == clients_.end()) return;
  if (const data::DataClientStats* s = data_.stats(it->second->id)) add_client_figures(totals_, *s);
  if (collab_) collab_->remove_client(it->second->id);
  data_.remove_client(it->second->id);
  clients_.erase(it);
}

void DataServer::drain(transport::ConnectionId conn, Client& client, Micros now) {
  const std::uint64_t backlog = host_.send_backlog(conn);
  const std::uint64_t room =
      backlog >= config_.max_send_backlog ? 0 : config_.max_send_backlog - backlog;
  const std::uint64_t credit = std::min(client.budget.available(now), room);
  if (credit > 0) {
    for (const AnyMessage& message :
         collab_ ? collab_->drain(client.id, credit) : data_.drain(client.id, credit)) {
      protocol::EncodedMessage encoded;
      encoded.type = static_cast<std::uint16_t>(protocol::type_of(message));
      if (!protocol::encode_body(message, encoded.body, client.minor).ok()) {
        ++totals_.sends_refused;
        continue;
      }
      client.budget.spend(encoded.body.size());
      if (!host_.send_encoded(conn, std::move(encoded)).ok()) ++totals_.sends_refused;
    }
  }
  if (const data::DataClientStats* s = data_.stats(client.id)) {
    if (s->queue_bytes > 0) ++totals_.held_back;
  }
  record_syncs(client);
}

void DataServer::record_syncs(Client& client) {
  const data::DataClientStats* s = data_.stats(client.id);
  if (!s || !s->ready || s->ready_at == client.recorded_ready) return;
  DataSyncRecord record;
  record.session_id = client.session_id;
  record.client_name = client.name;
  record.full = s->syncs_full > client.full_seen;
  record.started = s->sync_started;
  record.ready = s->ready_at;
  syncs_.push_back(std::move(record));
  client.recorded_ready = s->ready_at;
  client.full_seen = s->syncs_full;
}

DataServerMetrics DataServer::metrics() const {
  DataServerMetrics m = totals_;
  m.clients = clients_.size();
  for (const auto& [conn, client] : clients_) {
    if (const data::DataClientStats* s = data_.stats(client->id)) add_client_figures(m, *s);
  }
  return m;
}

const data::DataClientStats* DataServer::client_stats(transport::ConnectionId conn) const {
  const auto it = clients_.find(conn);
  return it == clients_.end() ? nullptr : data_.stats(it->second->id);
}

}  // namespace theta_net::session
