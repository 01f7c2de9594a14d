// DataHost, the divergence check (docs/data.md): DataStateHash after the versions it publishes,
// and DataResync answered with a table sync that replaces one table of the client's mirror.
#include <algorithm>
#include <utility>

#include "data_host_client.hpp"
#include "theta_net/data/data_host.hpp"

namespace theta_net::data {
namespace {

using protocol::DataRefuseReason;

// Whether a client mirrors a table whole (taken, not restricted by cells): only such a mirror
// can be compared with the store's table.
bool mirrors_whole(const DataInterest& interest, std::size_t table) {
  return interest.takes_table(table) && !interest.by_cell(table);
}

}  // namespace

void DataHost::publish_state_hashes(Version newest) {
  if (config_.state_hash_every == 0 || newest < hashes_published_ + config_.state_hash_every) {
    return;
  }
  hashes_published_ = newest;
  // Clients that take everything at this version share one message, as they share batches.
  std::optional<QueuedData> shared;
  for (auto& [id, client] : clients_) {
    Client& c = *client;
    if (c.phase != Client::Phase::kActive ||
        c.protocol_minor < protocol::DataStateHash::kSinceMinor) {
      continue;
    }
    const bool everything = !c.interest.filters() && c.queued_version == newest;
    QueuedData entry;
    if (everything && shared) {
      entry = *shared;
    } else {
      // A client whose batches skip versions with nothing for it holds, at the version it was
      // last sent, the tables it takes as they are now.
      protocol::DataStateHash hashes;
      hashes.version = c.queued_version;
      for (std::size_t t = 0; t < store_.table_count(); ++t) {
        if (mirrors_whole(c.interest, t))
          hashes.tables.push_back({t, store_.table(t).state_hash()});
      }
      if (hashes.tables.empty()) continue;
      entry = queued_message(std::move(hashes));
      if (everything) shared = entry;
    }
    if (push(c, std::move(entry), true)) ++c.stats.state_hashes;
  }
}

void DataHost::on_resync(Client& c, const protocol::DataResync& r, Micros now) {
  const std::string asked = str_cat("DataResync of table ", r.table, " at version ", r.version);
  if (c.phase == Client::Phase::kIdle) {
    refuse(c, DataRefuseReason::kNotSynced,
           str_cat(asked, ": the client has no data sync; it subscribes first"), c.client_hash);
    return;
  }
  if (r.table >= store_.table_count()) {
    refuse(c, DataRefuseReason::kUnknownTable,
           str_cat(asked, ": data schema '", schema_->name(), "' has ", store_.table_count(),
                   " tables"),
           c.client_hash);
    return;
  }
  const auto table = static_cast<std::uint16_t>(r.table);
  const std::string& name = schema_->table(table).name;
  if (!c.interest.takes_table(table)) {
    refuse(c, DataRefuseReason::kNotAllowed,
           str_cat(asked, ": the client does not take table '", name, "'"), c.client_hash);
    return;
  }
  if (c.interest.by_cell(table)) {
    refuse(c, DataRefuseReason::kNotAllowed,
           str_cat(asked, ": the client takes table '", name,
                   "' by cell; only tables mirrored whole are hashed and resynced"),
           c.client_hash);
    return;
  }
  if (r.version > store_.version()) {
    refuse(c, DataRefuseReason::kBadVersion,
           str_cat(asked, ": ahead of the server's version ", store_.version()), c.client_hash);
    return;
  }
  // A sync the client has not confirmed yet replaces its whole mirror: it answers this too.
  if (c.phase != Client::Phase::kActive || !c.stats.ready) return;
  const std::uint32_t burst = config_.table_resync_burst;
  const Micros refill = config_.table_resync_refill;
  if (c.resync_budget < burst && refill > Micros{0} && now > c.resync_refilled) {
    const auto gained = static_cast<std::uint64_t>((now - c.resync_refilled) / refill);
    c.resync_budget = static_cast<std::uint32_t>(
        std::min<std::uint64_t>(burst, std::uint64_t{c.resync_budget} + gained));
    c.resync_refilled += refill * static_cast<std::int64_t>(gained);
  }
  if (c.resync_budget >= burst) c.resync_refilled = std::max(c.resync_refilled, now);
  if (c.resync_budget == 0) {
    refuse(c, DataRefuseReason::kNotAllowed,
           str_cat(asked, ": the client asks for table resyncs too often (the server serves ",
                   burst, " at once and one more every ", count_us(refill) / 1000, " ms)"),
           c.client_hash);
    return;
  }
  --c.resync_budget;
  if (!open_transactions_.empty()) {
    // The store holds ops of a version not closed yet: the table's snapshot waits for flush.
    if (std::find(c.tables_waiting.begin(), c.tables_waiting.end(), table) ==
        c.tables_waiting.end()) {
      c.tables_waiting.push_back(table);
    }
    return;
  }
  queue_table_sync(c, table);
}

void DataHost::queue_table_sync(Client& c, std::uint16_t table) {
  // The table as the client takes it (whole), at the store's closed version.
  const DataInterest only(*schema_, {table}, {});
  const std::shared_ptr<const DataSnapshot> snapshot =
      build_snapshot(store_, config_.snapshot_chunk_bytes, &only, &spatial_.locator(),
                     c.compression ? &compressor_ : nullptr, config_.compression_level);
  const Version version = store_.version();
  const auto chunks = static_cast<std::uint32_t>(snapshot->chunks.size());
  const bool packed = c.compression && !snapshot->packed.empty();
  const std::uint32_t sync_id = next_sync_id();

  protocol::DataSyncBegin begin;
  begin.sync_id = sync_id;
  begin.mode = protocol::DataSyncMode::kTable;
  begin.version = version;
  begin.schema_hash = schema_->hash();  // schema_toml stays empty: the client holds the schema
  begin.entities_total = snapshot->entities_total;
  begin.bytes_total = packed ? snapshot->packed_bytes_total : snapshot->bytes_total;
  begin.chunks_total = chunks;
  begin.dictionary_id = c.use_dictionary ? compressor_.dictionary_id() : 0;
  begin.table = table;
  // Until its last chunk the client holds what it held (a table sync cut short leaves the
  // mirror as it was); afterwards it holds `version`. The client's own sync (sync_id,
  // ClientReady) is not this one.
  QueuedData head = queued_message(std::move(begin));
  if (chunks == 0) {
    head.effect = QueuedData::Effect::kDelivers;
    head.version = version;
  }
  push(c, std::move(head), false);
  for (std::uint32_t i = 0; i < chunks; ++i) {
    QueuedData chunk;
    chunk.snapshot = snapshot;
    chunk.chunk = i;
    chunk.sync_id = sync_id;
    chunk.packed = packed;
    if (i + 1 == chunks) {
      chunk.effect = QueuedData::Effect::kDelivers;
      chunk.version = version;
    }
    push(c, std::move(chunk), false);
  }
  c.queued_version = version;
  ++c.stats.syncs_table;
}

}  // namespace theta_net::data
