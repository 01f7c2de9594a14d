// The fast decoder's kernels (voxel by voxel, AVX2 with pdep and with its byte table, AVX-512)
// read the same bytes to the same ids, and refuse the same damaged payloads with the same error.
// Each kernel this CPU lacks falls back to the next one down, so the comparisons always run.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "codec_test_data.hpp"
#include "theta_net/codec/chunk_codec.hpp"
#include "theta_net/core/rng.hpp"

namespace theta_net::codec {
namespace {

struct Kernel {
  const char* name;
  ChunkCodec codec;
};

// The fast mode alone, so every blob holds a fast payload.
std::vector<Kernel> every_kernel() {
  auto make = [](bool avx2, bool pdep, bool avx512) {
    ChunkCodecConfig config;
    config.modes = mode_bit(ChunkMode::kFast);
    config.allow_avx2 = avx2;
    config.allow_pdep = pdep;
    config.allow_avx512 = avx512;
    return ChunkCodec::create(config).value();
  };
  std::vector<Kernel> kernels;
  kernels.push_back({"voxel by voxel", make(false, false, false)});
  kernels.push_back({"AVX2, table", make(true, false, false)});
  kernels.push_back({"AVX2, pdep", make(true, true, false)});
  kernels.push_back({"AVX-512", make(true, true, true)});
  const ChunkCodec& best = kernels.back().codec;
  if (!best.uses_avx512()) {
    GTEST_LOG_(INFO) << "this CPU has no AVX-512" << (best.uses_avx2() ? "" : " and no AVX2")
                     << ": the faster kernels fall back";
  }
  return kernels;
}

// 16-wide boxes (the SIMD kernels' shape) with few to many misses, rare codes included.
std::vector<std::pair<ChunkDims, std::vector<std::uint16_t>>> sixteen_wide_boxes() {
  std::vector<std::pair<ChunkDims, std::vector<std::uint16_t>>> boxes;
  std::uint64_t seed = 1;
  for (ChunkDims d : {ChunkDims{16, 16, 16}, ChunkDims{3, 40, 16}, ChunkDims{1, 1, 16},
                      ChunkDims{20, 5, 16}, ChunkDims{2, 16, 16}})
    for (unsigned palette : {2u, 6u, 40u})
      for (unsigned noise : {0u, 10u, 80u, 400u, 1000u})
        boxes.push_back({d, testing::synthetic(d, palette, noise, seed++)});
  // Larger than a section: the AVX-512 kernel's miss bits and entries no longer fit inline.
  for (unsigned noise : {30u, 300u}) {
    const ChunkDims d{40, 48, 16};
    boxes.push_back({d, testing::synthetic(d, 12, noise, seed++)});
  }
  for (std::size_t s = 0; s < testing::corpus_sections(); s += 13)
    boxes.push_back({kSectionDims, testing::corpus_section(s)});
  return boxes;
}

std::string outcome(const Result<DecodedChunk>& r) {
  return r.ok() ? std::string("ok") : r.error().describe();
}

TEST(FastKernels, EveryKernelDecodesTheSameBytesToTheSameIds) {
  const std::vector<Kernel> kernels = every_kernel();
  for (const auto& [d, ids] : sixteen_wide_boxes()) {
    const Bytes blob = kernels.front().codec.encode(ids, d).value();
    for (const Kernel& k : kernels) {
      ASSERT_EQ(k.codec.encode(ids, d).value(), blob) << k.name << " encodes other bytes";
      auto decoded = k.codec.decode(blob);
      ASSERT_TRUE(decoded.ok()) << k.name << ": " << decoded.error().describe();
      ASSERT_EQ(decoded->ids, ids) << k.name;
    }
  }
}

// Damaged payloads: each kernel gives the first one's verdict (the same error text, which for a
// checksum mismatch includes the CRC of the ids decoded), or the same ids.
TEST(FastKernels, EveryKernelRefusesTheSameDamagedPayloads) {
  const std::vector<Kernel> kernels = every_kernel();
  Rng rng(2026);
  std::size_t refused = 0, trials = 0;
  for (const auto& [d, ids] : sixteen_wide_boxes()) {
    const Bytes good = kernels.front().codec.encode(ids, d).value();
    for (int trial = 0; trial < 40; ++trial) {
      Bytes bad = good;
      const int flips = 1 + static_cast<int>(rng.uniform(3));
      for (int f = 0; f < flips; ++f) {
        const std::size_t at = rng.uniform(bad.size());
        bad[at] ^= static_cast<std::uint8_t>(1u << rng.uniform(8));
      }
      if (rng.uniform(4) == 0) bad.resize(rng.uniform(bad.size()));
      const auto first = kernels.front().codec.decode(bad);
      for (const Kernel& k : kernels) {
        const auto r = k.codec.decode(bad);
        ASSERT_EQ(outcome(r), outcome(first)) << k.name;
        if (r.ok()) {
          ASSERT_EQ(r->ids, first->ids) << k.name;
        }
      }
      refused += first.ok() ? 0 : 1;
      ++trials;
    }
  }
  EXPECT_GT(refused, trials / 2);  // (most damage is caught; what is not must still agree)
}

}  // namespace
}  // namespace theta_net::codec
