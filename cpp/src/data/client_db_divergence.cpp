// ClientDB, the divergence check (docs/data.md): the server's DataStateHash compared with the
// confirmed mirror's table hashes, DataResync for a table that differs, and the table sync that
// replaces it.
#include <algorithm>
#include <utility>

#include "client_db_impl.hpp"

namespace theta_net::data {
namespace {

// Divergences kept for take_divergences (the oldest go first past this).
constexpr std::size_t kMaxDivergenceEvents = 1024;

// Whether the mirror takes a table whole (the server hashes only such tables for it).
bool mirrors_whole(const ClientDB& db, const ClientDbConfig& config, std::size_t table) {
  const TableSpec& spec = db.schema().table(table);
  if (!config.cells.empty() && spec.spatial) return false;
  return config.tables.empty() ||
         std::find(config.tables.begin(), config.tables.end(), spec.name) != config.tables.end();
}

}  // namespace

std::uint64_t ClientDB::confirmed_table_hash(std::size_t table) const {
  return impl_->confirmed_hash(*this, table);
}

std::vector<Divergence> ClientDB::take_divergences() {
  return std::exchange(impl_->divergences, {});
}

std::uint64_t ClientDB::state_hashes_checked() const {
  return impl_->hashes_checked;
}

std::uint64_t ClientDB::divergences() const {
  return impl_->diverged;
}

std::uint64_t ClientDB::table_resyncs() const {
  return impl_->table_resyncs;
}

Status ClientDB::corrupt_for_testing(const std::vector<Op>& ops) {
  THETA_TRY(view_.check(ops));
  impl_->pending.undo_from(view_, 0);
  (void)view_.apply_ops(ops);  // checked above
  impl_->note_dropped(impl_->pending.redo_from(view_, 0));
  return {};
}

std::uint64_t ClientDB::Impl::confirmed_hash(const ClientDB& db, std::size_t table) const {
  const Table& rows = db.view_.table(table);
  std::uint64_t hash = rows.state_hash();
  // The entities pending writes touch count as the server holds them: their share in the view
  // goes out, the oldest undo's comes in.
  for (const EntityImage* image : pending.confirmed_images(static_cast<std::uint16_t>(table))) {
    if (const auto row = rows.find(image->key.second)) hash -= rows.entity_hash(*row);
    hash += image_state_hash(rows.spec(), *image);
  }
  return hash;
}

Status ClientDB::Impl::on_state_hash(ClientDB& db, const protocol::DataStateHash& hashes) {
  const std::size_t tables = db.view_.table_count();
  for (const protocol::TableHash& t : hashes.tables) {
    if (t.table >= tables) {
      return make_error(ErrorCode::kCorrupt, "DataStateHash of version ", hashes.version,
                        " names table ", t.table, "; data schema '", db.schema().name(), "' has ",
                        tables, " tables");
    }
  }
  // A hash describes the server's state at its version: it is compared when the mirror holds
  // that version whole. Otherwise a sync is under way (or the mirror's batches skip that
  // version) and the next hash is compared instead.
  if (db.status_.state != SyncState::kReady || !have_store || assembly || table_assembly ||
      hashes.version != db.version()) {
    return {};
  }
  ++hashes_checked;
  for (const protocol::TableHash& t : hashes.tables) {
    const auto table = static_cast<std::uint16_t>(t.table);
    if (!mirrors_whole(db, db.config_, table) || resync_asked.contains(table)) continue;
    const std::uint64_t local = confirmed_hash(db, table);
    if (local == t.hash) continue;
    ++diverged;
    divergences.push_back(Divergence{table, hashes.version, t.hash, local});
    if (divergences.size() > kMaxDivergenceEvents) divergences.erase(divergences.begin());
    resync_asked.insert(table);
    outgoing.push_back(protocol::DataResync{t.table, hashes.version, local});
  }
  return {};
}

Status ClientDB::Impl::on_table_sync_begin(ClientDB& db, const protocol::DataSyncBegin& begin) {
  const std::string what = str_cat("table sync ", begin.sync_id, " of table ", begin.table,
                                   " at version ", begin.version);
  if (!have_store || assembly || db.status_.state == SyncState::kRefused) {
    return make_error(ErrorCode::kState, what, ": the mirror holds no complete store to patch");
  }
  if (begin.schema_hash != db.view_.schema().hash()) {
    resubscribe(db);
    return make_error(ErrorCode::kState, what, " is of schema ", hex64(begin.schema_hash),
                      "; the mirror holds ", hex64(db.view_.schema().hash()));
  }
  if (begin.table >= db.view_.table_count()) {
    resubscribe(db);
    return make_error(ErrorCode::kCorrupt, what, ": data schema '", db.schema().name(), "' has ",
                      db.view_.table_count(), " tables");
  }
  if (begin.version < db.version()) {
    resubscribe(db);
    return make_error(ErrorCode::kState, what, " is behind the version held, ", db.version());
  }
  // The server sends a table sync after every batch before it, so a mirror of every table
  // holds its version; one that does not (or one with batches kept after a gap) is missing
  // versions, which the table sync would skip for the other tables too. A new sync brings
  // everything instead (a gap is not an error).
  const bool whole = db.config_.tables.empty() && db.config_.cells.empty();
  if (!held_back.empty() || (whole && begin.version != db.version())) {
    declined_table_sync = begin.sync_id;
    clear_gap();
    resubscribe(db);
    return {};
  }
  table_sync_table = static_cast<std::uint16_t>(begin.table);
  table_assembly.emplace(db.view_.schema_ptr(), begin, db.config_.max_snapshot_bytes,
                         table_sync_table);
  if (table_assembly->complete()) return finish_table_sync(db);
  return {};
}

Status ClientDB::Impl::on_table_chunk(ClientDB& db, const protocol::DataSnapshotChunk& chunk) {
  db.bytes_received_ += chunk.payload.size();
  Status added = chunk.payload.size() > db.config_.max_snapshot_bytes - table_assembly->bytes()
                     ? make_error(ErrorCode::kLimitExceeded, "the table sync ", chunk.sync_id,
                                  " passes ", db.config_.max_snapshot_bytes,
                                  " bytes (max_snapshot_bytes) at chunk ", chunk.index)
                     : table_assembly->add(chunk);
  if (!added.ok()) {
    table_assembly.reset();
    resubscribe(db);
    return added;
  }
  if (table_assembly->complete()) return finish_table_sync(db);
  return {};
}

Status ClientDB::Impl::finish_table_sync(ClientDB& db) {
  auto finished = table_assembly->finish();
  table_assembly.reset();
  if (!finished.ok()) {
    resubscribe(db);
    return std::move(finished).error();
  }
  std::unique_ptr<Store> fresh = std::move(finished).value();
  const Version version = fresh->version();
  const std::uint16_t table = table_sync_table;
  std::vector<EntityKey> keys;
  if (!subscriptions.empty()) {
    for (const EntityId id : db.view_.table(table).ids()) keys.emplace_back(table, id);
    for (const EntityId id : fresh->table(table).ids()) keys.emplace_back(table, id);
    pending.append_touched(keys);
  }
  const std::vector<EntityImage> before = images_before(db, std::move(keys));
  // The table is replaced beneath the pending writes; the other tables already hold `version`
  // (the server sends a table sync after every batch before it).
  pending.undo_from(db.view_, 0);
  (void)db.view_.replace_table(table, std::move(*fresh));  // the view's own schema object
  db.view_.set_version(version);
  pending.erase_accepted_through(version);
  note_dropped(pending.redo_from(db.view_, 0));
  resync_asked.erase(table);
  ++table_resyncs;
  fire(changes_since(db, before));
  return {};
}

}  // namespace theta_net::data
