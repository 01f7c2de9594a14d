// World snapshots: the whole replicated world for a joining client, in WorldSnapshotChunk
// messages on the reliable replication lane.
//
// A chunk's payload is:  varint d, d descriptors (u64le id, varint+bytes name, varint+bytes
// layout), varint r, r records (varint entity, u64le component id, varint+bytes ComponentCodec
// payload). Records are in (entity, component id) order; a type's descriptor travels in the
// chunk of its first record, so the snapshot describes itself. A chunk holds records up to the
// payload limit but always at least one, so a component larger than the limit gets a chunk of
// its own instead of looping. An empty world is zero chunks.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "theta_net/protocol/messages.hpp"
#include "theta_net/replication/world_state.hpp"

namespace theta_net::replication {

inline constexpr std::size_t kDefaultSnapshotChunkBytes = 16 * 1024;

struct WorldSnapshotOptions {
  std::size_t max_chunk_payload = kDefaultSnapshotChunkBytes;
};

class WorldSnapshotBuilder {
 public:
  explicit WorldSnapshotBuilder(WorldSnapshotOptions options = {}) : options_(options) {}

  std::vector<protocol::WorldSnapshotChunk> build(const WorldState& world,
                                                  std::uint32_t snapshot_id,
                                                  std::uint32_t server_tick) const;

 private:
  WorldSnapshotOptions options_;
};

// The number of (entity, component) records in a snapshot.
std::size_t snapshot_record_count(const std::vector<protocol::WorldSnapshotChunk>& chunks);

struct SnapshotLimits {
  std::uint32_t max_chunks = 1u << 16;
  std::size_t max_total_bytes = 256u << 20;
};

// Client side: collects the chunks of one snapshot in any order, then decodes them whole.
class WorldSnapshotAssembler {
 public:
  explicit WorldSnapshotAssembler(std::shared_ptr<const Schema> schema, SnapshotLimits limits = {});

  // Accepts one chunk. A repeated chunk is ignored; a chunk of another snapshot, an index out of
  // range or a total that disagrees with earlier chunks is an error (and nothing is kept).
  // Errors: kLimitExceeded (a total of 0 or over max_chunks, or more than max_total_bytes in
  // all), kOutOfRange (an index not below the total), kCorrupt (a chunk whose snapshot id, total
  // or tick differs from the earlier chunks').
  Status add(const protocol::WorldSnapshotChunk& chunk);
  bool complete() const { return total_ > 0 && received_ == total_; }
  std::uint32_t received() const { return received_; }
  std::uint32_t total() const { return total_; }
  std::uint32_t server_tick() const { return server_tick_; }
  // Decodes the complete snapshot: every descriptor is checked against the schema, every record
  // decoded; a duplicate record, an unknown component or a bad payload fails the whole snapshot.
  // Errors: kState (chunks are missing), kTruncated (a chunk ends early, or a blob declares more
  // bytes than remain), kCorrupt (a descriptor that Schema::check_descriptor refuses, more
  // records than bytes, a record of an unknown component, records out of order or repeated,
  // bytes after the records, a non-canonical varint, a payload decode_component refuses),
  // kOverflow (a varint over 64 bits), kLimitExceeded (more than kMaxComponentTypes
  // descriptors in a chunk), kOutOfRange (a code outside its field's range).
  Result<WorldState> finish() const;

 private:
  std::shared_ptr<const Schema> schema_;
  SnapshotLimits limits_;
  std::uint32_t snapshot_id_ = 0;
  std::uint32_t server_tick_ = 0;
  std::uint32_t total_ = 0;
  std::uint32_t received_ = 0;
  std::size_t bytes_ = 0;
  std::vector<Bytes> payloads_;
  std::vector<bool> have_;
};

}  // namespace theta_net::replication
