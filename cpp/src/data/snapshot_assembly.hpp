// SnapshotAssembly: a full sync's snapshot chunks built into a fresh Store, chunk by chunk as
// they arrive, checked against the DataSyncBegin that announced them (count, order, entities)
// and bounded in bytes. A table sync's chunks are assembled the same way, into a store of which
// only that table is then taken. The ClientDB swaps the store in when the last chunk is in; until
// then the mirror keeps the store it had.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <utility>

#include "theta_net/core/result.hpp"
#include "theta_net/data/store.hpp"
#include "theta_net/protocol/messages.hpp"

namespace theta_net::data {

class SnapshotAssembly {
 public:
  // `only_table`: a table sync's assembly, whose chunks hold entities of that table only.
  SnapshotAssembly(std::shared_ptr<const DataSchema> schema, const protocol::DataSyncBegin& begin,
                   std::size_t max_bytes, std::optional<std::uint16_t> only_table = std::nullopt);

  std::uint32_t sync_id() const { return sync_id_; }
  bool complete() const { return received_ == chunks_total_; }
  std::uint64_t entities() const { return entities_; }
  std::uint64_t bytes() const { return bytes_; }

  // Decodes one chunk into the store being built (all of it or nothing).
  // Errors: kCorrupt (an index other than the next, a chunk past the announced count, an op
  // that is not an upsert, an entity of another table than only_table, an entity out of (table, id)
  // order or repeated, more entities than announced, a chunk packed with a dictionary),
  // kLimitExceeded (the chunks' unpacked payloads pass max_bytes), and those of
  // BatchCompressor::decompress and decode_ops.
  Status add(const protocol::DataSnapshotChunk& chunk);
  // The store at the sync's version, once complete().
  // Errors: kState (chunks are missing), kCorrupt (fewer entities than announced).
  Result<std::unique_ptr<Store>> finish();

 private:
  std::unique_ptr<Store> store_;
  std::uint32_t sync_id_ = 0;
  Version version_ = 0;
  std::uint32_t chunks_total_ = 0, received_ = 0;
  std::uint64_t entities_total_ = 0, entities_ = 0;
  std::uint64_t bytes_ = 0;
  std::size_t max_bytes_ = 0;
  std::optional<std::pair<std::uint16_t, EntityId>> last_;  // the last entity received
  std::optional<std::uint16_t> only_table_;
};

}  // namespace theta_net::data
