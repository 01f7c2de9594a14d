// DataHost, the store side: transactions into the open batch, flush into versions, batches into
// the client queues, draining and stall detection. Syncs are in data_host_sync.cpp, client
// requests in data_host_requests.cpp.
#include "theta_net/data/data_host.hpp"

#include <algorithm>
#include <array>

#include "data_host_client.hpp"
#include "theta_net/data/op_codec.hpp"

namespace theta_net::data {

std::string bounded_text(std::string text, std::size_t max) {
  if (text.size() <= max) return text;
  std::size_t cut = max;
  // Back up over continuation bytes to the start of the sequence that does not fit.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  return text;
}

// One flush's batches, the plain ones shared by every client that takes everything, each
// packing made at most once, and the accepted writes they hold.
struct DataHost::Closed {
  std::vector<SharedBatch> plain;
  std::vector<std::array<std::optional<SharedBatch>, 3>> packed;  // by DataEncoding
  std::vector<std::pair<ClientId, protocol::DataWriteResult>> results;
  Moves moves;
  Micros committed_at{0};
};

DataHost::DataHost(std::shared_ptr<const DataSchema> schema, DataHostConfig config)
    : schema_(schema),
      config_(std::move(config)),
      store_(schema),
      schema_toml_(schema->to_toml()),
      archive_(config_.archive),
      spatial_(*schema, config_.cell_blocks) {}

DataHost::~DataHost() = default;

Status DataHost::restore(const Store& store) {
  if (!clients_.empty() || !open_transactions_.empty() || store_.version() != 0 ||
      store_.size() != 0) {
    return make_error(ErrorCode::kState,
                      "a store is restored into a fresh host only (no clients, no writes)");
  }
  if (store.schema_ptr() != schema_) {
    return make_error(ErrorCode::kInvalidArgument,
                      "the store is of another schema object than this host's");
  }
  store_ = store;
  // The cell index learns where every entity is, as from a batch of their upserts.
  std::vector<Op> upserts;
  upserts.reserve(store_.size());
  for (std::size_t t = 0; t < store_.table_count(); ++t) {
    const Table& table = store_.table(t);
    for (std::size_t row = 0; row < table.size(); ++row) {
      upserts.push_back(table.row_as_op(row, static_cast<std::uint16_t>(t)));
    }
  }
  (void)spatial_.update(store_, upserts);
  snapshot_cache_.reset();
  hashes_published_ = store_.version();
  return {};
}

Status DataHost::commit(const Transaction& tx) {
  return commit_ops(tx.ops(), std::nullopt);
}

Status DataHost::commit_ops(const std::vector<Op>& ops,
                            std::optional<std::pair<ClientId, std::uint32_t>> write) {
  THETA_TRY(store_.check(ops));
  const std::size_t at = open_payload_.size();
  encode_ops(*schema_, ops, open_payload_);
  if (open_payload_.size() - at > kMaxBatchPayloadBytes) {
    const std::size_t size = open_payload_.size() - at;
    open_payload_.resize(at);
    return make_error(ErrorCode::kLimitExceeded, "a transaction of ", ops.size(),
                      " ops encodes to ", size, " bytes; a batch holds at most ",
                      kMaxBatchPayloadBytes);
  }
  // Checked above against this very store: applying cannot fail.
  (void)store_.apply_ops(ops);
  open_ops_.insert(open_ops_.end(), ops.begin(), ops.end());
  open_transactions_.push_back({open_ops_.size(), open_payload_.size(), write});
  return {};
}

std::optional<Version> DataHost::flush(Micros now) {
  now_ = std::max(now_, now);
  if (open_transactions_.empty()) return std::nullopt;
  Closed closed;
  closed.committed_at = now;
  // Runs of whole transactions, each within a batch's payload bound, become one version each.
  std::size_t first = 0, ops_begin = 0, bytes_begin = 0;
  while (first < open_transactions_.size()) {
    std::size_t last = first;
    while (last + 1 < open_transactions_.size() &&
           open_transactions_[last + 1].bytes_end - bytes_begin <= kMaxBatchPayloadBytes) {
      ++last;
    }
    const OpenTransaction& end = open_transactions_[last];
    protocol::DataBatch batch;
    batch.base_version = store_.version();
    batch.version = store_.version() + 1;
    batch.committed_at_us = count_us(now);
    batch.ops = static_cast<std::uint32_t>(end.ops_end - ops_begin);
    batch.encoding = protocol::DataEncoding::kPlain;
    batch.payload.assign(open_payload_.begin() + static_cast<std::ptrdiff_t>(bytes_begin),
                         open_payload_.begin() + static_cast<std::ptrdiff_t>(end.bytes_end));
    batch.raw_bytes = static_cast<std::uint32_t>(batch.payload.size());
    if (config_.record_batch) config_.record_batch(batch.version, batch.payload);
    for (std::size_t t = first; t <= last; ++t) {
      if (const auto& w = open_transactions_[t].write) {
        protocol::DataWriteResult result;
        result.write_id = w->second;
        result.accepted = true;
        result.version = batch.version;
        closed.results.emplace_back(w->first, std::move(result));
      }
    }
    store_.set_version(batch.version);
    closed.plain.push_back(share_batch(std::move(batch)));
    archive_.push(closed.plain.back());
    first = last + 1;
    ops_begin = end.ops_end;
    bytes_begin = end.bytes_end;
  }
  closed.packed.resize(closed.plain.size());
  closed.moves = spatial_.update(store_, open_ops_);
  for (auto& [id, c] : clients_) deliver(id, *c, closed);
  open_ops_.clear();
  open_payload_.clear();
  open_transactions_.clear();
  // The store now holds exactly the closed version: the snapshots that waited can be taken.
  for (auto& [id, c] : clients_) {
    if (c->phase == Client::Phase::kPending) queue_full_sync(*c);
  }
  // Table resyncs that waited for this version, then its state hashes: after them, so a
  // repaired table's hash checks the repair at once.
  for (auto& [id, c] : clients_) {
    const std::vector<std::uint16_t> waiting = std::exchange(c->tables_waiting, {});
    if (c->phase != Client::Phase::kActive) continue;
    for (const std::uint16_t table : waiting) queue_table_sync(*c, table);
  }
  publish_state_hashes(store_.version());
  return store_.version();
}

protocol::DataEncoding DataHost::encoding_for(const Client& c, std::size_t raw_bytes) const {
  if (!c.compression || raw_bytes < config_.compress_above) return protocol::DataEncoding::kPlain;
  return c.use_dictionary ? protocol::DataEncoding::kZstdDictionary : protocol::DataEncoding::kZstd;
}

SharedBatch DataHost::pack(const SharedBatch& plain, protocol::DataEncoding encoding) const {
  if (encoding == protocol::DataEncoding::kPlain) return plain;
  const protocol::DataBatch& batch = plain.batch();
  Bytes packed =
      compressor_.compress(batch.payload, encoding == protocol::DataEncoding::kZstdDictionary,
                           config_.compression_level);
  // Packing that does not pay (or failed) sends the batch as it is.
  if (packed.empty() || packed.size() >= batch.payload.size()) return plain;
  protocol::DataBatch out = batch;
  out.encoding = encoding;
  out.payload = std::move(packed);
  return share_batch(std::move(out));
}

std::optional<SharedBatch> DataHost::filtered_batch(const Client& c, Version base, Version version,
                                                    Micros committed_at,
                                                    const std::vector<Op>& ops) const {
  protocol::DataBatch batch;
  encode_ops(*schema_, ops, batch.payload);
  if (batch.payload.size() > kMaxBatchPayloadBytes) return std::nullopt;
  batch.base_version = base;
  batch.version = version;
  batch.committed_at_us = count_us(committed_at);
  batch.ops = static_cast<std::uint32_t>(ops.size());
  batch.raw_bytes = static_cast<std::uint32_t>(batch.payload.size());
  const std::size_t raw = batch.payload.size();
  return pack(share_batch(std::move(batch)), encoding_for(c, raw));
}

void DataHost::deliver(ClientId id, Client& c, Closed& closed) {
  const Version newest = closed.plain.back().batch().version;
  if (c.phase == Client::Phase::kActive) {
    const bool has_results = std::any_of(closed.results.begin(), closed.results.end(),
                                         [&](const auto& r) { return r.first == id; });
    if (!c.interest.filters() && c.queued_version != closed.plain.front().batch().base_version) {
      drop_queue(c, c.stats.overflows);  // cannot happen (it takes every batch); never send a gap
    } else if (!c.interest.filters()) {
      for (std::size_t i = 0; i < closed.plain.size() && c.phase == Client::Phase::kActive; ++i) {
        const SharedBatch& plain = closed.plain[i];
        const auto encoding = encoding_for(c, plain.batch().payload.size());
        auto& slot = closed.packed[i][static_cast<std::size_t>(encoding)];
        if (!slot) slot = pack(plain, encoding);
        push_batch(c, *slot);
      }
    } else {
      std::vector<Op> ops = filter_ops(open_ops_, c.interest, closed.moves, store_);
      // Nothing the client sees changed: it skips this version (the next batch's base says
      // so), unless a write of its own must be confirmed at it.
      if (!ops.empty() || has_results) {
        auto batch = filtered_batch(c, c.queued_version, newest, closed.committed_at, ops);
        if (batch) {
          push_batch(c, *batch);
        } else {
          drop_queue(c,
                     c.stats.overflows);  // too large as one message: a snapshot serves it instead
        }
      }
    }
  }
  for (auto& [client, result] : closed.results) {
    if (client == id) push_result(c, queued_message(result));
  }
}

void DataHost::push_batch(Client& c, const SharedBatch& batch) {
  QueuedData entry;
  entry.message = batch.message;
  entry.body_bytes = batch.body_bytes;
  entry.effect = QueuedData::Effect::kDelivers;
  entry.version = batch.batch().version;
  if (push(c, std::move(entry), true)) c.queued_version = batch.batch().version;
}

void DataHost::push_result(Client& c, QueuedData result) {
  switch (c.phase) {
    case Client::Phase::kActive:
      if (push(c, result, true)) return;
      break;  // the queue overflowed: kept for after the resync
    case Client::Phase::kIdle:
      return;  // no sync to follow: the client resubscribes and starts over
    default:
      break;
  }
  c.retained.push_back(std::move(result));
  if (c.retained.size() > kMaxRetainedResults) c.retained.erase(c.retained.begin());
}

bool DataHost::push(Client& c, QueuedData entry, bool bounded) {
  entry.sync = !bounded;
  if (bounded && c.queue.live_bytes() + entry.body_bytes > config_.max_queue_bytes) {
    drop_queue(c, c.stats.overflows);
    return false;
  }
  if (c.queue.empty()) c.last_progress = now_;
  c.queue.push(std::move(entry));
  c.stats.queue_bytes = c.queue.bytes();
  c.stats.peak_queue_bytes = std::max(c.stats.peak_queue_bytes, c.stats.queue_bytes);
  return true;
}

void DataHost::drop_queue(Client& c, std::uint64_t& counter) {
  std::vector<QueuedData> answers = c.queue.clear_keeping_answers();
  c.stats.queue_bytes = 0;
  ++counter;
  if (c.phase == Client::Phase::kIdle) {
    c.retained.clear();
    return;
  }
  // Write results, accepted or refused, follow the resync: a client that never hears of its
  // write keeps it pending forever. A DataRefused is moot (a sync was accepted after it).
  std::vector<QueuedData> kept;
  for (QueuedData& a : answers) {
    if (std::holds_alternative<protocol::DataWriteResult>(*a.message)) kept.push_back(std::move(a));
  }
  kept.insert(kept.end(), std::make_move_iterator(c.retained.begin()),
              std::make_move_iterator(c.retained.end()));
  if (kept.size() > kMaxRetainedResults) {
    kept.erase(kept.begin(), kept.end() - static_cast<std::ptrdiff_t>(kMaxRetainedResults));
  }
  c.retained = std::move(kept);
  // A gap's answer was dropped with the queue: the resync starts from what the client holds.
  if (c.gap && c.delivered && *c.delivered > c.gap->first) c.delivered = c.gap->first;
  if (c.phase == Client::Phase::kActive) c.phase = Client::Phase::kResync;
  c.stats.ready = false;
}

DataHost::ClientId DataHost::add_client(Micros now, bool compression) {
  now_ = std::max(now_, now);
  const ClientId id = next_client_++;
  auto client = std::make_unique<Client>(*schema_);
  client->compression = compression;
  client->last_progress = now;
  client->resync_budget = config_.table_resync_burst;
  client->resync_refilled = now;
  clients_.emplace(id, std::move(client));
  return id;
}

void DataHost::remove_client(ClientId id) {
  clients_.erase(id);
}

void DataHost::set_client_minor(ClientId id, std::uint16_t minor) {
  if (auto it = clients_.find(id); it != clients_.end()) it->second->protocol_minor = minor;
}

std::vector<DataHost::ClientId> DataHost::clients() const {
  std::vector<ClientId> out;
  for (const auto& [id, c] : clients_) out.push_back(id);
  return out;
}

const DataClientStats* DataHost::stats(ClientId id) const {
  auto it = clients_.find(id);
  return it == clients_.end() ? nullptr : &it->second->stats;
}

Status DataHost::set_dictionary(Bytes dictionary) {
  THETA_TRY(compressor_.set_dictionary(std::move(dictionary)));
  // Clients agreed on the dictionary they held before: they learn the new one when they next
  // subscribe.
  for (auto& [id, c] : clients_) c->use_dictionary = false;
  return {};
}

void DataHost::handle_timeout(Micros now) {
  now_ = std::max(now_, now);
  for (auto& [id, c] : clients_) {
    if (!c->queue.empty() && now - c->last_progress >= config_.stalled_after) {
      drop_queue(*c, c->stats.stalls);
    }
  }
}

std::vector<protocol::AnyMessage> DataHost::drain(ClientId id, std::size_t credit) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return {};
  Client& c = *it->second;
  if (credit > 0 && c.phase == Client::Phase::kResync) {
    c.stats.sync_started = now_;
    start_sync(c, c.delivered);
  }
  std::vector<protocol::AnyMessage> out;
  for (QueuedData& item : c.queue.drain(credit)) {
    switch (item.effect) {
      case QueuedData::Effect::kSnapshotStarts:
        c.delivered.reset();
        break;
      case QueuedData::Effect::kDelivers:
        c.delivered = item.version;
        c.max_drained = std::max(c.max_drained, item.version);
        break;
      case QueuedData::Effect::kNone:
        break;
    }
    if (item.ends_sync) c.sync_drained = true;
    if (const auto* progress = std::get_if<protocol::SyncProgress>(&*item.message)) {
      c.sync.chunks_sent = progress->received;
      c.sync.entities_sent = progress->entities;
    }
    if (std::holds_alternative<protocol::DataBatch>(*item.message)) {
      ++c.stats.batches_sent;
      if (c.lose_batches > 0) {
        --c.lose_batches;
        continue;
      }
    }
    c.stats.bytes_sent += item.body_bytes;
    out.push_back(*item.message);
  }
  if (!out.empty()) c.last_progress = now_;
  c.stats.queue_bytes = c.queue.bytes();
  c.stats.peak_queue_bytes = std::max(c.stats.peak_queue_bytes, c.stats.queue_bytes);
  return out;
}

}  // namespace theta_net::data
