// Fuzzes the voxel codec's border: chunk blobs of every mode, chunk diffs, and (as a check of
// the encoders) round trips of arbitrary boxes.
//   byte 0 % 3 = 0: the rest is a chunk blob. The decoders (AVX-512, AVX2 with and without
//                   pdep, scalar; those the CPU lacks fall back) must agree, on the ids or on
//                   the error; what
//                   decodes must re-encode and decode to the same ids.
//   byte 0 % 3 = 1: the rest is a diff for a fixed 16^3 base. A refused diff leaves the base
//                   untouched; an accepted one re-diffs to the same result.
//   byte 0 % 3 = 2: the rest is a box (bytes 1..2 pick x and z sides, byte 3 a mode or the best
//                   preset, the rest are uint16 ids) that must round-trip, with the same bytes
//                   from the AVX2 and scalar encoders.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "theta_net/codec/chunk_codec.hpp"
#include "theta_net/codec/chunk_diff.hpp"
#include "theta_net/world/terrain_generator.hpp"

namespace {

using namespace theta_net;
using namespace theta_net::codec;

ChunkCodec make(ChunkCodecConfig config, bool avx2) {
  config.allow_avx2 = avx2;
  return ChunkCodec::create(config).value();
}

struct Codecs {
  ChunkCodec avx2 = make(ChunkCodecConfig::preset(ChunkPreset::kBest), true);  // and AVX-512
  ChunkCodec scalar = make(ChunkCodecConfig::preset(ChunkPreset::kBest), false);
  ChunkCodec fast_default = ChunkCodec(ChunkPreset::kDefault);
  ChunkCodec avx2_only = [] {
    ChunkCodecConfig config = ChunkCodecConfig::preset(ChunkPreset::kBest);
    config.allow_avx512 = false;
    return ChunkCodec::create(config).value();
  }();
  ChunkCodec no_pdep = [] {
    ChunkCodecConfig config = ChunkCodecConfig::preset(ChunkPreset::kBest);
    config.allow_avx512 = false;
    config.allow_pdep = false;
    return ChunkCodec::create(config).value();
  }();
  std::vector<ChunkCodec> single;  // each mode alone, AVX2 then scalar
  Codecs() {
    for (unsigned m = 0; m < kChunkModeCount; ++m) {
      ChunkCodecConfig config;
      config.modes = mode_bit(static_cast<ChunkMode>(m));
      single.push_back(make(config, true));
      single.push_back(make(config, false));
    }
  }
};

const Codecs& codecs() {
  static const Codecs c;
  return c;
}

const std::vector<std::uint16_t>& base_chunk() {
  static const std::vector<std::uint16_t> base = [] {
    std::vector<std::uint16_t> ids(4096);
    world::TerrainGenerator({.seed = 1}).fill_box({0, 48, 0}, {}, ids);
    return ids;
  }();
  return base;
}

void fuzz_blob(ByteSpan blob) {
  const Codecs& c = codecs();
  auto a = c.avx2.decode(blob);
  auto b = c.scalar.decode(blob);
  auto t = c.no_pdep.decode(blob);
  auto v = c.avx2_only.decode(blob);
  if (a.ok() != b.ok() || a.ok() != t.ok() || a.ok() != v.ok()) std::abort();
  if (!a.ok()) {
    // The same error (a checksum mismatch names the CRC of the ids decoded).
    const std::string why = a.error().describe();
    if (b.error().describe() != why || t.error().describe() != why || v.error().describe() != why)
      std::abort();
    return;
  }
  if (a->ids != b->ids || a->ids != t->ids || a->ids != v->ids) std::abort();
  auto again = c.fast_default.encode(a->ids, a->dims);
  if (!again.ok()) std::abort();
  auto decoded = c.fast_default.decode(*again);
  if (!decoded.ok() || decoded->ids != a->ids) std::abort();
}

void fuzz_diff(ByteSpan diff) {
  const Codecs& c = codecs();
  std::vector<std::uint16_t> ids = base_chunk();
  if (!apply_chunk_diff(diff, kSectionDims, ids, c.avx2).ok()) {
    if (ids != base_chunk()) std::abort();  // a refused diff changes nothing
    return;
  }
  auto again = encode_chunk_diff(base_chunk(), ids, kSectionDims, c.fast_default);
  if (!again.ok()) std::abort();
  std::vector<std::uint16_t> twice = base_chunk();
  if (!apply_chunk_diff(*again, kSectionDims, twice, c.fast_default).ok() || twice != ids)
    std::abort();
}

void fuzz_round_trip(ByteSpan rest) {
  if (rest.size() < 5) return;
  const std::uint32_t x = 1 + rest[0] % 24, z = 1 + rest[1] % 20;
  const unsigned mode = rest[2] % (kChunkModeCount + 1);  // one mode, or the best preset
  const std::size_t count = (rest.size() - 3) / 2;
  // At most 1,024 voxels: small boxes reach every code path and keep the fuzzer fast.
  const auto y = static_cast<std::uint32_t>(
      std::min<std::size_t>(std::min<std::size_t>(count, 1024) / (x * z), kMaxSide));
  if (y == 0) return;
  const ChunkDims d{y, z, x};
  std::vector<std::uint16_t> ids(d.volume());
  std::memcpy(ids.data(), rest.data() + 3, ids.size() * 2);
  const Codecs& c = codecs();
  auto check = [&](const ChunkCodec& with_avx2, const ChunkCodec& scalar) {
    auto blob = with_avx2.encode(ids, d);
    auto scalar_blob = scalar.encode(ids, d);
    if (!blob.ok() || !scalar_blob.ok() || *blob != *scalar_blob) std::abort();
    auto decoded = scalar.decode(*blob);
    if (!decoded.ok() || decoded->ids != ids || decoded->dims != d) std::abort();
  };
  if (mode == kChunkModeCount) {
    check(c.avx2, c.scalar);
  } else {
    check(c.single[2 * mode], c.single[2 * mode + 1]);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const ByteSpan rest(data + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      fuzz_blob(rest);
      break;
    case 1:
      fuzz_diff(rest);
      break;
    default:
      fuzz_round_trip(rest);
      break;
  }
  return 0;
}
