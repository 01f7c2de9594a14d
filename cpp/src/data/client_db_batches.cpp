#include <algorithm>
#include <utility>

#include "client_db_impl.hpp"
#include "theta_net/data/op_codec.hpp"

namespace theta_net::data {

Status ClientDB::Impl::on_batch(ClientDB& db, const protocol::DataBatch& message, Micros now) {
  if (db.status_.state == SyncState::kRefused) {
    return make_error(ErrorCode::kState, "data batch ", message.base_version, "..", message.version,
                      " after the sync was refused");
  }
  if (!have_store) {
    return make_error(ErrorCode::kState, "data batch ", message.base_version, "..", message.version,
                      " before the first snapshot completed");
  }
  if (assembly) {
    return make_error(ErrorCode::kState, "data batch ", message.base_version, "..", message.version,
                      " during the snapshot of sync ", assembly->sync_id());
  }
  if (table_assembly) {
    // The server sends a table sync's chunks together: a batch among them breaks its order.
    table_assembly.reset();
    resubscribe(db);
    return make_error(ErrorCode::kState, "data batch ", message.base_version, "..", message.version,
                      " during the table sync of table ", table_sync_table);
  }
  if (message.version <= message.base_version) {
    resubscribe(db);
    return make_error(ErrorCode::kCorrupt, "data batch from version ", message.base_version,
                      " to version ", message.version, " does not move forward");
  }
  const Version held = db.version();
  // Already applied (a repeat, an answer to a NackRequest the mirror no longer needs, or
  // archived batches the mirror got before the catch-up).
  if (message.version <= held) return {};
  if (message.base_version > held) {
    on_gap(db, message, now);
    return {};
  }
  if (nack_to) nack_sent = now;  // progress while a gap is asked for (see nack_timeout)
  // A batch merging versions this mirror partly has: ask for everything after `held`.
  if (message.base_version != held) {
    clear_gap();
    resubscribe(db);
    return {};
  }
  THETA_TRY(apply_message(db, message, now));
  return apply_held_back(db, now);
}

Status ClientDB::Impl::apply_message(ClientDB& db, const protocol::DataBatch& message, Micros now) {
  db.bytes_received_ += message.payload.size();

  ByteSpan raw = message.payload;
  Bytes unpacked;
  if (message.encoding != protocol::DataEncoding::kPlain) {
    const bool with_dictionary = message.encoding == protocol::DataEncoding::kZstdDictionary;
    const BatchCompressor* compressor = &plain;
    if (with_dictionary) {
      const auto it = dictionaries.find(sync_dictionary);
      if (sync_dictionary == 0 || it == dictionaries.end()) {
        resubscribe(db);
        return make_error(ErrorCode::kState, "data batch ", message.base_version, "..",
                          message.version, " is packed with a dictionary, and the sync named ",
                          sync_dictionary == 0 ? std::string("none")
                                               : str_cat("dictionary ", hex64(sync_dictionary),
                                                         ", which this mirror does not hold"));
      }
      compressor = &it->second;
    }
    auto decompressed = compressor->decompress(message.payload, message.raw_bytes, with_dictionary);
    if (!decompressed.ok()) {
      resubscribe(db);
      return std::move(decompressed).error();
    }
    unpacked = std::move(decompressed).value();
    raw = unpacked;
  }
  auto ops = decode_ops(db.view_.schema(), raw, message.ops);
  if (!ops.ok()) {
    resubscribe(db);
    return std::move(ops).error();
  }
  const Batch batch{message.base_version, message.version, micros(message.committed_at_us),
                    std::move(ops).value()};
  auto changes = apply_batch(db, batch);
  if (!changes.ok()) {
    resubscribe(db);
    return std::move(changes).error();
  }
  ++db.batches_applied_;
  if (db.status_.state == SyncState::kReady) latency.push_back(now - batch.committed_at);
  if (db.status_.state == SyncState::kCatchingUp && db.version() >= db.status_.target_version) {
    become_ready(db);
  }
  fire(changes.value());
  return {};
}

Result<std::vector<Change>> ClientDB::Impl::apply_batch(ClientDB& db, const Batch& batch) {
  Store& view = db.view_;
  std::vector<EntityKey> pending_keys;
  pending.append_touched(pending_keys);
  sort_unique(pending_keys);
  // Ops on different entities commute: when the batch touches none of the entities the
  // pending writes touch, and answers none of them, it applies beneath them as it is.
  const bool rebase = pending.any_accepted_through(batch.version) ||
                      std::any_of(batch.ops.begin(), batch.ops.end(), [&](const Op& op) {
                        return std::binary_search(pending_keys.begin(), pending_keys.end(),
                                                  EntityKey{op.table, op.entity});
                      });
  std::vector<EntityKey> keys;
  if (!subscriptions.empty()) {
    append_touched(batch.ops, keys);
    if (rebase) keys.insert(keys.end(), pending_keys.begin(), pending_keys.end());
  }
  const std::vector<EntityImage> before = images_before(db, std::move(keys));
  if (!rebase) {
    THETA_TRY(view.apply(batch));
    return changes_since(db, before);
  }
  pending.undo_from(view, 0);
  if (Status applied = view.apply(batch); !applied.ok()) {
    note_dropped(pending.redo_from(view, 0));
    return std::move(applied).error();
  }
  pending.erase_accepted_through(view.version());
  note_dropped(pending.redo_from(view, 0));
  return changes_since(db, before);
}

}  // namespace theta_net::data
