// ChunkCodec round trips: every mode and preset on corpus boxes and synthetic ones of many
// shapes, the limits, and determinism (same input, same bytes; the SIMD and scalar kernels agree).
#include "theta_net/codec/chunk_codec.hpp"

#include <gtest/gtest.h>

#include <string>

#include "codec_test_data.hpp"
#include "theta_net/core/crc32c.hpp"
#include "theta_net/world/terrain_generator.hpp"

namespace theta_net::codec {
namespace {

using testing::synthetic;

ChunkCodec only(ChunkMode mode, bool allow_avx2 = true) {
  ChunkCodecConfig config;
  config.modes = mode_bit(mode);
  config.allow_avx2 = allow_avx2;
  return ChunkCodec::create(config).value();
}

std::string describe(ChunkDims d) {
  return std::to_string(d.y) + "x" + std::to_string(d.z) + "x" + std::to_string(d.x);
}

// Encodes, checks the header, decodes, compares; returns the blob.
Bytes round_trip(const ChunkCodec& codec, const std::vector<std::uint16_t>& ids, ChunkDims d) {
  auto blob = codec.encode(ids, d);
  EXPECT_TRUE(blob.ok()) << blob.error().describe();
  if (!blob.ok()) return {};
  auto header = ChunkCodec::read_header(*blob);
  EXPECT_TRUE(header.ok());
  EXPECT_EQ(header->dims, d);
  auto decoded = codec.decode(*blob);
  EXPECT_TRUE(decoded.ok()) << decoded.error().describe() << " (" << describe(d) << ", mode "
                            << chunk_mode_name(header->mode) << ")";
  if (decoded.ok()) {
    EXPECT_EQ(decoded->dims, d);
    EXPECT_TRUE(decoded->ids == ids) << describe(d) << " mode " << chunk_mode_name(header->mode);
  }
  return *blob;
}

ChunkMode mode_of(const Bytes& blob) {
  return ChunkCodec::read_header(blob).value().mode;
}

constexpr ChunkMode kEveryMode[] = {ChunkMode::kUniform, ChunkMode::kRaw,  ChunkMode::kBitPacked,
                                    ChunkMode::kRuns,    ChunkMode::kFast, ChunkMode::kZstd,
                                    ChunkMode::kContext};

TEST(ChunkCodec, ModeNamesRoundTrip) {
  for (ChunkMode m : kEveryMode) EXPECT_EQ(chunk_mode_from_name(chunk_mode_name(m)), m);
  EXPECT_FALSE(chunk_mode_from_name("default").has_value());
}

TEST(ChunkCodec, EveryModeRoundTripsCorpusShapes) {
  THETA_REQUIRE_CORPUS();
  const ChunkDims shapes[] = {{16, 16, 16}, {32, 32, 32}, {384, 16, 16}};
  for (ChunkDims d : shapes) {
    const auto ids = testing::tiled_from_corpus(d, 100);
    for (ChunkMode m : kEveryMode) {
      if (m == ChunkMode::kUniform) continue;  // not uniform: raw instead
      const Bytes blob = round_trip(only(m), ids, d);
      EXPECT_EQ(mode_of(blob), m) << describe(d);
    }
  }
}

TEST(ChunkCodec, EveryModeRoundTripsOddShapes) {
  const ChunkDims shapes[] = {{1, 1, 1},   {1, 1, 512},  {512, 1, 1},  {1, 512, 1},
                              {3, 5, 7},   {16, 16, 15}, {16, 16, 17}, {7, 33, 65},
                              {2, 64, 64}, {20, 1, 70},  {4, 512, 512}};
  std::uint64_t seed = 1;
  for (ChunkDims d : shapes)
    for (unsigned palette : {1u, 2u, 9u, 200u})
      for (unsigned noise : {0u, 50u, 500u}) {
        if (d.volume() > 100000 && (palette != 9 || noise != 50)) continue;  // keep it quick
        const auto ids = synthetic(d, palette, noise, seed++);
        for (ChunkMode m : kEveryMode) round_trip(only(m), ids, d);
        round_trip(ChunkCodec(ChunkPreset::kDefault), ids, d);
        if (d.volume() <= 4096) round_trip(ChunkCodec(ChunkPreset::kBest), ids, d);
      }
}

TEST(ChunkCodec, UniformBoxesTakeAFewBytes) {
  const std::vector<std::uint16_t> stone(4096, 1);
  const Bytes blob = round_trip(ChunkCodec(), stone, kSectionDims);
  EXPECT_EQ(mode_of(blob), ChunkMode::kUniform);
  EXPECT_EQ(blob.size(), 10u);  // version, mode, 3 dims, CRC, the id
}

TEST(ChunkCodec, PresetsPickTheSmallestOfTheirModes) {
  THETA_REQUIRE_CORPUS();
  for (std::size_t s = 0; s < 40; ++s) {
    const auto ids = testing::corpus_section(s * 71 % testing::corpus_sections());
    for (ChunkPreset preset : {ChunkPreset::kDefault, ChunkPreset::kBest}) {
      const ChunkCodec codec(preset);
      const Bytes chosen = round_trip(codec, ids, kSectionDims);
      for (ChunkMode m : kEveryMode) {
        if (!(codec.config().modes & mode_bit(m)) || m == ChunkMode::kUniform) continue;
        ChunkCodecConfig config = codec.config();
        config.modes = mode_bit(m);
        const Bytes alone = ChunkCodec::create(config).value().encode(ids, kSectionDims).value();
        EXPECT_LE(chosen.size(), alone.size()) << "section " << s << " mode " << chunk_mode_name(m);
        if (mode_of(alone) == m && mode_of(chosen) == m) {
          EXPECT_EQ(chosen, alone);
        }
      }
    }
  }
}

TEST(ChunkCodec, MoreThan4096IdsFallBackToRaw) {
  const ChunkDims d{32, 32, 32};
  std::vector<std::uint16_t> ids(d.volume());
  for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<std::uint16_t>(i * 7 % 5000);
  for (ChunkPreset p : {ChunkPreset::kDefault, ChunkPreset::kBest}) {
    const Bytes blob = round_trip(ChunkCodec(p), ids, d);
    EXPECT_EQ(mode_of(blob), ChunkMode::kRaw);
  }
  // Exactly 4096 distinct ids still take a palette mode.
  for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<std::uint16_t>(i % 4096 * 13);
  EXPECT_NE(mode_of(round_trip(ChunkCodec(), ids, d)), ChunkMode::kRaw);
  for (ChunkMode m : kEveryMode) round_trip(only(m), ids, d);
}

TEST(ChunkCodec, BlobsNeverExceedRawSize) {
  const ChunkDims d{16, 16, 16};
  for (unsigned noise : {0u, 300u, 1000u}) {
    const auto ids = synthetic(d, 4000, noise, noise + 7);
    for (ChunkPreset p : {ChunkPreset::kDefault, ChunkPreset::kBest})
      EXPECT_LE(round_trip(ChunkCodec(p), ids, d).size(), 12 + 2 * d.volume());
  }
}

TEST(ChunkCodec, RejectsBadArguments) {
  const ChunkCodec codec;
  const std::vector<std::uint16_t> ids(4096, 3);
  EXPECT_EQ(codec.encode(ids, {0, 16, 16}).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(codec.encode(ids, {16, 16, 513}).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(codec.encode(ids, {512, 512, 8}).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(codec.encode(std::span(ids).first(100), kSectionDims).error().code,
            ErrorCode::kInvalidArgument);
  ChunkCodecConfig config;
  config.zstd_level = 30;
  EXPECT_FALSE(ChunkCodec::create(config).ok());
  config.zstd_level = 3;
  config.modes = 1u << 20;
  EXPECT_FALSE(ChunkCodec::create(config).ok());
  const Bytes blob = codec.encode(ids, kSectionDims).value();
  std::vector<std::uint16_t> small(100);
  EXPECT_EQ(codec.decode_into(blob, small).error().code, ErrorCode::kInvalidArgument);
}

TEST(ChunkCodec, SameInputSameBytes) {
  const auto ids = synthetic({16, 16, 16}, 9, 40, 5);
  for (ChunkPreset p : {ChunkPreset::kDefault, ChunkPreset::kBest}) {
    const ChunkCodec codec(p);
    EXPECT_EQ(codec.encode(ids, kSectionDims).value(), codec.encode(ids, kSectionDims).value());
    Bytes reused(50000, 0xAB);
    ASSERT_TRUE(codec.encode_into(ids, kSectionDims, reused).ok());
    EXPECT_EQ(reused, codec.encode(ids, kSectionDims).value());
  }
}

// The bytes themselves, on every machine and compiler: CRCs of the blobs of a few generated
// chunks, per preset and mode. A change here is a change of the format (bump the version) or
// of the encoder's choices, and must be deliberate.
TEST(ChunkCodec, GoldenBytes) {
  const world::TerrainGenerator terrain({.seed = 2024});
  std::vector<std::uint16_t> ids(4096);
  auto blobs_crc = [&](const ChunkCodec& codec, std::uint32_t crc = 0) {
    for (int cy = 0; cy < 8; ++cy) {
      terrain.fill_chunk({3, cy, -2}, std::span<std::uint16_t, 4096>(ids.data(), 4096));
      const Bytes blob = codec.encode(ids, kSectionDims).value();
      crc = crc32c(blob, crc);
    }
    return crc;
  };
  EXPECT_EQ(blobs_crc(ChunkCodec(ChunkPreset::kDefault)), 3362207857u);
  EXPECT_EQ(blobs_crc(ChunkCodec(ChunkPreset::kBest)), 1730534934u);
  std::uint32_t modes_crc = 0;
  for (ChunkMode m : kEveryMode) modes_crc = blobs_crc(only(m), modes_crc);
  EXPECT_EQ(modes_crc, 2455882079u);
}

TEST(ChunkCodec, ScalarAndAvx2KernelsWriteAndReadTheSameBytes) {
  const ChunkCodec simd(ChunkPreset::kDefault);
  ChunkCodecConfig scalar_config = ChunkCodecConfig::preset(ChunkPreset::kDefault);
  scalar_config.allow_avx2 = false;
  const ChunkCodec scalar = ChunkCodec::create(scalar_config).value();
  EXPECT_FALSE(scalar.uses_avx2());
  ChunkCodecConfig avx2_config = ChunkCodecConfig::preset(ChunkPreset::kDefault);
  avx2_config.allow_avx512 = false;
  const ChunkCodec avx2 = ChunkCodec::create(avx2_config).value();
  EXPECT_FALSE(avx2.uses_avx512());
  ChunkCodecConfig table_config = avx2_config;
  table_config.allow_pdep = false;
  const ChunkCodec table = ChunkCodec::create(table_config).value();
  EXPECT_FALSE(table.uses_pdep());
  if (!simd.uses_avx2()) GTEST_LOG_(INFO) << "this CPU has no AVX2: both codecs are scalar";
  std::vector<std::pair<ChunkDims, std::vector<std::uint16_t>>> inputs;
  for (unsigned noise : {0u, 20u, 200u, 900u})
    inputs.push_back({kSectionDims, synthetic(kSectionDims, 12, noise, noise)});
  inputs.push_back({{16, 16, 48}, synthetic({16, 16, 48}, 5, 30, 9)});
  inputs.push_back({{8, 40, 16}, synthetic({8, 40, 16}, 5, 30, 10)});
  if (testing::corpus_sections()) {
    for (std::size_t s = 0; s < testing::corpus_sections(); s += 97)
      inputs.push_back({kSectionDims, testing::corpus_section(s)});
  }
  for (const auto& [d, ids] : inputs) {
    const Bytes a = simd.encode(ids, d).value(), b = scalar.encode(ids, d).value();
    ASSERT_EQ(a, b) << describe(d);
    EXPECT_EQ(scalar.decode(a).value().ids, ids);
    EXPECT_EQ(simd.decode(b).value().ids, ids);
    EXPECT_EQ(avx2.decode(b).value().ids, ids);
    EXPECT_EQ(table.decode(b).value().ids, ids);
  }
}

}  // namespace
}  // namespace theta_net::codec
