// The voxel chunk codec against general-purpose codecs, in one run, on two datasets:
//   corpus   the shared corpus of real Minecraft terrain (3,157 non-air 16^3 sections)
//   terrain  theta_net's generated hills (seed 1, chunks 0..11 x 0..7 x 0..11, air skipped)
// Each 16^3 section is coded on its own. Methods: the presets (default, best), each mode alone,
// and zstd -1/-3/-9/-19 and lz4 on the raw uint16 ids. Every benchmark codes the whole dataset
// per iteration; bytes_per_second is of raw uint16 ids (8,192 bytes per section) in or out, and
// the counters mean_bytes / p90_bytes are the coded sizes (ours include the ~9-byte header).
// `theta-net bench codec` runs this with JSON output and prints the table; by hand:
//   build/release/bench/theta_codec_bench --benchmark_repetitions=5
//   --benchmark_report_aggregates_only=true --benchmark_filter=corpus/default
#include <benchmark/benchmark.h>
#include <lz4.h>
#include <zstd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "theta_net/codec/chunk_codec.hpp"
#include "theta_net/world/terrain_generator.hpp"

namespace {

using namespace theta_net;
using codec::ChunkCodec;
using codec::ChunkCodecConfig;
using codec::ChunkMode;

constexpr std::size_t kVoxels = 4096;

struct Dataset {
  std::vector<std::uint16_t> ids;
  std::size_t sections() const { return ids.size() / kVoxels; }
  const std::uint16_t* section(std::size_t i) const { return ids.data() + i * kVoxels; }
};

const Dataset& corpus() {
  static const Dataset data = [] {
    Dataset d;
    if (std::FILE* f = std::fopen(THETA_SHARED_DIR "/data/minecraft/sections.u16", "rb")) {
      std::uint16_t s[kVoxels];
      while (std::fread(s, 2, kVoxels, f) == kVoxels) d.ids.insert(d.ids.end(), s, s + kVoxels);
      std::fclose(f);
    }
    return d;
  }();
  return data;
}

const Dataset& terrain() {
  static const Dataset data = [] {
    Dataset d;
    const world::TerrainGenerator generator({.seed = 1});
    std::array<world::BlockId, kVoxels> s;
    for (int cx = 0; cx < 12; ++cx)
      for (int cz = 0; cz < 12; ++cz)
        for (int cy = 0; cy < 8; ++cy) {
          generator.fill_chunk({cx, cy, cz}, s);
          if (std::all_of(s.begin(), s.end(), [](auto id) { return id == world::blocks::kAir; }))
            continue;  // like the corpus: non-air sections only
          d.ids.insert(d.ids.end(), s.begin(), s.end());
        }
    return d;
  }();
  return data;
}

// One way of coding a section: encode into `out`, decode `in` into 4,096 ids.
struct Method {
  std::function<bool(const std::uint16_t*, Bytes&)> encode;
  std::function<bool(ByteSpan, std::uint16_t*)> decode;
};

Method ours(ChunkCodecConfig config) {
  auto codec = std::make_shared<ChunkCodec>(ChunkCodec::create(std::move(config)).value());
  return {[codec](const std::uint16_t* ids, Bytes& out) {
            return codec->encode_into({ids, kVoxels}, codec::kSectionDims, out).ok();
          },
          [codec](ByteSpan in, std::uint16_t* ids) {
            return codec->decode_into(in, {ids, kVoxels}).ok();
          }};
}

ChunkCodecConfig mode_only(ChunkMode mode, int zstd_level = 3) {
  ChunkCodecConfig config;
  config.modes = codec::mode_bit(mode);
  config.zstd_level = zstd_level;
  return config;
}

Method zstd_raw(int level) {
  auto cctx = std::shared_ptr<ZSTD_CCtx>(ZSTD_createCCtx(), ZSTD_freeCCtx);
  auto dctx = std::shared_ptr<ZSTD_DCtx>(ZSTD_createDCtx(), ZSTD_freeDCtx);
  return {[level, cctx](const std::uint16_t* ids, Bytes& out) {
            out.resize(ZSTD_compressBound(kVoxels * 2));
            const std::size_t n =
                ZSTD_compressCCtx(cctx.get(), out.data(), out.size(), ids, kVoxels * 2, level);
            if (ZSTD_isError(n)) return false;
            out.resize(n);
            return true;
          },
          [dctx](ByteSpan in, std::uint16_t* ids) {
            return ZSTD_decompressDCtx(dctx.get(), ids, kVoxels * 2, in.data(), in.size()) ==
                   kVoxels * 2;
          }};
}

Method lz4_raw() {
  return {[](const std::uint16_t* ids, Bytes& out) {
            out.resize(static_cast<std::size_t>(LZ4_compressBound(kVoxels * 2)));
            const int n = LZ4_compress_default(reinterpret_cast<const char*>(ids),
                                               reinterpret_cast<char*>(out.data()), kVoxels * 2,
                                               static_cast<int>(out.size()));
            if (n <= 0) return false;
            out.resize(static_cast<std::size_t>(n));
            return true;
          },
          [](ByteSpan in, std::uint16_t* ids) {
            return LZ4_decompress_safe(reinterpret_cast<const char*>(in.data()),
                                       reinterpret_cast<char*>(ids), static_cast<int>(in.size()),
                                       kVoxels * 2) == kVoxels * 2;
          }};
}

// A zstd dictionary trained on every 8th section of the dataset it is measured on.
Method zstd_with_dictionary(const Dataset& data) {
  std::vector<std::uint16_t> samples;
  for (std::size_t s = 0; s < data.sections(); s += 8)
    samples.insert(samples.end(), data.section(s), data.section(s) + kVoxels);
  ChunkCodecConfig config = mode_only(ChunkMode::kZstd);
  config.zstd_dictionary =
      codec::train_zstd_dictionary(samples, codec::kSectionDims, 16 * 1024).value();
  return ours(std::move(config));
}

struct MethodSpec {
  const char* name;
  bool slow_encode;  // one iteration, one repetition
  std::function<Method(const Dataset&)> make;
};

const std::vector<MethodSpec>& methods() {
  static const std::vector<MethodSpec> list = [] {
    std::vector<MethodSpec> m;
    auto preset = [](codec::ChunkPreset p) {
      return [p](const Dataset&) { return ours(ChunkCodecConfig::preset(p)); };
    };
    auto mode = [](ChunkMode md) { return [md](const Dataset&) { return ours(mode_only(md)); }; };
    m.push_back({"default", false, preset(codec::ChunkPreset::kDefault)});
    m.push_back({"best", false, preset(codec::ChunkPreset::kBest)});
    // The same preset with the AVX-512 decoder kernel turned off, then with every SIMD kernel
    // off: what CPUs without AVX-512, or without AVX2, decode at.
    m.push_back({"default_avx2", false, [](const Dataset&) {
                   ChunkCodecConfig c = ChunkCodecConfig::preset(codec::ChunkPreset::kDefault);
                   c.allow_avx512 = false;
                   return ours(c);
                 }});
    m.push_back({"default_scalar", false, [](const Dataset&) {
                   ChunkCodecConfig c = ChunkCodecConfig::preset(codec::ChunkPreset::kDefault);
                   c.allow_avx2 = false;
                   return ours(c);
                 }});
    m.push_back({"mode_raw", false, mode(ChunkMode::kRaw)});
    m.push_back({"mode_bitpacked", false, mode(ChunkMode::kBitPacked)});
    m.push_back({"mode_runs", false, mode(ChunkMode::kRuns)});
    m.push_back({"mode_fast", false, mode(ChunkMode::kFast)});
    m.push_back({"mode_zstd", false, mode(ChunkMode::kZstd)});
    m.push_back({"mode_zstd_dictionary", false, zstd_with_dictionary});
    m.push_back({"mode_context", false, mode(ChunkMode::kContext)});
    for (int level : {1, 3, 9, 19}) {
      static const char* names[] = {"zstd_1", "zstd_3", "zstd_9", "zstd_19"};
      const int i = level == 1 ? 0 : level == 3 ? 1 : level == 9 ? 2 : 3;
      m.push_back({names[i], level >= 19, [level](const Dataset&) { return zstd_raw(level); }});
    }
    m.push_back({"lz4", false, [](const Dataset&) { return lz4_raw(); }});
    return m;
  }();
  return list;
}

// Codes every section once, for the size counters and the decode benchmarks.
std::vector<Bytes> encode_all(const Method& m, const Dataset& data) {
  std::vector<Bytes> blobs(data.sections());
  for (std::size_t s = 0; s < data.sections(); ++s)
    if (!m.encode(data.section(s), blobs[s])) blobs[s].clear();
  return blobs;
}

void set_size_counters(benchmark::State& state, const std::vector<Bytes>& blobs) {
  std::vector<std::size_t> sizes;
  double total = 0;
  for (const Bytes& b : blobs) {
    sizes.push_back(b.size());
    total += static_cast<double>(b.size());
  }
  std::sort(sizes.begin(), sizes.end());
  state.counters["mean_bytes"] = total / static_cast<double>(sizes.size());
  state.counters["p90_bytes"] = static_cast<double>(sizes[sizes.size() * 9 / 10]);
  state.counters["sections"] = static_cast<double>(sizes.size());
}

// The blobs of each dataset/method, coded by its encode benchmark and decoded by its decode
// benchmark (so a slow encoder runs once per repetition, not again for decoding).
std::map<std::string, std::vector<Bytes>>& blob_cache() {
  static std::map<std::string, std::vector<Bytes>> cache;
  return cache;
}

// Lossless, checked outside the timing; false (and the benchmark skipped) on any mismatch.
bool round_trips(benchmark::State& state, const Method& m, const Dataset& data,
                 const std::vector<Bytes>& blobs) {
  std::vector<std::uint16_t> out(kVoxels);
  for (std::size_t s = 0; s < data.sections(); ++s) {
    if (blobs[s].empty() || !m.decode(blobs[s], out.data()) ||
        std::memcmp(out.data(), data.section(s), kVoxels * 2) != 0) {
      state.SkipWithError(("section " + std::to_string(s) + " does not round-trip").c_str());
      return false;
    }
  }
  return true;
}

void run(benchmark::State& state, const std::string& key, const Dataset& data,
         const MethodSpec& spec, bool encode) {
  if (data.sections() == 0) {
    state.SkipWithError("dataset missing (is ../shared/data/minecraft/sections.u16 there?)");
    return;
  }
  const Method m = spec.make(data);
  std::vector<Bytes>& blobs = blob_cache()[key];
  if (encode) {
    blobs.assign(data.sections(), Bytes{});
    for (auto _ : state)
      for (std::size_t s = 0; s < data.sections(); ++s) m.encode(data.section(s), blobs[s]);
    if (!round_trips(state, m, data, blobs)) return;
  } else {
    if (blobs.size() != data.sections()) blobs = encode_all(m, data);
    if (!round_trips(state, m, data, blobs)) return;
    std::vector<std::uint16_t> out(kVoxels);
    for (auto _ : state) {
      for (std::size_t s = 0; s < data.sections(); ++s) m.decode(blobs[s], out.data());
      benchmark::DoNotOptimize(out.data());
    }
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(data.sections()) *
                          static_cast<std::int64_t>(kVoxels * 2));
  set_size_counters(state, blobs);
}

const bool kRegistered = [] {
  for (const char* dataset : {"corpus", "terrain"}) {
    const Dataset& (*data)() = std::strcmp(dataset, "corpus") == 0 ? corpus : terrain;
    for (const MethodSpec& spec : methods())
      for (bool encode : {true, false}) {
        const std::string name =
            std::string(dataset) + "/" + spec.name + (encode ? "/encode" : "/decode");
        const std::string key = std::string(dataset) + "/" + spec.name;
        auto* b = benchmark::RegisterBenchmark(
            name.c_str(),
            [data, &spec, encode, key](benchmark::State& s) { run(s, key, data(), spec, encode); });
        b->Unit(benchmark::kMillisecond);
        if (encode && spec.slow_encode) b->Iterations(1)->Repetitions(1);
      }
  }
  return true;
}();

}  // namespace
