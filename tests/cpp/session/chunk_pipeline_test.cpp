// ChunkPipeline: chunks asked for come in at the next tick's delivery, generated into the world
// and encoded once per version for every client; an edit made meanwhile is noticed.
#include "theta_net/session/chunk_pipeline.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "theta_net/world/terrain_generator.hpp"

namespace theta_net::session {
namespace {

world::ChunkStore hills() {
  return world::ChunkStore(world::TerrainGenerator({3, world::TerrainKind::kHills, 62}).filler());
}

class ChunkPipelineTest : public ::testing::TestWithParam<std::size_t> {
 protected:
  codec::ChunkCodec codec_;
};

TEST_P(ChunkPipelineTest, AChunkAskedForIsGeneratedEncodedAndSharedFromTheNextTick) {
  world::ChunkStore world = hills();
  WorkerPool pool(GetParam());
  ChunkPipeline pipeline({}, codec_, pool);
  const world::ChunkPos pos{2, 3, -1};
  EXPECT_EQ(pipeline.ready(world, pos, 1), nullptr) << "asked for: not ready this tick";
  EXPECT_EQ(pipeline.ready(world, pos, 1), nullptr) << "asked once";
  EXPECT_EQ(world.find(pos), nullptr) << "the world is not touched off the tick";
  pipeline.deliver(world, 2);
  const world::Chunk* made = world.find(pos);
  ASSERT_NE(made, nullptr) << "generated into the world at delivery";
  const auto blob = pipeline.ready(world, pos, 2);
  ASSERT_NE(blob, nullptr);
  EXPECT_EQ(pipeline.ready(world, pos, 2), blob) << "one blob for every client";
  auto decoded = codec_.decode(*blob);
  ASSERT_TRUE(decoded.ok()) << decoded.error().describe();
  EXPECT_TRUE(std::equal(decoded->ids.begin(), decoded->ids.end(), made->blocks.begin()));
  world::ChunkStore fresh = hills();
  EXPECT_EQ(*fresh.get_or_create(pos), *made) << "the filler's chunk, as the tick would make it";
  EXPECT_EQ(pipeline.stats().generated, 1u);
  EXPECT_EQ(pipeline.stats().encoded, 1u);
  EXPECT_EQ(pipeline.stats().cache_hits, 2u);
}

TEST_P(ChunkPipelineTest, AnEditedChunkIsEncodedOnceForItsNewVersion) {
  world::ChunkStore world = hills();
  WorkerPool pool(GetParam());
  ChunkPipeline pipeline({}, codec_, pool);
  const world::ChunkPos pos{0, 4, 0};
  pipeline.ready(world, pos, 1);
  pipeline.deliver(world, 2);
  const auto before = pipeline.ready(world, pos, 2);
  ASSERT_NE(before, nullptr);
  ASSERT_TRUE(world.set_block({1, 65, 1}, world::blocks::kPlanks).ok());
  const auto after = pipeline.ready(world, pos, 2);
  ASSERT_NE(after, nullptr) << "a chunk the world holds is encoded at once";
  EXPECT_NE(*after, *before);
  EXPECT_EQ(pipeline.ready(world, pos, 3), after) << "and shared";
  EXPECT_EQ(pipeline.stats().encoded, 2u) << "once per version";
  EXPECT_EQ(pipeline.stats().generated, 1u);
  auto decoded = codec_.decode(*after);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->ids[world::index_in_chunk({1, 65, 1})], world::blocks::kPlanks);
}

TEST_P(ChunkPipelineTest, AChunkTheSimulationMadeAndEditedMeanwhileIsNotSentAsGenerated) {
  world::ChunkStore world = hills();
  WorkerPool pool(GetParam());
  ChunkPipeline pipeline({}, codec_, pool);
  const world::ChunkPos pos{0, 4, 0};
  EXPECT_EQ(pipeline.ready(world, pos, 1), nullptr);
  // While the job runs, a player reaches the chunk (the simulation makes it) and edits it.
  ASSERT_TRUE(world.set_block({1, 65, 1}, world::blocks::kPlanks).ok());
  pipeline.deliver(world, 2);
  EXPECT_EQ(pipeline.stats().stale, 1u);
  EXPECT_EQ(world.find(pos)->revision, 1u) << "the world's chunk stays";
  const auto blob = pipeline.ready(world, pos, 2);
  ASSERT_NE(blob, nullptr);
  auto decoded = codec_.decode(*blob);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->ids[world::index_in_chunk({1, 65, 1})], world::blocks::kPlanks);
}

TEST_P(ChunkPipelineTest, BlobsNobodyAsksForAreDropped) {
  world::ChunkStore world = hills();
  WorkerPool pool(GetParam());
  ChunkPipeline pipeline({.keep_ticks = 30}, codec_, pool);
  for (std::int32_t x = 0; x < 4; ++x) pipeline.ready(world, {x, 4, 0}, 1);
  pipeline.deliver(world, 2);
  EXPECT_EQ(pipeline.stats().cached, 4u);
  EXPECT_GT(pipeline.stats().cached_bytes, 0u);
  pipeline.ready(world, {0, 4, 0}, 39);  // still wanted
  pipeline.deliver(world, 40);           // evicts every 20 ticks: the rest are 38 ticks old
  EXPECT_EQ(pipeline.stats().cached, 1u);
  const std::uint64_t encoded = pipeline.stats().encoded;
  EXPECT_NE(pipeline.ready(world, {0, 4, 0}, 40), nullptr);
  EXPECT_EQ(pipeline.stats().encoded, encoded) << "kept";
  EXPECT_NE(pipeline.ready(world, {1, 4, 0}, 40), nullptr);
  EXPECT_EQ(pipeline.stats().encoded, encoded + 1) << "dropped, so encoded again";
}

INSTANTIATE_TEST_SUITE_P(Workers, ChunkPipelineTest, ::testing::Values(0u, 1u, 3u));

}  // namespace
}  // namespace theta_net::session
