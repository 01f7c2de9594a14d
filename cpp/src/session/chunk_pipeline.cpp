#include "theta_net/session/chunk_pipeline.hpp"

namespace theta_net::session {

ChunkPipeline::ChunkPipeline(ChunkPipelineConfig config, const codec::ChunkCodec& codec,
                             WorkerPool& pool)
    : config_(config), codec_(&codec), pool_(pool) {}

ChunkPipeline::~ChunkPipeline() {
  // Jobs still queued reference their Work (kept alive by the tickets) and the world's filler:
  // wait for them here, while the world (its owner's member declared before this one) is alive.
  for (const Pending& p : pending_) {
    try {
      pool_.wait(p.ticket);
    } catch (...) {  // its error was the game's to see at delivery; nobody takes it now
    }
  }
}

std::shared_ptr<const Bytes> ChunkPipeline::ready(const world::ChunkStore& world,
                                                  world::ChunkPos pos, std::uint32_t tick) {
  const world::Chunk* chunk = world.find(pos);
  // A chunk the world holds (the simulation made it: the players' own surroundings, an edit) is
  // encoded now: it is wanted at once (a joining player stands in it) and costs an encode only.
  // What the world lacks is generated and encoded on the pool.
  // (Delivery puts a generated chunk into the world before caching its blob, so a chunk the world
  // lacks has no blob.)
  if (chunk) return now(pos, *chunk, tick);
  if (asked_.contains(pos) || !world.filler()) return nullptr;  // on its way, or never
  if (asked_tick_ != tick) {
    asked_tick_ = tick;
    asked_this_tick_ = 0;
  }
  if (asked_this_tick_ >= config_.max_jobs_per_tick) return nullptr;  // asked again later
  ++asked_this_tick_;
  auto work = std::make_shared<Work>();
  work->pos = pos;
  const world::ChunkFiller* filler = &world.filler();
  const codec::ChunkCodec* codec = codec_;
  auto ticket = pool_.submit([work, filler, codec] {
    work->chunk = std::make_unique<world::Chunk>();  // its pages touched here, not on the tick
    (*filler)(work->pos, work->chunk->blocks);
    work->ok = codec->encode_into(work->chunk->blocks, codec::kSectionDims, work->blob).ok();
  });
  pending_.push_back({std::move(work), std::move(ticket), tick});
  asked_.insert(pos);
  return nullptr;
}

std::shared_ptr<const Bytes> ChunkPipeline::now(world::ChunkPos pos, const world::Chunk& chunk,
                                                std::uint32_t tick) {
  if (auto it = cache_.find(pos); it != cache_.end() && it->second.revision == chunk.revision) {
    it->second.last_asked = tick;
    ++stats_.cache_hits;
    return it->second.blob;
  }
  Bytes blob;
  if (!codec_->encode_into(chunk.blocks, codec::kSectionDims, blob).ok()) return nullptr;
  ++stats_.encoded;
  cache(pos, chunk.revision, std::move(blob), tick);
  return cache_.at(pos).blob;
}

void ChunkPipeline::cache(world::ChunkPos pos, std::uint32_t revision, Bytes blob,
                          std::uint32_t tick) {
  Entry& e = cache_[pos];
  if (e.blob) stats_.cached_bytes -= e.blob->size();
  stats_.cached_bytes += blob.size();
  e.revision = revision;
  e.blob = std::make_shared<const Bytes>(std::move(blob));
  e.last_asked = tick;
}

void ChunkPipeline::deliver(world::ChunkStore& world, std::uint32_t tick) {
  std::size_t taken = 0;
  for (; taken < pending_.size() && pending_[taken].asked < tick; ++taken) {
    Pending& p = pending_[taken];
    pool_.wait(p.ticket);
    Work& w = *p.work;
    asked_.erase(w.pos);
    ++stats_.generated;
    // The simulation may have made it meanwhile (a player reached it): the same blocks, as the
    // filler is a pure function; the world's copy stays.
    if (!world.find(w.pos)) world.insert(w.pos, std::move(w.chunk));
    if (!w.ok) continue;
    ++stats_.encoded;
    if (world.find(w.pos)->revision != 0) {
      ++stats_.stale;  // edited since it was made: the next ask encodes the world's version
      continue;
    }
    cache(w.pos, 0, std::move(w.blob), tick);
  }
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(taken));
  if (tick % 20 == 0) evict(tick);
}

void ChunkPipeline::evict(std::uint32_t tick) {
  for (auto it = cache_.begin(); it != cache_.end();) {
    if (tick - it->second.last_asked > config_.keep_ticks) {
      stats_.cached_bytes -= it->second.blob->size();
      it = cache_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace theta_net::session
