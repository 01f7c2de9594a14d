#include "theta_net/data/client_db.hpp"

#include <cstdio>
#include <type_traits>
#include <utility>

#include "client_db_impl.hpp"
#include "theta_net/protocol/field_info.hpp"

namespace theta_net::data {
namespace {

std::string describe(const DataSchema& schema) {
  return str_cat("'", schema.name(), "' ", schema.major(), ".", schema.minor(), " (hash ",
                 hex64(schema.hash()), ")");
}

}  // namespace

std::string hex64(std::uint64_t value) {
  char text[19];
  std::snprintf(text, sizeof text, "0x%016llx", static_cast<unsigned long long>(value));
  return text;
}

std::string_view sync_state_name(SyncState state) {
  switch (state) {
    case SyncState::kIdle:
      return "idle";
    case SyncState::kSyncing:
      return "syncing";
    case SyncState::kCatchingUp:
      return "catching_up";
    case SyncState::kReady:
      return "ready";
    case SyncState::kRefused:
      return "refused";
  }
  return "unknown";
}

ClientDB::ClientDB(std::shared_ptr<const DataSchema> expected, ClientDbConfig config)
    : expected_(std::move(expected)),
      config_(std::move(config)),
      view_(expected_),
      impl_(std::make_unique<Impl>()) {}

ClientDB::~ClientDB() = default;

void ClientDB::subscribe(Micros now) {
  impl_->next_ack_at = now + config_.ack_interval;
  impl_->send_subscribe(*this, impl_->have_store ? version() : 0);
}

void ClientDB::on_reconnect(Micros now) {
  // Whatever was queued belonged to the lost session. Subscribing first makes the state
  // kSyncing, so a callback fired by the rollback below cannot start a write.
  impl_->outgoing.clear();
  // The new session has sent nothing yet: acknowledge only versions it brings.
  impl_->acked = version();
  subscribe(now);
  impl_->lose_pending(*this);
}

void ClientDB::handle_timeout(Micros now) {
  if (impl_->nack_to && now - impl_->nack_sent >= config_.nack_timeout) {
    // The answer is overdue (the server may no longer hold those versions, or an old one
    // ignored the request): everything after the version held comes with a new sync instead.
    impl_->clear_gap();
    impl_->resubscribe(*this);
  }
  if (!impl_->have_store || now < impl_->next_ack_at) return;
  impl_->next_ack_at = now + config_.ack_interval;
  if (version() == impl_->acked) return;
  impl_->acked = version();
  impl_->outgoing.push_back(protocol::DataAck{version()});
}

std::vector<protocol::AnyMessage> ClientDB::take_outgoing() {
  return std::exchange(impl_->outgoing, {});
}

Status ClientDB::load_dictionary(Bytes dictionary) {
  BatchCompressor compressor;
  THETA_TRY(compressor.set_dictionary(std::move(dictionary)));
  const std::uint64_t id = compressor.dictionary_id();
  if (!impl_->dictionaries.contains(id) && impl_->dictionaries.size() >= kMaxHeldDictionaries) {
    return make_error(ErrorCode::kLimitExceeded, "the mirror holds ", kMaxHeldDictionaries,
                      " dictionaries already (DataSubscribe announces at most that many)");
  }
  impl_->dictionaries.insert_or_assign(id, std::move(compressor));
  return {};
}

std::vector<Micros> ClientDB::take_latency_samples() {
  return std::exchange(impl_->latency, {});
}

Status ClientDB::on_message(const protocol::AnyMessage& message, Micros now) {
  return std::visit(
      [&](const auto& m) -> Status {
        using M = std::decay_t<decltype(m)>;
        constexpr bool kTaken =
            std::is_same_v<M, protocol::DataSyncBegin> ||
            std::is_same_v<M, protocol::DataSnapshotChunk> ||
            std::is_same_v<M, protocol::SyncProgress> || std::is_same_v<M, protocol::DataBatch> ||
            std::is_same_v<M, protocol::DataWriteResult> ||
            std::is_same_v<M, protocol::DataRefused> || std::is_same_v<M, protocol::DataStateHash>;
        if constexpr (!kTaken) {
          return make_error(ErrorCode::kInvalidArgument, "ClientDB does not take ", M::kName,
                            " messages");
        } else {
          if (status_.state == SyncState::kIdle) {
            return make_error(ErrorCode::kState, M::kName, " before subscribe()");
          }
          if constexpr (std::is_same_v<M, protocol::DataSyncBegin>) {
            if (m.mode == protocol::DataSyncMode::kTable) {
              return impl_->on_table_sync_begin(*this, m);
            }
            return impl_->on_sync_begin(*this, m);
          } else if constexpr (std::is_same_v<M, protocol::DataSnapshotChunk>) {
            if (impl_->table_assembly && impl_->table_assembly->sync_id() == m.sync_id) {
              return impl_->on_table_chunk(*this, m);
            }
            if (m.sync_id != 0 && m.sync_id == impl_->declined_table_sync) return {};
            return impl_->on_chunk(*this, m);
          } else if constexpr (std::is_same_v<M, protocol::DataStateHash>) {
            return impl_->on_state_hash(*this, m);
          } else if constexpr (std::is_same_v<M, protocol::SyncProgress>) {
            return impl_->on_progress(*this, m);
          } else if constexpr (std::is_same_v<M, protocol::DataBatch>) {
            return impl_->on_batch(*this, m, now);
          } else if constexpr (std::is_same_v<M, protocol::DataWriteResult>) {
            return impl_->on_write_result(*this, m);
          } else {
            impl_->refuse(*this, str_cat("the server refused the data sync (",
                                         protocol::enum_name(m.reason).value_or("unknown"), "): ",
                                         m.text, " [server schema ", hex64(m.server_schema_hash),
                                         ", client schema ", hex64(m.client_schema_hash), "]"));
            return {};
          }
        }
      },
      message);
}

void ClientDB::Impl::send_subscribe(ClientDB& db, Version from_version) {
  protocol::DataSubscribe subscribe;
  subscribe.schema_hash = db.expected_->hash();
  subscribe.schema_hashes = db.expected_->hashes();
  subscribe.from_version = from_version;
  subscribe.tables = db.config_.tables;
  subscribe.cells = db.config_.cells;
  for (const auto& entry : dictionaries) subscribe.dictionary_ids.push_back(entry.first);
  outgoing.push_back(std::move(subscribe));
  // A sync in progress is abandoned: its remaining chunks are refused as another sync's. What
  // the next sync brings is checked afresh.
  assembly.reset();
  table_assembly.reset();
  resync_asked.clear();
  clear_gap();
  awaiting_begin = true;
  db.status_.state = SyncState::kSyncing;
  db.refusal_.clear();
}

void ClientDB::Impl::resubscribe(ClientDB& db) {
  // One request at a time: the messages still on their way from before the answer would
  // otherwise each ask again.
  if (awaiting_begin) return;
  send_subscribe(db, have_store ? db.version() : 0);
}

void ClientDB::Impl::refuse(ClientDB& db, std::string reason) {
  db.status_.state = SyncState::kRefused;
  db.refusal_ = std::move(reason);
  assembly.reset();
  table_assembly.reset();
  clear_gap();
  awaiting_begin = false;
  lose_pending(db);
}

Status ClientDB::Impl::on_sync_begin(ClientDB& db, const protocol::DataSyncBegin& begin) {
  awaiting_begin = false;
  auto parsed = DataSchema::from_toml(begin.schema_toml);
  if (!parsed.ok()) {
    refuse(db, str_cat("the server's data schema (hash ", hex64(begin.schema_hash),
                       ") does not parse: ", parsed.error().describe()));
    return std::move(parsed).error();
  }
  std::shared_ptr<const DataSchema> server = std::move(parsed).value();
  if (server->hash() != begin.schema_hash) {
    auto error = make_error(ErrorCode::kCorrupt, "DataSyncBegin announces schema hash ",
                            hex64(begin.schema_hash), " but its schema text hashes to ",
                            hex64(server->hash()));
    refuse(db, error.message);
    return error;
  }
  if (!db.expected_->compatible_with(server->hashes())) {
    refuse(db, str_cat("the server's data schema ", describe(*server),
                       " is not compatible with the expected schema ", describe(*db.expected_),
                       ": their hashes differ at minor ",
                       std::min(server->minor(), db.expected_->minor())));
    return {};
  }
  // Keep sharing the schema object the view has when the server's is the same.
  if (db.view_.schema().hash() == server->hash() && db.view_.schema() == *server) {
    server = db.view_.schema_ptr();
  }

  have_sync = true;
  clear_gap();  // the sync brings (or replaces) what the kept batches and the NackRequest would
  sync_dictionary = begin.dictionary_id;
  table_assembly.reset();  // the sync replaces (or catches up) the whole mirror
  resync_asked.clear();
  db.status_ = SyncStatus{};
  db.status_.sync_id = begin.sync_id;
  db.status_.target_version = begin.version;
  db.status_.entities_total = begin.entities_total;
  db.status_.bytes_total = begin.bytes_total;

  if (begin.mode == protocol::DataSyncMode::kFull) {
    db.status_.state = SyncState::kSyncing;
    assembly.emplace(server, begin, db.config_.max_snapshot_bytes);
    if (assembly->complete()) return finish_snapshot(db);
    return {};
  }
  assembly.reset();
  db.status_.state = SyncState::kCatchingUp;
  // Archived batches apply to the store held: one of this schema, not past the sync's version.
  if (!have_store || db.view_.schema().hash() != server->hash() || begin.version < db.version()) {
    auto error = make_error(
        ErrorCode::kState, "archive sync ", begin.sync_id, " to version ", begin.version,
        " of schema ", hex64(server->hash()), " does not fit the mirror (",
        have_store ? str_cat("version ", db.version(), ", schema ", hex64(db.view_.schema().hash()))
                   : std::string("no store yet"),
        "): asking for a full sync");
    send_subscribe(db, 0);
    return error;
  }
  if (db.version() == begin.version) {
    become_ready(db);
  } else if (begin.chunks_total == 0) {
    // No batches, and the mirror is behind the sync's version: it can never get there.
    send_subscribe(db, db.version());
    return make_error(ErrorCode::kState, "archive sync ", begin.sync_id, " to version ",
                      begin.version, " brings no batches and the mirror holds version ",
                      db.version(), ": asking again");
  }
  return {};
}

Status ClientDB::Impl::on_chunk(ClientDB& db, const protocol::DataSnapshotChunk& chunk) {
  if (!assembly || assembly->sync_id() != chunk.sync_id) {
    return make_error(ErrorCode::kState, "snapshot chunk ", chunk.index, " of sync ", chunk.sync_id,
                      " where ",
                      assembly ? str_cat("sync ", assembly->sync_id(), " is in progress")
                               : std::string("no snapshot is in progress"));
  }
  db.bytes_received_ += chunk.payload.size();
  // A snapshot too large for this mirror would be as large when asked again: refuse it. Other
  // faults (decode_ops may also say kLimitExceeded) make it ask again.
  if (chunk.payload.size() > db.config_.max_snapshot_bytes - assembly->bytes()) {
    auto error = make_error(ErrorCode::kLimitExceeded, "the snapshot of sync ", chunk.sync_id,
                            " passes ", db.config_.max_snapshot_bytes,
                            " bytes (max_snapshot_bytes) at chunk ", chunk.index);
    refuse(db, error.message);
    return error;
  }
  if (Status added = assembly->add(chunk); !added.ok()) {
    assembly.reset();
    resubscribe(db);
    return added;
  }
  db.status_.entities_done = assembly->entities();
  db.status_.bytes_done = assembly->bytes();
  if (assembly->complete()) return finish_snapshot(db);
  return {};
}

Status ClientDB::Impl::on_progress(ClientDB& db, const protocol::SyncProgress& progress) {
  if (!have_sync || progress.snapshot_id != db.status_.sync_id) {
    return make_error(ErrorCode::kState, "sync progress of sync ", progress.snapshot_id, " where ",
                      have_sync ? str_cat("sync ", db.status_.sync_id, " is current")
                                : std::string("no sync began"));
  }
  db.status_.entities_done = progress.entities;
  db.status_.entities_total = progress.entities_total;
  db.status_.bytes_done = progress.bytes;
  db.status_.bytes_total = progress.bytes_total;
  return {};
}

Status ClientDB::Impl::finish_snapshot(ClientDB& db) {
  auto finished = assembly->finish();
  assembly.reset();
  if (!finished.ok()) {
    resubscribe(db);
    return std::move(finished).error();
  }
  std::unique_ptr<Store> fresh = std::move(finished).value();
  // The pending writes go on top of the new store (with fresh undo), except those the server
  // committed in a version the snapshot already holds.
  pending.erase_accepted_through(fresh->version());
  note_dropped(pending.redo_from(*fresh, 0));
  have_store = true;
  std::vector<Change> changes;
  if (!subscriptions.empty()) append_store_changes(db.view_, *fresh, changes);
  db.view_ = std::move(*fresh);
  become_ready(db);
  fire(changes);
  return {};
}

void ClientDB::Impl::become_ready(ClientDB& db) {
  db.status_.state = SyncState::kReady;
  outgoing.push_back(protocol::ClientReady{db.status_.sync_id, 0, db.version()});
}

}  // namespace theta_net::data
