// DataHost, syncs: bringing a client to the server's version, with a full snapshot or with the
// batches it missed from the archive, and choosing between them; a forced resync, and where a
// client's sync stands.
#include <algorithm>

#include "data_host_client.hpp"
#include "theta_net/data/data_host.hpp"
#include "theta_net/data/op_codec.hpp"

namespace theta_net::data {

void DataHost::start_sync(Client& c, std::optional<Version> from) {
  // A client restricted by cells holds a view that depends on where entities were at `from`,
  // which the archive does not record: it gets a snapshot of its view.
  if (from && !c.interest.spatial()) {
    if (*from == store_.version()) {
      queue_archive_sync(c, *from, {});
      return;
    }
    if (auto batches = archive_.since(*from)) {
      if (queue_archive_sync(c, *from, std::move(*batches))) return;
    }
  }
  if (!open_transactions_.empty()) {
    // The store holds ops of a version not closed yet: the snapshot waits for flush.
    c.phase = Client::Phase::kPending;
    return;
  }
  queue_full_sync(c);
}

std::uint32_t DataHost::next_sync_id() {
  if (next_sync_ == 0) next_sync_ = 1;  // 0 is never a sync
  return next_sync_++;
}

protocol::DataSyncBegin DataHost::begin_sync(Client& c, protocol::DataSyncMode mode,
                                             Version version) {
  c.sync_id = next_sync_id();
  c.sync_version = version;
  c.sync_drained = false;
  c.phase = Client::Phase::kActive;
  c.queued_version = version;
  c.stats.ready = false;
  c.tables_waiting.clear();  // the sync replaces what the client holds
  c.gap.reset();             // and brings what a gap's answer would
  c.sync.chunks_sent = c.sync.chunks_total = 0;
  c.sync.entities_sent = c.sync.entities_total = 0;
  c.sync.sync_version = version;
  ++(mode == protocol::DataSyncMode::kFull ? c.stats.syncs_full : c.stats.syncs_archive);

  protocol::DataSyncBegin begin;
  begin.sync_id = c.sync_id;
  begin.mode = mode;
  begin.version = version;
  begin.schema_hash = schema_->hash();
  begin.schema_toml = schema_toml_;
  begin.dictionary_id = c.use_dictionary ? compressor_.dictionary_id() : 0;
  return begin;
}

void DataHost::queue_full_sync(Client& c) {
  std::shared_ptr<const DataSnapshot> snapshot;
  if (c.interest.filters()) {
    snapshot =
        build_snapshot(store_, config_.snapshot_chunk_bytes, &c.interest, &spatial_.locator(),
                       c.compression ? &compressor_ : nullptr, config_.compression_level);
  } else {
    // Every client that takes everything at this version shares one snapshot; the cache holds
    // the newest only (older ones live while queues still stream them).
    if (!snapshot_cache_ || snapshot_cache_->version != store_.version()) {
      snapshot_cache_ = build_snapshot(store_, config_.snapshot_chunk_bytes, nullptr, nullptr,
                                       config_.compress_snapshots ? &compressor_ : nullptr,
                                       config_.compression_level);
    }
    snapshot = snapshot_cache_;
  }
  const Version version = store_.version();
  const auto chunks = static_cast<std::uint32_t>(snapshot->chunks.size());
  protocol::DataSyncBegin begin = begin_sync(c, protocol::DataSyncMode::kFull, version);
  begin.entities_total = snapshot->entities_total;
  const bool packed = c.compression && !snapshot->packed.empty();
  begin.bytes_total = packed ? snapshot->packed_bytes_total : snapshot->bytes_total;
  begin.chunks_total = chunks;
  c.sync.chunks_total = chunks;
  c.sync.entities_total = snapshot->entities_total;
  QueuedData head = queued_message(std::move(begin));
  head.effect = chunks == 0 ? QueuedData::Effect::kDelivers : QueuedData::Effect::kSnapshotStarts;
  head.version = version;
  head.ends_sync = chunks == 0;
  push(c, std::move(head), false);

  protocol::SyncProgress progress;
  progress.snapshot_id = c.sync_id;
  progress.total = chunks;
  progress.entities_total = snapshot->entities_total;
  progress.bytes_total = begin.bytes_total;
  for (std::uint32_t i = 0; i < chunks; ++i) {
    QueuedData chunk;
    chunk.snapshot = snapshot;
    chunk.chunk = i;
    chunk.sync_id = c.sync_id;
    chunk.packed = packed;
    push(c, std::move(chunk), false);
    progress.received = i + 1;
    progress.bytes += snapshot->sent_bytes(i, packed);
    progress.entities += snapshot->chunks[i].entities;
    QueuedData step = queued_message(progress);
    if (i + 1 == chunks) {
      step.effect = QueuedData::Effect::kDelivers;
      step.version = version;
      step.ends_sync = true;
    }
    push(c, std::move(step), false);
  }
  queue_retained(c);
}

bool DataHost::queue_archive_sync(Client& c, Version from, std::vector<SharedBatch> batches) {
  const Version version = store_.version();
  std::vector<SharedBatch> send;
  if (!c.interest.filters()) {
    for (const SharedBatch& b : batches)
      send.push_back(pack(b, encoding_for(c, b.batch().raw_bytes)));
  } else if (from < version) {
    // One batch from `from` to now with the ops of the tables it takes (skipping is legal;
    // the client reaches the sync's version with it).
    std::vector<Op> ops;
    for (const SharedBatch& b : batches) {
      const protocol::DataBatch& batch = b.batch();
      auto decoded = decode_ops(*schema_, batch.payload, batch.ops);
      if (!decoded.ok()) return false;  // our own bytes: cannot happen; a snapshot serves
      for (Op& op : *decoded) {
        if (c.interest.takes_table(op.table)) ops.push_back(std::move(op));
      }
    }
    auto merged =
        filtered_batch(c, from, version, micros(batches.back().batch().committed_at_us), ops);
    if (!merged) return false;  // too large for one message: a snapshot serves
    send.push_back(std::move(*merged));
  }
  protocol::DataSyncBegin begin = begin_sync(c, protocol::DataSyncMode::kArchive, version);
  begin.chunks_total = static_cast<std::uint32_t>(send.size());
  for (const SharedBatch& b : send) begin.bytes_total += b.body_bytes;
  QueuedData head = queued_message(std::move(begin));
  if (send.empty()) {
    head.effect = QueuedData::Effect::kDelivers;
    head.version = version;
    head.ends_sync = true;
  }
  push(c, std::move(head), false);
  for (std::size_t i = 0; i < send.size(); ++i) {
    QueuedData entry;
    entry.message = send[i].message;
    entry.body_bytes = send[i].body_bytes;
    entry.effect = QueuedData::Effect::kDelivers;
    entry.version = send[i].batch().version;
    entry.ends_sync = i + 1 == send.size();
    push(c, std::move(entry), false);
  }
  queue_retained(c);
  return true;
}

void DataHost::queue_retained(Client& c) {
  // Results of writes the sync's version already holds: after the sync, as after their batch.
  for (QueuedData& r : c.retained) push(c, std::move(r), false);
  c.retained.clear();
}

std::string_view sync_state_name(DataSyncStatus::State state) {
  switch (state) {
    case DataSyncStatus::State::kNone:
      return "none";
    case DataSyncStatus::State::kSyncing:
      return "syncing";
    case DataSyncStatus::State::kSynced:
      return "synced";
  }
  return "none";
}

std::optional<DataSyncStatus> DataHost::sync_status(ClientId id) const {
  auto it = clients_.find(id);
  if (it == clients_.end()) return std::nullopt;
  const Client& c = *it->second;
  DataSyncStatus status = c.sync;
  switch (c.phase) {
    case Client::Phase::kIdle:
      status.state = DataSyncStatus::State::kNone;
      break;
    case Client::Phase::kPending:
    case Client::Phase::kResync:
      status.state = DataSyncStatus::State::kSyncing;
      break;
    case Client::Phase::kActive:
      status.state =
          c.stats.ready ? DataSyncStatus::State::kSynced : DataSyncStatus::State::kSyncing;
      break;
  }
  return status;
}

Status DataHost::resync(ClientId id) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return make_error(ErrorCode::kInvalidArgument, "no data client ", id);
  Client& c = *it->second;
  switch (c.phase) {
    case Client::Phase::kIdle:
      return make_error(ErrorCode::kState, "data client ", id,
                        " has not subscribed: there is nothing to resync");
    case Client::Phase::kPending:
      ++c.sync.forced;  // its full sync starts at the next flush
      return {};
    case Client::Phase::kActive:
    case Client::Phase::kResync:
      drop_queue(c, c.sync.forced);
      // Nothing held counts: the restart (drain) picks a snapshot, not the archive.
      c.delivered.reset();
      return {};
  }
  return {};
}

}  // namespace theta_net::data
