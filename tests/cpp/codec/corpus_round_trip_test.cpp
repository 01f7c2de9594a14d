// Lossless over the whole shared corpus: every 16^3 section round-trips through the default
// preset (and through each of its decoder kernels, the same bytes), and a sample through best.
#include <gtest/gtest.h>

#include "codec_test_data.hpp"
#include "theta_net/codec/chunk_codec.hpp"

#if defined(__SANITIZE_ADDRESS__)
#define THETA_SLOW_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define THETA_SLOW_BUILD 1
#endif
#endif

namespace theta_net::codec {
namespace {

#ifdef THETA_SLOW_BUILD
constexpr std::size_t kBestStride = 50;  // the context coder is slow under the sanitizers
#else
constexpr std::size_t kBestStride = 5;
#endif

TEST(CorpusRoundTrip, DefaultPresetIsLosslessOnEverySection) {
  THETA_REQUIRE_CORPUS();
  const ChunkCodec codec;
  ChunkCodecConfig scalar_config = codec.config();
  scalar_config.allow_avx2 = false;
  const ChunkCodec scalar = ChunkCodec::create(scalar_config).value();
  ChunkCodecConfig avx2_config = codec.config();
  avx2_config.allow_avx512 = false;  // the AVX2 kernel where the CPU has AVX-512 too
  const ChunkCodec avx2 = ChunkCodec::create(avx2_config).value();
  ChunkCodecConfig table_config = avx2_config;
  table_config.allow_pdep = false;  // the AVX2 kernel's other way of placing misses
  const ChunkCodec table = ChunkCodec::create(table_config).value();
  Bytes blob, scalar_blob;
  std::vector<std::uint16_t> out(4096);
  std::size_t bad = 0, total_bytes = 0;
  const auto& all = testing::corpus();
  for (std::size_t s = 0; s < testing::corpus_sections(); ++s) {
    const std::span<const std::uint16_t> ids(all.data() + s * 4096, 4096);
    ASSERT_TRUE(codec.encode_into(ids, kSectionDims, blob).ok());
    ASSERT_TRUE(scalar.encode_into(ids, kSectionDims, scalar_blob).ok());
    total_bytes += blob.size();
    const bool same_bytes = blob == scalar_blob;
    const bool ok =
        codec.decode_into(blob, out).ok() && std::equal(out.begin(), out.end(), ids.begin());
    const bool scalar_ok =
        scalar.decode_into(blob, out).ok() && std::equal(out.begin(), out.end(), ids.begin());
    const bool avx2_ok =
        avx2.decode_into(blob, out).ok() && std::equal(out.begin(), out.end(), ids.begin());
    const bool table_ok =
        table.decode_into(blob, out).ok() && std::equal(out.begin(), out.end(), ids.begin());
    if (!same_bytes || !ok || !scalar_ok || !avx2_ok || !table_ok) {
      ADD_FAILURE() << "section " << s << ": same bytes " << same_bytes << ", decodes " << ok
                    << ", scalar decodes " << scalar_ok << ", AVX2 decodes " << avx2_ok
                    << ", without pdep " << table_ok;
      if (++bad == 5) return;
    }
  }
  // Well under zstd -19's 354 B mean plus the header (the benchmark has the exact figures).
  EXPECT_LT(static_cast<double>(total_bytes) / static_cast<double>(testing::corpus_sections()),
            300.0);
}

TEST(CorpusRoundTrip, BestPresetIsLosslessOnASample) {
  THETA_REQUIRE_CORPUS();
  const ChunkCodec codec(ChunkPreset::kBest);
  for (std::size_t s = 0; s < testing::corpus_sections(); s += kBestStride) {
    const auto ids = testing::corpus_section(s);
    const Bytes blob = codec.encode(ids, kSectionDims).value();
    auto decoded = codec.decode(blob);
    ASSERT_TRUE(decoded.ok()) << "section " << s << ": " << decoded.error().describe();
    ASSERT_EQ(decoded->ids, ids) << "section " << s;
  }
}

}  // namespace
}  // namespace theta_net::codec
