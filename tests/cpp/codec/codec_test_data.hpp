// Inputs shared by the codec tests: the shared Minecraft corpus (when present) and seeded
// synthetic boxes.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "theta_net/codec/chunk_dims.hpp"
#include "theta_net/core/rng.hpp"

namespace theta_net::codec::testing {

inline const char* corpus_path() {
  return THETA_SHARED_DIR "/data/minecraft/sections.u16";
}

// Every 16^3 section of the corpus, one after another; empty when the file is missing.
inline const std::vector<std::uint16_t>& corpus() {
  static const std::vector<std::uint16_t> all = [] {
    std::vector<std::uint16_t> ids;
    if (std::FILE* f = std::fopen(corpus_path(), "rb")) {
      std::uint16_t section[4096];
      while (std::fread(section, 2, 4096, f) == 4096)
        ids.insert(ids.end(), section, section + 4096);
      std::fclose(f);
    }
    return ids;
  }();
  return all;
}

inline std::size_t corpus_sections() {
  return corpus().size() / 4096;
}

inline std::vector<std::uint16_t> corpus_section(std::size_t i) {
  return {corpus().begin() + static_cast<std::ptrdiff_t>(i * 4096),
          corpus().begin() + static_cast<std::ptrdiff_t>((i + 1) * 4096)};
}

#define THETA_REQUIRE_CORPUS()                                                       \
  if (::theta_net::codec::testing::corpus_sections() == 0)                           \
  GTEST_SKIP() << "the shared corpus " << ::theta_net::codec::testing::corpus_path() \
               << " is missing; corpus tests skipped"

// Terrain-like box: layers of `palette` distinct ids with blobs, plus `noise_per_mille` random
// voxels.
inline std::vector<std::uint16_t> synthetic(ChunkDims d, unsigned palette, unsigned noise_per_mille,
                                            std::uint64_t seed) {
  Rng rng(seed);
  std::vector<std::uint16_t> ids(d.volume());
  std::vector<std::uint16_t> pal(palette);
  for (auto& id : pal) id = static_cast<std::uint16_t>(rng.next_u32());
  std::size_t i = 0;
  for (std::uint32_t y = 0; y < d.y; ++y)
    for (std::uint32_t z = 0; z < d.z; ++z)
      for (std::uint32_t x = 0; x < d.x; ++x, ++i) {
        unsigned k = (y * 7 / (d.y + 1) + (x / 5 + z / 3) % 2) % palette;
        if (rng.uniform(1000) < noise_per_mille) k = static_cast<unsigned>(rng.uniform(palette));
        ids[i] = pal[k];
      }
  return ids;
}

// A box built from corpus sections: section s at block offset (y, z, x) / 16 in row-major order
// of the 16^3 grid.
inline std::vector<std::uint16_t> tiled_from_corpus(ChunkDims d, std::size_t first_section) {
  std::vector<std::uint16_t> ids(d.volume());
  const std::uint32_t gz = (d.z + 15) / 16, gx = (d.x + 15) / 16;
  for (std::uint32_t y = 0; y < d.y; ++y)
    for (std::uint32_t z = 0; z < d.z; ++z)
      for (std::uint32_t x = 0; x < d.x; ++x) {
        const std::size_t s =
            (first_section + ((y / 16) * gz + z / 16) * gx + x / 16) % corpus_sections();
        ids[(std::size_t{y} * d.z + z) * d.x + x] =
            corpus()[s * 4096 + (y % 16) * 256 + (z % 16) * 16 + x % 16];
      }
  return ids;
}

}  // namespace theta_net::codec::testing
