#include "theta_net/data/op_codec.hpp"

#include <gtest/gtest.h>

#include "arena_schema.hpp"
#include "random_ops.hpp"
#include "theta_net/core/varint.hpp"

namespace theta_net::data {
namespace {

using testing::arena_schema;

// A store with `entities` random entities in each table.
Store random_store(std::uint64_t entities, std::uint64_t seed) {
  const auto schema = arena_schema();
  Rng rng(seed);
  Store store(schema);
  std::vector<Op> ops;
  for (EntityId id = 1; id <= entities; ++id) {
    for (std::uint16_t t = 0; t < schema->tables().size(); ++t) {
      ops.push_back(testing::random_upsert(*schema, t, id * 7919 % 100003, rng));
    }
  }
  EXPECT_TRUE(store.apply(Batch{0, 42, Micros{0}, ops}).ok());
  return store;
}

TEST(OpCodec, RandomOpsRoundTripExactly) {
  const auto schema = arena_schema();
  Rng rng(1);
  std::vector<Op> ops;
  for (int i = 0; i < 500; ++i) ops.push_back(testing::random_op(*schema, 50, rng));
  ASSERT_TRUE(Store(schema).check(ops).ok());
  const Bytes payload = encode_ops(*schema, ops);
  auto decoded = decode_ops(*schema, payload, ops.size());
  ASSERT_TRUE(decoded.ok()) << decoded.error().describe();
  EXPECT_EQ(*decoded, ops);
}

TEST(OpCodec, SnapshotDecodedIntoAnEmptyStoreGivesAnEqualStore) {
  const Store source = random_store(300, 2);
  const auto chunks = encode_snapshot(source, 1024);
  ASSERT_GT(chunks.size(), 3u);
  Store replica(source.schema_ptr());
  std::size_t entities = 0;
  for (const auto& chunk : chunks) {
    auto ops = decode_ops(source.schema(), chunk.payload, chunk.entities);
    ASSERT_TRUE(ops.ok()) << ops.error().describe();
    ASSERT_TRUE(replica.apply_ops(*ops).ok());
    entities += chunk.entities;
  }
  replica.set_version(source.version());
  EXPECT_EQ(entities, source.size());
  EXPECT_TRUE(replica == source);
  EXPECT_EQ(replica.canonical_bytes(), source.canonical_bytes());
}

TEST(OpCodec, SnapshotChunksStayWithinTheirSizeUnlessOneEntityIsLarger) {
  const Store source = random_store(200, 3);
  for (std::size_t chunk_bytes : {1u, 64u, 500u, 4096u, 1u << 20}) {
    const auto chunks = encode_snapshot(source, chunk_bytes);
    std::size_t entities = 0;
    for (const auto& chunk : chunks) {
      EXPECT_GE(chunk.entities, 1u);
      if (chunk.entities > 1) {
        EXPECT_LE(chunk.payload.size(), chunk_bytes);
      }
      entities += chunk.entities;
    }
    EXPECT_EQ(entities, source.size());
    if (chunk_bytes == 1) {
      EXPECT_EQ(chunks.size(), source.size());
    }
    if (chunk_bytes == 1u << 20) {
      EXPECT_EQ(chunks.size(), 1u);
    }
  }
  EXPECT_TRUE(encode_snapshot(Store(arena_schema()), 1024).empty());
}

TEST(OpCodec, AnEntityWithNoComponentsTravelsAsAnEmptyUpsert) {
  const auto schema = arena_schema();
  Store source(schema);
  Op bare;
  bare.table = 1;
  bare.entity = 77;
  ASSERT_TRUE(source.apply_ops({bare}).ok());
  const auto chunks = encode_snapshot(source, 1024);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].payload, (Bytes{1, 77, 0, 0}));
  Store replica(schema);
  ASSERT_TRUE(replica.apply_ops(*decode_ops(*schema, chunks[0].payload, 1)).ok());
  EXPECT_TRUE(replica == source);
}

// Hand-built payloads: varint table, varint entity, u8 kind, body.
Error decode_error(const Bytes& payload, std::uint64_t count, OpLimits limits = {}) {
  auto decoded = decode_ops(*arena_schema(), payload, count, limits);
  EXPECT_FALSE(decoded.ok());
  return decoded.ok() ? Error{ErrorCode::kInvalidArgument, "decoded"} : decoded.error();
}

TEST(OpCodec, DecoderRefusesTruncatedPayloads) {
  const auto schema = arena_schema();
  Rng rng(4);
  std::vector<Op> ops;
  for (int i = 0; i < 20; ++i) ops.push_back(testing::random_op(*schema, 5, rng));
  const Bytes payload = encode_ops(*schema, ops);
  for (std::size_t n = 0; n < payload.size(); ++n) {
    const Bytes prefix(payload.begin(), payload.begin() + static_cast<std::ptrdiff_t>(n));
    auto decoded = decode_ops(*schema, prefix, ops.size());
    ASSERT_FALSE(decoded.ok()) << n;
    EXPECT_EQ(decoded.error().code, ErrorCode::kTruncated) << n << " " << decoded.error().message;
  }
  EXPECT_EQ(decode_error({0, 1}, 1).code, ErrorCode::kTruncated);
  EXPECT_EQ(decode_error({0, 1, 2}, 2).code, ErrorCode::kTruncated);  // too short for 2 ops
}

TEST(OpCodec, DecoderRefusesOversizedPayloadsAndCountsBeforeReading) {
  OpLimits limits;
  limits.max_payload_bytes = 4;
  limits.max_ops = 2;
  EXPECT_EQ(decode_error({0, 1, 2, 0, 0}, 1, limits).code, ErrorCode::kLimitExceeded);
  EXPECT_EQ(decode_error({0, 1, 2}, 3, limits).code, ErrorCode::kLimitExceeded);
  // A huge count with a tiny payload allocates nothing and is refused.
  EXPECT_EQ(decode_error({0, 1, 2}, std::uint64_t{1} << 40, OpLimits{SIZE_MAX, SIZE_MAX}).code,
            ErrorCode::kTruncated);
}

TEST(OpCodec, DecoderRefusesIndicesAndValuesOutOfRange) {
  EXPECT_EQ(decode_error({2, 1, 2}, 1).code, ErrorCode::kOutOfRange);              // table 2
  EXPECT_EQ(decode_error({0, 1, 0, 1u << 5}, 1).code, ErrorCode::kOutOfRange);     // component 5
  EXPECT_EQ(decode_error({0, 1, 1, 1u << 5}, 1).code, ErrorCode::kOutOfRange);     // remove 5
  EXPECT_EQ(decode_error({0, 1, 0, 2, 1u << 3}, 1).code, ErrorCode::kOutOfRange);  // field 3
  // health.hp = 101 (zigzag 202 = 0xca 0x01)
  const auto hp = decode_error({0, 1, 0, 2, 1, 0xca, 0x01}, 1);
  EXPECT_EQ(hp.code, ErrorCode::kOutOfRange);
  EXPECT_NE(hp.message.find("hp"), std::string::npos) << hp.message;
  // profile.name with a 33-byte length
  EXPECT_EQ(decode_error({0, 1, 0, 8, 1, 33}, 1).code, ErrorCode::kOutOfRange);
}

TEST(OpCodec, DecoderRefusesMalformedOps) {
  EXPECT_EQ(decode_error({0, 1, 3}, 1).code, ErrorCode::kCorrupt);           // unknown kind
  EXPECT_EQ(decode_error({0, 1, 1, 0}, 1).code, ErrorCode::kCorrupt);        // empty remove
  EXPECT_EQ(decode_error({0, 0x81, 0x00, 2}, 1).code, ErrorCode::kCorrupt);  // padded varint
  EXPECT_EQ(decode_error({0, 1, 2, 0}, 1).code, ErrorCode::kCorrupt);        // trailing byte
  const auto trailing = decode_error({0, 1, 2, 0, 1, 2}, 1);
  EXPECT_NE(trailing.message.find("after the last"), std::string::npos) << trailing.message;
  const Bytes huge_entity{0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 2};
  EXPECT_EQ(decode_error(huge_entity, 1).code, ErrorCode::kOverflow);
}

TEST(OpCodec, EmptyPayloadWithNoOpsDecodesToNothing) {
  auto decoded = decode_ops(*arena_schema(), {}, 0);
  ASSERT_TRUE(decoded.ok());
  EXPECT_TRUE(decoded->empty());
}

}  // namespace
}  // namespace theta_net::data
