#include <gtest/gtest.h>

#include "theta_net/world/chunk_interest.hpp"
#include "theta_net/world/chunk_store.hpp"

namespace theta_net::world {
namespace {

TEST(ChunkGeometry, FloorsNegativeCoordinates) {
  EXPECT_EQ(chunk_of({-1, 0, 15}), (ChunkPos{-1, 0, 0}));
  EXPECT_EQ(chunk_of({-16, 31, -17}), (ChunkPos{-1, 1, -2}));
  EXPECT_EQ(index_in_chunk({-1, 2, 3}), 2u * 256 + 3 * 16 + 15);
  EXPECT_EQ(chunk_origin({-2, 1, 3}), (BlockPos{-32, 16, 48}));
}

TEST(ChunkStore, FillsOnDemandAndAnswersOutsideTheWorld) {
  int filled = 0;
  ChunkStore store([&](ChunkPos, std::span<BlockId, kChunkVolume> out) {
    ++filled;
    std::fill(out.begin(), out.end(), blocks::kStone);
  });
  EXPECT_EQ(store.block_at({5, 5, 5}), blocks::kStone);
  EXPECT_EQ(store.block_at({6, 6, 6}), blocks::kStone);
  EXPECT_EQ(filled, 1);
  EXPECT_EQ(store.block_at({0, -1, 0}), blocks::kBedrock);
  EXPECT_EQ(store.block_at({0, 128, 0}), blocks::kAir);
  ASSERT_TRUE(store.set_block({5, 5, 5}, blocks::kGlass).ok());
  EXPECT_EQ(store.find({0, 0, 0})->revision, 1u);
  EXPECT_FALSE(store.set_block({0, 200, 0}, blocks::kGlass).ok());
}

TEST(ChunkStore, TheHighestSolidBlockOfAColumn) {
  // Ground up to y = 20 where x >= 0; a hole to the void where x < 0.
  ChunkStore store([](ChunkPos pos, std::span<BlockId, kChunkVolume> out) {
    for (std::size_t i = 0; i < out.size(); ++i) {
      const int y = pos.y * kChunkSize + static_cast<int>(i / (kChunkSize * kChunkSize));
      out[i] = pos.x >= 0 && y <= 20 ? blocks::kStone : blocks::kAir;
    }
  });
  EXPECT_EQ(store.top_y(), 127);
  EXPECT_EQ(store.highest_solid(3, -7), 20);
  ASSERT_TRUE(store.set_block({3, 40, -7}, blocks::kGlass).ok());
  EXPECT_EQ(store.highest_solid(3, -7), 40);
  EXPECT_EQ(store.highest_solid(-1, 0), std::nullopt);
}

TEST(ChunkStore, ClientStoresAnswerSolidForMissingChunks) {
  ChunkStore store;
  EXPECT_EQ(store.block_at({1, 1, 1}), blocks::kBedrock);
  EXPECT_FALSE(store.loaded_block({1, 1, 1}).has_value());
  Chunk c;
  c.blocks.fill(blocks::kAir);
  store.insert({0, 0, 0}, c);
  EXPECT_EQ(store.block_at({1, 1, 1}), blocks::kAir);
  EXPECT_NE(chunk_hash({0, 0, 0}, c), chunk_hash({1, 0, 0}, c));  // position is part of it
}

TEST(ChunkInterest, SendsNearestFirstAndUnloadsWithHysteresis) {
  ChunkInterestConfig config;
  config.view_radius = 2;
  config.max_chunk_y = 1;
  ChunkInterest interest(config);
  EXPECT_TRUE(interest.move_to({0, 0, 0}).empty());
  auto first = interest.next_to_send(3);
  ASSERT_EQ(first.size(), 3u);
  EXPECT_EQ(first[0], (ChunkPos{0, 0, 0}));
  EXPECT_EQ(interest.wanted(), 5u * 5 * 2);
  std::size_t sent = 0;
  for (auto batch = interest.next_to_send(7); !batch.empty(); batch = interest.next_to_send(7)) {
    for (const auto& pos : batch) {
      EXPECT_FALSE(interest.holds(pos));
      interest.mark_sent(pos);
      ++sent;
    }
  }
  EXPECT_EQ(sent, interest.wanted());
  // One chunk east: the western column is still within radius + margin.
  EXPECT_TRUE(interest.move_to({1, 0, 0}).empty());
  // Two more: the western-most columns go.
  const auto unloaded = interest.move_to({3, 0, 0});
  EXPECT_EQ(unloaded.size(), 5u * 2 * 2);
  for (const auto& pos : unloaded) EXPECT_LT(pos.x, 0);
}

}  // namespace
}  // namespace theta_net::world
