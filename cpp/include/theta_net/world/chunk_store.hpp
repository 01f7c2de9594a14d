// The blocks of a world, chunk by chunk. A server's store has a filler (the terrain generator)
// and creates chunks on first use; a client's store holds only the chunks it received, and
// answers `unloaded_block` (solid by default) for the rest, so a predicting client stands still
// at the edge of what it knows instead of falling through it. Iteration is in ChunkPos order.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "theta_net/core/result.hpp"
#include "theta_net/world/block.hpp"
#include "theta_net/world/chunk_geometry.hpp"

namespace theta_net::world {

struct Chunk {
  std::array<BlockId, kChunkVolume> blocks{};
  std::uint32_t revision = 0;  // bumped by every edit
  bool operator==(const Chunk&) const = default;
};

using ChunkFiller = std::function<void(ChunkPos, std::span<BlockId, kChunkVolume>)>;

struct ChunkStoreConfig {
  std::int32_t min_chunk_y = 0;  // world height: chunks min..max inclusive
  std::int32_t max_chunk_y = 7;  // (blocks 0..127 by default)
  BlockId below_world = blocks::kBedrock;
  BlockId above_world = blocks::kAir;
  BlockId unloaded_block = blocks::kBedrock;  // answered for a missing chunk without a filler
};

class ChunkStore {
 public:
  explicit ChunkStore(ChunkFiller filler = {}, ChunkStoreConfig config = {});

  // The block at `pos`; creates its chunk with the filler when missing.
  BlockId block_at(BlockPos pos);
  // The y of the highest solid block of column (x, z), creating its chunks as needed; nothing
  // for a column without ground. Spawn points stand on it.
  std::optional<std::int32_t> highest_solid(std::int32_t x, std::int32_t z);
  // The y of the world's top block layer.
  std::int32_t top_y() const { return (config_.max_chunk_y + 1) * kChunkSize - 1; }
  // Without creating anything: nothing when the chunk is not loaded.
  std::optional<BlockId> loaded_block(BlockPos pos) const;
  // Changes one block of a loaded (or fillable) chunk and bumps the chunk's revision.
  // Errors: kOutOfRange (pos's chunk is not loaded and cannot be made: outside the world's
  // height, or no filler).
  Status set_block(BlockPos pos, BlockId id);

  const Chunk* find(ChunkPos pos) const;
  Chunk* get_or_create(ChunkPos pos);  // nullptr outside the world's height or without a filler
  void insert(ChunkPos pos, Chunk chunk);
  // The same without a copy (a chunk made on another thread: its pages are already touched).
  void insert(ChunkPos pos, std::unique_ptr<Chunk> chunk);
  bool erase(ChunkPos pos);
  bool in_height(ChunkPos pos) const {
    return pos.y >= config_.min_chunk_y && pos.y <= config_.max_chunk_y;
  }

  std::size_t size() const { return chunks_.size(); }
  std::vector<ChunkPos> positions() const;
  const ChunkStoreConfig& config() const { return config_; }
  // The generator this store creates chunks with (empty for a client's store).
  const ChunkFiller& filler() const { return filler_; }

 private:
  ChunkFiller filler_;
  ChunkStoreConfig config_;
  // Each chunk on the heap: inserting or finding one never moves 8 KiB of blocks.
  std::map<ChunkPos, std::unique_ptr<Chunk>> chunks_;
};

// SipHash-2-4 of a chunk's position and blocks: equal contents give equal hashes on every machine.
std::uint64_t chunk_hash(ChunkPos pos, const Chunk& chunk);

}  // namespace theta_net::world
