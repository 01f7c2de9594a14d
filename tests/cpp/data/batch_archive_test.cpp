// BatchArchive: recent batches for catch-up, bounded by count and bytes.
#include "theta_net/data/batch_archive.hpp"

#include <gtest/gtest.h>

namespace theta_net::data {
namespace {

SharedBatch batch(Version base, Version version, std::size_t payload = 10) {
  protocol::DataBatch b;
  b.base_version = base;
  b.version = version;
  b.ops = 1;
  b.raw_bytes = static_cast<std::uint32_t>(payload);
  b.payload.assign(payload, 7);
  return share_batch(std::move(b));
}

std::vector<Version> versions(const std::vector<SharedBatch>& batches) {
  std::vector<Version> out;
  for (const auto& b : batches) out.push_back(b.batch().version);
  return out;
}

TEST(BatchArchive, ServesEveryBatchAfterAVersionItCovers) {
  BatchArchive archive;
  for (Version v = 1; v <= 5; ++v) archive.push(batch(v - 1, v));
  EXPECT_EQ(archive.oldest_base(), 0u);
  EXPECT_EQ(archive.newest(), 5u);
  auto all = archive.since(0);
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(versions(*all), (std::vector<Version>{1, 2, 3, 4, 5}));
  auto tail = archive.since(3);
  ASSERT_TRUE(tail.has_value());
  EXPECT_EQ(versions(*tail), (std::vector<Version>{4, 5}));
  auto none = archive.since(5);
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->empty());
}

TEST(BatchArchive, RefusesVersionsOutsideWhatItHolds) {
  BatchArchive archive({.max_batches = 3, .max_bytes = 1u << 20});
  for (Version v = 1; v <= 6; ++v) archive.push(batch(v - 1, v));
  EXPECT_EQ(archive.size(), 3u);
  EXPECT_EQ(archive.oldest_base(), 3u);
  EXPECT_FALSE(archive.since(2).has_value());  // version 3 is gone
  EXPECT_TRUE(archive.since(3).has_value());
  EXPECT_FALSE(archive.since(7).has_value());  // ahead of the server
  EXPECT_FALSE(BatchArchive().since(0).has_value());
}

TEST(BatchArchive, DropsTheOldestPastItsByteBound) {
  const std::size_t one = batch(0, 1, 100).body_bytes;
  BatchArchive archive({.max_batches = 100, .max_bytes = one * 2 + one / 2});
  for (Version v = 1; v <= 4; ++v) archive.push(batch(v - 1, v, 100));
  EXPECT_EQ(archive.size(), 2u);
  EXPECT_EQ(archive.bytes(), one * 2);
  EXPECT_EQ(archive.oldest_base(), 2u);
  // A batch larger than the whole bound leaves the archive empty rather than over it.
  archive.push(batch(4, 5, 10 * one));
  EXPECT_EQ(archive.size(), 0u);
  EXPECT_EQ(archive.bytes(), 0u);
}

TEST(BatchArchive, StartsOverAfterAGap) {
  BatchArchive archive;
  archive.push(batch(0, 1));
  archive.push(batch(1, 2));
  archive.push(batch(5, 6));  // versions 3..5 never came: nothing before 5 can be served
  EXPECT_EQ(archive.size(), 1u);
  EXPECT_FALSE(archive.since(2).has_value());
  EXPECT_TRUE(archive.since(5).has_value());
}

TEST(BatchArchive, DoesNotServeHalfOfAMergedBatch) {
  BatchArchive archive;
  archive.push(batch(0, 1));
  archive.push(batch(1, 4));  // versions 2..4 merged
  archive.push(batch(4, 5));
  EXPECT_EQ(versions(*archive.since(1)), (std::vector<Version>{4, 5}));
  EXPECT_FALSE(archive.since(2).has_value());
  EXPECT_EQ(versions(*archive.since(4)), (std::vector<Version>{5}));
}

TEST(BatchArchive, SharesBatchesWithoutCopyingThem) {
  BatchArchive archive;
  SharedBatch b = batch(0, 1);
  archive.push(b);
  EXPECT_EQ((*archive.since(0))[0].message.get(), b.message.get());
  EXPECT_GT(b.body_bytes, b.batch().payload.size());
}

}  // namespace
}  // namespace theta_net::data
