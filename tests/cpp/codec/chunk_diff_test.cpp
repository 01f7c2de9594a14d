// Chunk diffs: round trips and properties over random bases and change sets, the full-chunk
// fallback, and refusal (leaving the ids untouched) of a wrong base or a damaged diff.
#include "theta_net/codec/chunk_diff.hpp"

#include <gtest/gtest.h>

#include <map>

#include "codec_test_data.hpp"
#include "theta_net/core/rng.hpp"

namespace theta_net::codec {
namespace {

bool is_full_chunk(const Bytes& diff) {
  return diff.size() > 1 && diff[1] == 1;
}

// The ids after applying `changes` in order (the last change of an index wins).
std::vector<std::uint16_t> expected_after(std::vector<std::uint16_t> ids,
                                          const std::vector<BlockChange>& changes) {
  for (const BlockChange& c : changes) ids[c.index] = c.id;
  return ids;
}

TEST(ChunkDiff, RandomChangeSetsRoundTrip) {
  Rng rng(2024);
  const ChunkCodec codec;
  int full = 0, sparse = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const ChunkDims d = trial % 3 == 0 ? ChunkDims{static_cast<std::uint32_t>(1 + rng.uniform(20)),
                                                   static_cast<std::uint32_t>(1 + rng.uniform(20)),
                                                   static_cast<std::uint32_t>(1 + rng.uniform(40))}
                                       : kSectionDims;
    auto base = testing::synthetic(d, 1 + static_cast<unsigned>(rng.uniform(12)),
                                   static_cast<unsigned>(rng.uniform(100)), trial);
    // From one change to most of the chunk; ids from a small set or anywhere; repeats allowed.
    const std::size_t count = trial % 10 == 0 ? rng.uniform(d.volume() + 1) : rng.uniform(40);
    std::vector<BlockChange> changes;
    for (std::size_t i = 0; i < count; ++i) {
      const auto id = static_cast<std::uint16_t>(rng.uniform(2) ? rng.uniform(4) : rng.next_u32());
      changes.push_back({static_cast<std::uint32_t>(rng.uniform(d.volume())), id});
    }
    const auto target = expected_after(base, changes);
    const Bytes diff = encode_chunk_diff(base, d, changes, codec).value();
    (is_full_chunk(diff) ? full : sparse)++;
    // The same target through the two-chunk entry point gives the same bytes.
    EXPECT_EQ(encode_chunk_diff(base, target, d, codec).value(), diff);
    // Never larger than the full chunk plus the diff's two header bytes.
    EXPECT_LE(diff.size(), codec.encode(target, d).value().size() + 2);
    auto ids = base;
    ASSERT_TRUE(apply_chunk_diff(diff, d, ids, codec).ok()) << trial;
    ASSERT_EQ(ids, target) << trial;
  }
  EXPECT_GT(full, 0);
  EXPECT_GT(sparse, 0);
}

TEST(ChunkDiff, SmallEditsAreSmall) {
  const ChunkCodec codec;
  const auto base = testing::synthetic(kSectionDims, 6, 20, 8);
  // A player digs a 1x2 hole and places a torch-like block: three changes.
  const std::vector<BlockChange> changes = {{1000, 0}, {1256, 0}, {3000, 50}};
  const Bytes diff = encode_chunk_diff(base, kSectionDims, changes, codec).value();
  EXPECT_FALSE(is_full_chunk(diff));
  EXPECT_LE(diff.size(), 2u + 3 + 4 + 1 + 3 * 3);
  // No effective change: an empty diff that applies to its base.
  const Bytes none =
      encode_chunk_diff(base, kSectionDims, std::vector<BlockChange>{{5, base[5]}}, codec).value();
  auto ids = base;
  ASSERT_TRUE(apply_chunk_diff(none, kSectionDims, ids, codec).ok());
  EXPECT_EQ(ids, base);
  EXPECT_EQ(chunk_changes(base, base).size(), 0u);
}

TEST(ChunkDiff, ManyChangesSendTheFullChunk) {
  const ChunkCodec codec;
  const auto base = testing::synthetic(kSectionDims, 6, 20, 8);
  const std::vector<std::uint16_t> target(4096, 9);
  const Bytes diff = encode_chunk_diff(base, target, kSectionDims, codec).value();
  EXPECT_TRUE(is_full_chunk(diff));
  auto ids = base;
  ASSERT_TRUE(apply_chunk_diff(diff, kSectionDims, ids, codec).ok());
  EXPECT_EQ(ids, target);
}

TEST(ChunkDiff, WrongBaseOrDamageLeavesTheIdsUntouched) {
  const ChunkCodec codec;
  const auto base = testing::synthetic(kSectionDims, 6, 20, 8);
  const std::vector<BlockChange> changes = {{10, 3}, {11, 3}, {4000, 7}};
  const Bytes diff = encode_chunk_diff(base, kSectionDims, changes, codec).value();

  auto other = testing::synthetic(kSectionDims, 6, 20, 9);
  const auto before = other;
  auto status = apply_chunk_diff(diff, kSectionDims, other, codec);
  EXPECT_EQ(status.error().code, ErrorCode::kChecksumMismatch);
  EXPECT_EQ(other, before);

  for (std::size_t n = 0; n < diff.size(); ++n) {
    auto ids = base;
    EXPECT_FALSE(
        apply_chunk_diff(Bytes(diff.begin(), diff.begin() + static_cast<std::ptrdiff_t>(n)),
                         kSectionDims, ids, codec)
            .ok());
    EXPECT_EQ(ids, base);
  }
  Rng rng(5);
  for (int trial = 0; trial < 500; ++trial) {
    Bytes bad = diff;
    bad[rng.uniform(bad.size())] ^= static_cast<std::uint8_t>(1 + rng.uniform(255));
    auto ids = base;
    if (apply_chunk_diff(bad, kSectionDims, ids, codec).ok()) {
      EXPECT_EQ(ids, expected_after(base, changes));
    } else {
      EXPECT_EQ(ids, base);
    }
  }
  auto ids = base;
  EXPECT_EQ(apply_chunk_diff(diff, {16, 16, 8}, std::span(ids).first(2048), codec).error().code,
            ErrorCode::kInvalidArgument);  // a diff for another size of chunk
  Bytes future = diff;
  future[0] = 2;
  EXPECT_EQ(apply_chunk_diff(future, kSectionDims, ids, codec).error().code,
            ErrorCode::kUnsupportedVersion);
}

TEST(ChunkDiff, EncoderChecksItsArguments) {
  const ChunkCodec codec;
  const std::vector<std::uint16_t> base(4096, 1);
  EXPECT_EQ(encode_chunk_diff(base, kSectionDims, std::vector<BlockChange>{{4096, 2}}, codec)
                .error()
                .code,
            ErrorCode::kOutOfRange);
  EXPECT_EQ(
      encode_chunk_diff(std::span(base).first(100), kSectionDims, std::vector<BlockChange>{}, codec)
          .error()
          .code,
      ErrorCode::kInvalidArgument);
  // The last change of an index counts.
  const std::vector<BlockChange> twice = {{7, 2}, {7, 3}};
  auto ids = base;
  ASSERT_TRUE(apply_chunk_diff(encode_chunk_diff(base, kSectionDims, twice, codec).value(),
                               kSectionDims, ids, codec)
                  .ok());
  EXPECT_EQ(ids[7], 3);
}

}  // namespace
}  // namespace theta_net::codec
