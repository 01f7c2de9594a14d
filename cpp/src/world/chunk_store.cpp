#include "theta_net/world/chunk_store.hpp"

#include <cstring>

#include "theta_net/core/siphash.hpp"

namespace theta_net::world {

ChunkStore::ChunkStore(ChunkFiller filler, ChunkStoreConfig config)
    : filler_(std::move(filler)), config_(config) {}

BlockId ChunkStore::block_at(BlockPos pos) {
  const ChunkPos c = chunk_of(pos);
  if (c.y < config_.min_chunk_y) return config_.below_world;
  if (c.y > config_.max_chunk_y) return config_.above_world;
  const Chunk* chunk = get_or_create(c);
  return chunk ? chunk->blocks[index_in_chunk(pos)] : config_.unloaded_block;
}

std::optional<std::int32_t> ChunkStore::highest_solid(std::int32_t x, std::int32_t z) {
  for (std::int32_t y = top_y(); y >= config_.min_chunk_y * kChunkSize; --y) {
    if (block_info(block_at({x, y, z})).solid) return y;
  }
  return std::nullopt;
}

std::optional<BlockId> ChunkStore::loaded_block(BlockPos pos) const {
  const ChunkPos c = chunk_of(pos);
  if (c.y < config_.min_chunk_y) return config_.below_world;
  if (c.y > config_.max_chunk_y) return config_.above_world;
  const Chunk* chunk = find(c);
  if (!chunk) return std::nullopt;
  return chunk->blocks[index_in_chunk(pos)];
}

Status ChunkStore::set_block(BlockPos pos, BlockId id) {
  Chunk* chunk = get_or_create(chunk_of(pos));
  if (!chunk) {
    return make_error(ErrorCode::kOutOfRange, "block (", pos.x, ", ", pos.y, ", ", pos.z,
                      ") is outside the world or in a chunk that is not loaded");
  }
  chunk->blocks[index_in_chunk(pos)] = id;
  ++chunk->revision;
  return {};
}

const Chunk* ChunkStore::find(ChunkPos pos) const {
  const auto it = chunks_.find(pos);
  return it == chunks_.end() ? nullptr : it->second.get();
}

Chunk* ChunkStore::get_or_create(ChunkPos pos) {
  if (auto it = chunks_.find(pos); it != chunks_.end()) return it->second.get();
  if (!filler_ || !in_height(pos)) return nullptr;
  auto chunk = std::make_unique<Chunk>();
  filler_(pos, chunk->blocks);
  return (chunks_[pos] = std::move(chunk)).get();
}

void ChunkStore::insert(ChunkPos pos, Chunk chunk) {
  insert(pos, std::make_unique<Chunk>(std::move(chunk)));
}

void ChunkStore::insert(ChunkPos pos, std::unique_ptr<Chunk> chunk) {
  chunks_[pos] = std::move(chunk);
}

bool ChunkStore::erase(ChunkPos pos) {
  return chunks_.erase(pos) != 0;
}

std::vector<ChunkPos> ChunkStore::positions() const {
  std::vector<ChunkPos> out;
  out.reserve(chunks_.size());
  for (const auto& [pos, chunk] : chunks_) out.push_back(pos);
  return out;
}

std::uint64_t chunk_hash(ChunkPos pos, const Chunk& chunk) {
  // Key: the position; message: the block ids in little-endian YZX order.
  const SipKey key{static_cast<std::uint64_t>(static_cast<std::uint32_t>(pos.x)) << 32 |
                       static_cast<std::uint32_t>(pos.z),
                   static_cast<std::uint64_t>(static_cast<std::uint32_t>(pos.y))};
  return siphash24(key, chunk.blocks.data(), chunk.blocks.size() * sizeof(BlockId));
}

}  // namespace theta_net::world
