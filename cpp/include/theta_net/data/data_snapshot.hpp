// DataSnapshot: a full sync's payload, the store at one version as snapshot chunks (op_codec's
// encode_snapshot), with the totals SyncProgress reports. A DataHost builds one per version for
// every client that takes everything and shares it among them (immutable, held by the queues
// that still stream it); a client with a restricted interest gets one of its own view.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "theta_net/data/data_interest.hpp"
#include "theta_net/data/op_codec.hpp"
#include "theta_net/data/store.hpp"

namespace theta_net::data {

struct DataSnapshot {
  Version version = 0;
  std::vector<SnapshotChunkData> chunks;
  std::uint64_t entities_total = 0;
  std::uint64_t bytes_total = 0;  // payload bytes over all chunks
};

// The snapshot of `store` at its version, in chunks of about `chunk_bytes`; with `interest`, of
// only the entities that interest sees (located by `locate`).
std::shared_ptr<const DataSnapshot> build_snapshot(const Store& store, std::size_t chunk_bytes,
                                                   const DataInterest* interest = nullptr,
                                                   const CellLocator* locate = nullptr);

}  // namespace theta_net::data
