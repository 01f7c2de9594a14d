#include "snapshot_assembly.hpp"

#include <optional>
#include <utility>

#include "theta_net/data/batch_compressor.hpp"
#include "theta_net/data/op_codec.hpp"

namespace theta_net::data {

SnapshotAssembly::SnapshotAssembly(std::shared_ptr<const DataSchema> schema,
                                   const protocol::DataSyncBegin& begin, std::size_t max_bytes,
                                   std::optional<std::uint16_t> only_table)
    : store_(std::make_unique<Store>(std::move(schema))),
      sync_id_(begin.sync_id),
      version_(begin.version),
      chunks_total_(begin.chunks_total),
      entities_total_(begin.entities_total),
      max_bytes_(max_bytes),
      only_table_(only_table) {}

Status SnapshotAssembly::add(const protocol::DataSnapshotChunk& chunk) {
  if (received_ == chunks_total_) {
    return make_error(ErrorCode::kCorrupt, "snapshot chunk ", chunk.index, " of sync ", sync_id_,
                      " after the ", chunks_total_, " announced");
  }
  if (chunk.index != received_) {
    return make_error(ErrorCode::kCorrupt, "snapshot chunk ", chunk.index, " of sync ", sync_id_,
                      " where chunk ", received_, " was due");
  }
  // A packed chunk counts by its unpacked size, bounded before zstd allocates anything.
  const bool packed = chunk.encoding != protocol::DataEncoding::kPlain;
  if (chunk.encoding == protocol::DataEncoding::kZstdDictionary) {
    return make_error(ErrorCode::kCorrupt, "snapshot chunk ", chunk.index, " of sync ", sync_id_,
                      " is packed with a dictionary; snapshot chunks never are");
  }
  const std::size_t raw_size = packed ? chunk.raw_bytes : chunk.payload.size();
  if (raw_size > max_bytes_ - bytes_) {
    return make_error(ErrorCode::kLimitExceeded, "snapshot of sync ", sync_id_, " passes ",
                      max_bytes_, " bytes (max_snapshot_bytes) at chunk ", chunk.index);
  }
  if (chunk.entities > entities_total_ - entities_) {
    return make_error(ErrorCode::kCorrupt, "snapshot chunk ", chunk.index, " of sync ", sync_id_,
                      " brings the entities past the ", entities_total_, " announced");
  }
  const DataSchema& schema = store_->schema();
  Bytes unpacked;
  if (packed) {
    THETA_TRY_ASSIGN(unpacked, BatchCompressor().decompress(chunk.payload, raw_size, false));
  }
  const ByteSpan payload = packed ? ByteSpan(unpacked) : ByteSpan(chunk.payload);
  THETA_TRY_ASSIGN(auto ops, decode_ops(schema, payload, chunk.entities));
  // Tables in schema order and entities in id order (encode_snapshot's order): checking that
  // each entity comes after the one before also refuses an entity sent twice.
  std::optional<std::pair<std::uint16_t, EntityId>> last = last_;
  for (const Op& op : ops) {
    if (op.kind != OpKind::kUpsert) {
      return make_error(ErrorCode::kCorrupt, "snapshot chunk ", chunk.index, " of sync ", sync_id_,
                        " holds a remove op (table ", schema.table(op.table).name, ", entity ",
                        op.entity, "); a snapshot is upserts only");
    }
    if (only_table_ && op.table != *only_table_) {
      return make_error(ErrorCode::kCorrupt, "snapshot chunk ", chunk.index, " of sync ", sync_id_,
                        " holds entity ", op.entity, " of table ", schema.table(op.table).name,
                        "; the sync replaces table ", schema.table(*only_table_).name, " only");
    }
    const std::pair key{op.table, op.entity};
    if (last && key <= *last) {
      return make_error(ErrorCode::kCorrupt, "snapshot chunk ", chunk.index, " of sync ", sync_id_,
                        ": entity ", op.entity, " of table ", schema.table(op.table).name,
                        " does not follow entity ", last->second, " of table ",
                        schema.table(last->first).name,
                        " (a snapshot is in table, then id order, each entity once)");
    }
    last = key;
  }
  THETA_TRY(store_->apply_ops(ops));
  last_ = last;
  ++received_;
  entities_ += chunk.entities;
  bytes_ += raw_size;
  return {};
}

Result<std::unique_ptr<Store>> SnapshotAssembly::finish() {
  if (!complete()) {
    return make_error(ErrorCode::kState, "snapshot of sync ", sync_id_, " has ", received_, " of ",
                      chunks_total_, " chunks");
  }
  if (entities_ != entities_total_) {
    return make_error(ErrorCode::kCorrupt, "snapshot of sync ", sync_id_, " brought ", entities_,
                      " entities where ", entities_total_, " were announced");
  }
  store_->set_version(version_);
  return std::move(store_);
}

}  // namespace theta_net::data
