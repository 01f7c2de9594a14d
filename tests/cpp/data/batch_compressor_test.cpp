// BatchCompressor: zstd for batch payloads, with and without a trained dictionary; its decoder
// is a border.
#include "theta_net/data/batch_compressor.hpp"

#include <gtest/gtest.h>

#include "theta_net/core/rng.hpp"
#include "theta_net/core/siphash.hpp"

namespace theta_net::data {
namespace {

// Payloads shaped like small delta batches: a few ops on nearby entities with field values
// that repeat from batch to batch (what a dictionary learns).
std::vector<Bytes> sample_payloads(std::size_t count, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<Bytes> out;
  for (std::size_t i = 0; i < count; ++i) {
    Bytes p;
    const std::size_t ops = 4 + rng.uniform(6);
    for (std::size_t k = 0; k < ops; ++k) {
      const char* names[] = {"player_health", "inventory_slot", "marker_label", "dropped_item"};
      p.push_back(static_cast<std::uint8_t>(rng.uniform(3)));
      p.push_back(static_cast<std::uint8_t>(100 + rng.uniform(20)));
      p.push_back(0);
      p.push_back(0x07);
      p.push_back(0x03);
      const char* name = names[rng.uniform(4)];
      p.insert(p.end(), name, name + std::char_traits<char>::length(name));
      for (int f = 0; f < 6; ++f) p.push_back(static_cast<std::uint8_t>(rng.uniform(4) * 2));
    }
    out.push_back(std::move(p));
  }
  return out;
}

TEST(BatchCompressor, RoundTripsWithoutADictionary) {
  BatchCompressor zstd;
  Bytes raw(4000);
  for (std::size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<std::uint8_t>(i % 17);
  const Bytes packed = zstd.compress(raw, false);
  ASSERT_FALSE(packed.empty());
  EXPECT_LT(packed.size(), raw.size() / 4);
  auto back = zstd.decompress(packed, raw.size(), false);
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(*back, raw);
}

TEST(BatchCompressor, TrainsADictionaryThatShrinksSmallBatches) {
  const auto samples = sample_payloads(400, 1);
  auto dictionary = BatchCompressor::train(samples, 4096);
  ASSERT_TRUE(dictionary.ok()) << dictionary.error().describe();
  BatchCompressor zstd;
  ASSERT_TRUE(zstd.set_dictionary(*dictionary).ok());
  EXPECT_EQ(zstd.dictionary_id(), siphash24(SipKey{}, dictionary->data(), dictionary->size()));

  std::size_t raw = 0, plain = 0, with_dictionary = 0;
  for (const Bytes& p : sample_payloads(100, 2)) {  // unseen batches of the same shape
    raw += p.size();
    plain += zstd.compress(p, false).size();
    const Bytes packed = zstd.compress(p, true);
    with_dictionary += packed.size();
    auto back = zstd.decompress(packed, p.size(), true);
    ASSERT_TRUE(back.ok()) << back.error().describe();
    EXPECT_EQ(*back, p);
  }
  EXPECT_LT(with_dictionary * 3, plain * 2)
      << "raw " << raw << ", zstd " << plain << ", zstd with dictionary " << with_dictionary;
}

TEST(BatchCompressor, TrainingIsDeterministicAndNeedsEnoughSamples) {
  const auto samples = sample_payloads(200, 3);
  auto a = BatchCompressor::train(samples, 2048);
  auto b = BatchCompressor::train(samples, 2048);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
  auto few = BatchCompressor::train(sample_payloads(7, 3), 2048);
  ASSERT_FALSE(few.ok());
  EXPECT_EQ(few.error().code, ErrorCode::kInvalidArgument);
  auto tiny = BatchCompressor::train(std::vector<Bytes>(8, Bytes{1}), 2048);
  ASSERT_FALSE(tiny.ok());
  EXPECT_EQ(tiny.error().code, ErrorCode::kInvalidArgument);
  // Small training sets that zstd's trainer mishandles are refused or trained, never a crash.
  Rng rng(5);
  for (std::size_t count = 8; count <= 24; count += 8) {
    for (std::size_t bytes = 1; bytes <= 40; bytes += 7) {
      std::vector<Bytes> set(count);
      for (auto& s : set) {
        for (std::size_t i = 0; i < bytes; ++i)
          s.push_back(static_cast<std::uint8_t>(rng.uniform(4)));
      }
      auto r = BatchCompressor::train(set, 1024);
      if (!r.ok()) {
        EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
      }
    }
  }
}

TEST(BatchCompressor, RefusesDictionariesItCannotUse) {
  BatchCompressor zstd;
  EXPECT_EQ(zstd.set_dictionary(Bytes((1u << 20) + 1, 1)).error().code, ErrorCode::kLimitExceeded);
  // The zstd dictionary magic followed by a header that does not parse.
  Bytes bad = {0x37, 0xA4, 0x30, 0xEC, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  EXPECT_EQ(zstd.set_dictionary(bad).error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(zstd.dictionary_id(), 0u);
  // Raw content works as a dictionary; empty bytes unload it.
  ASSERT_TRUE(zstd.set_dictionary(Bytes(300, 42)).ok());
  EXPECT_NE(zstd.dictionary_id(), 0u);
  ASSERT_TRUE(zstd.set_dictionary({}).ok());
  EXPECT_EQ(zstd.dictionary_id(), 0u);
}

TEST(BatchCompressor, DecompressionRefusesLiesAboutSizeAndBombs) {
  BatchCompressor zstd;
  const Bytes raw(100000, 0);  // zeros: a tiny frame that inflates a lot
  const Bytes packed = zstd.compress(raw, false);
  EXPECT_EQ(zstd.decompress(packed, raw.size() - 1, false).error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(zstd.decompress(packed, raw.size() + 1, false).error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(zstd.decompress(packed, kMaxRawBatchBytes + 1, false).error().code,
            ErrorCode::kLimitExceeded);
  EXPECT_EQ(zstd.decompress(packed, raw.size(), true).error().code, ErrorCode::kState);
  EXPECT_EQ(zstd.decompress(Bytes{1, 2, 3}, 3, false).error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(zstd.decompress({}, 0, false).error().code, ErrorCode::kCorrupt);
  Bytes cut(packed.begin(), packed.end() - 2);
  EXPECT_EQ(zstd.decompress(cut, raw.size(), false).error().code, ErrorCode::kCorrupt);
}

TEST(BatchCompressor, ARecordedFrameNeedsItsDictionary) {
  const auto samples = sample_payloads(200, 4);
  BatchCompressor with, without;
  ASSERT_TRUE(with.set_dictionary(*BatchCompressor::train(samples, 2048)).ok());
  const Bytes packed = with.compress(samples[0], true);
  EXPECT_EQ(without.decompress(packed, samples[0].size(), false).error().code, ErrorCode::kCorrupt);
  BatchCompressor other;
  ASSERT_TRUE(other.set_dictionary(Bytes(500, 9)).ok());
  EXPECT_FALSE(other.decompress(packed, samples[0].size(), true).ok());
}

}  // namespace
}  // namespace theta_net::data
