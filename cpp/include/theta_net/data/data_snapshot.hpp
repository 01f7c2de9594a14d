// DataSnapshot: a full sync's payload, the store at one version as snapshot chunks (op_codec's
// encode_snapshot), with the totals SyncProgress reports. A DataHost builds one per version for
// every client that takes everything and shares it among them (immutable, held by the queues
// that still stream it); a client with a restricted interest gets one of its own view.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "theta_net/data/batch_compressor.hpp"
#include "theta_net/data/data_interest.hpp"
#include "theta_net/data/op_codec.hpp"
#include "theta_net/data/store.hpp"

namespace theta_net::data {

struct DataSnapshot {
  Version version = 0;
  std::vector<SnapshotChunkData> chunks;
  std::uint64_t entities_total = 0;
  std::uint64_t bytes_total = 0;  // payload bytes over all chunks
  // The chunks' payloads packed with zstd, once, for every client that agreed to compression
  // (a snapshot is sent far more often than it is built); an empty entry is a chunk that packing
  // did not make smaller, sent plain. Empty when the snapshot was not packed.
  std::vector<Bytes> packed;
  std::uint64_t packed_bytes_total = 0;  // what a client taking the packed chunks receives

  bool is_packed(std::size_t chunk) const {
    return chunk < packed.size() && !packed[chunk].empty();
  }
  // The payload bytes chunk `chunk` costs a client that takes packed chunks or not.
  std::size_t sent_bytes(std::size_t chunk, bool take_packed) const {
    return take_packed && is_packed(chunk) ? packed[chunk].size() : chunks[chunk].payload.size();
  }
};

// The snapshot of `store` at its version, in chunks of about `chunk_bytes`; with `interest`, of
// only the entities that interest sees (located by `locate`). With a `packer`, every chunk is
// also packed at zstd `level`.
std::shared_ptr<const DataSnapshot> build_snapshot(const Store& store, std::size_t chunk_bytes,
                                                   const DataInterest* interest = nullptr,
                                                   const CellLocator* locate = nullptr,
                                                   const BatchCompressor* packer = nullptr,
                                                   int level = 3);

}  // namespace theta_net::data
