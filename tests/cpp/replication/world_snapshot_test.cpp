#include "theta_net/replication/world_snapshot.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "test_worlds.hpp"
#include "theta_net/protocol/message_codec.hpp"

namespace theta_net::replication {
namespace {

using testing::seed_schema;
using testing::set_position;
using testing::set_velocity;

WorldState reassemble(const std::vector<protocol::WorldSnapshotChunk>& chunks,
                      std::shared_ptr<const Schema> schema) {
  WorldSnapshotAssembler assembler(std::move(schema));
  for (const auto& c : chunks) EXPECT_TRUE(assembler.add(c).ok());
  EXPECT_TRUE(assembler.complete());
  auto world = assembler.finish();
  EXPECT_TRUE(world.ok()) << world.error().describe();
  return std::move(world).value();
}

TEST(WorldSnapshot, EmptyWorldProducesNoChunks) {
  WorldState world(seed_schema());
  EXPECT_TRUE(WorldSnapshotBuilder().build(world, 1, 10).empty());
  WorldSnapshotAssembler assembler(seed_schema());
  EXPECT_FALSE(assembler.complete());
}

TEST(WorldSnapshot, SingleComponentFitsOneChunk) {
  WorldState world(seed_schema());
  set_position(world, 1, 1, 2, 3);
  auto chunks = WorldSnapshotBuilder().build(world, 7, 10);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].index, 0u);
  EXPECT_EQ(chunks[0].total, 1u);
  EXPECT_EQ(chunks[0].snapshot_id, 7u);
  EXPECT_EQ(chunks[0].server_tick, 10u);
  EXPECT_EQ(snapshot_record_count(chunks), 1u);
  EXPECT_EQ(reassemble(chunks, seed_schema()), world);
}

TEST(WorldSnapshot, ChunkingRespectsTheLimit) {
  WorldState world(seed_schema());
  for (EntityId id = 1; id <= 10; ++id) set_position(world, id, id, 0, -double(id));
  auto chunks = WorldSnapshotBuilder({.max_chunk_payload = 80}).build(world, 1, 1);
  ASSERT_GT(chunks.size(), 1u);
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    // Over the limit only when one record (with its type's descriptor) alone is larger.
    if (chunks[i].payload.size() > 80u) {
      EXPECT_EQ(snapshot_record_count({chunks[i]}), 1u);
    }
    EXPECT_EQ(chunks[i].index, i);
    EXPECT_EQ(chunks[i].total, chunks.size());
  }
  EXPECT_EQ(snapshot_record_count(chunks), 10u);
  EXPECT_EQ(reassemble(chunks, seed_schema()), world);
}

TEST(WorldSnapshot, ChunkingKeepsAtLeastOneComponentPerChunk) {
  WorldState world(seed_schema());
  for (EntityId id = 1; id <= 5; ++id) {
    set_position(world, id, 1, 1, 1);
    set_velocity(world, id, 1, 1, 1);
  }
  // A limit smaller than any record: one record per chunk, and the builder terminates.
  auto chunks = WorldSnapshotBuilder({.max_chunk_payload = 1}).build(world, 1, 1);
  ASSERT_EQ(chunks.size(), 10u);
  for (const auto& c : chunks) EXPECT_EQ(snapshot_record_count({c}), 1u);
  EXPECT_EQ(reassemble(chunks, seed_schema()), world);
}

TEST(WorldSnapshot, HandlesSeveralComponentTypes) {
  auto world = testing::reference_world(12, 9);
  auto chunks = WorldSnapshotBuilder().build(world, 3, 4);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(snapshot_record_count(chunks), 12u * 3 + 3);  // player state on every 4th
  EXPECT_EQ(reassemble(chunks, world.schema_ptr()), world);
}

TEST(WorldSnapshot, HundredEntityWorldIn512ByteChunks) {
  WorldState world(seed_schema());
  for (EntityId id = 1; id <= 100; ++id) set_position(world, id, id * 1.5, 64, id * -0.25);
  auto chunks = WorldSnapshotBuilder({.max_chunk_payload = 512}).build(world, 11, 99);
  ASSERT_GT(chunks.size(), 1u);
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    EXPECT_EQ(chunks[i].index, i);
    EXPECT_EQ(chunks[i].total, chunks.size());
    EXPECT_LE(chunks[i].payload.size(), 512u);
    Bytes body;  // each chunk is a valid message of the wire protocol
    ASSERT_TRUE(protocol::encode_body(chunks[i], body).ok());
  }
  EXPECT_EQ(snapshot_record_count(chunks), 100u);
  EXPECT_EQ(reassemble(chunks, seed_schema()), world);
}

TEST(WorldSnapshot, ClientReassemblesChunksInAnyOrder) {
  auto world = testing::reference_world(200, 2);
  auto chunks = WorldSnapshotBuilder({.max_chunk_payload = 300}).build(world, 5, 6);
  ASSERT_GT(chunks.size(), 10u);
  std::reverse(chunks.begin(), chunks.end());
  std::rotate(chunks.begin(), chunks.begin() + 3, chunks.end());
  WorldSnapshotAssembler assembler(world.schema_ptr());
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    ASSERT_TRUE(assembler.add(chunks[i]).ok());
    ASSERT_TRUE(assembler.add(chunks[i]).ok());  // a repeat is ignored
    EXPECT_EQ(assembler.received(), i + 1);
    EXPECT_EQ(assembler.complete(), i + 1 == chunks.size());
  }
  EXPECT_EQ(assembler.finish().value(), world);
}

TEST(WorldSnapshot, IsDeterministic) {
  auto a = testing::reference_world(50, 8);
  WorldState b(a.schema_ptr());  // the same entities, inserted in reverse
  for (std::size_t i = a.size(); i-- > 0;) {
    for (std::size_t k = 0; k < a.schema().size(); ++k) {
      if (a.mask(i) >> k & 1) {
        ASSERT_TRUE(b.set_codes(a.id(i), k, a.codes(i, k)).ok());
      }
    }
  }
  EXPECT_EQ(WorldSnapshotBuilder({.max_chunk_payload = 256}).build(a, 1, 2),
            WorldSnapshotBuilder({.max_chunk_payload = 256}).build(b, 1, 2));
}

TEST(WorldSnapshot, AssemblerRejectsChunksThatDoNotBelong) {
  auto world = testing::reference_world(30, 1);
  auto chunks = WorldSnapshotBuilder({.max_chunk_payload = 200}).build(world, 5, 6);
  WorldSnapshotAssembler assembler(world.schema_ptr());
  ASSERT_TRUE(assembler.add(chunks[0]).ok());
  auto other = chunks[1];
  other.snapshot_id = 6;
  EXPECT_EQ(assembler.add(other).error().code, ErrorCode::kCorrupt);
  auto beyond = chunks[1];
  beyond.index = beyond.total;
  EXPECT_EQ(assembler.add(beyond).error().code, ErrorCode::kOutOfRange);
  auto empty = chunks[1];
  empty.total = 0;
  EXPECT_EQ(assembler.add(empty).error().code, ErrorCode::kLimitExceeded);
  EXPECT_EQ(assembler.finish().error().code, ErrorCode::kState);

  WorldSnapshotAssembler corrupt(world.schema_ptr());
  for (auto c : chunks) {
    if (c.index == 1) c.payload.pop_back();
    ASSERT_TRUE(corrupt.add(c).ok());
  }
  EXPECT_FALSE(corrupt.finish().ok());
  WorldSnapshotAssembler wrong_schema(seed_schema());
  for (const auto& c : chunks) ASSERT_TRUE(wrong_schema.add(c).ok());
  EXPECT_EQ(wrong_schema.finish().error().code, ErrorCode::kCorrupt);
}

}  // namespace
}  // namespace theta_net::replication
