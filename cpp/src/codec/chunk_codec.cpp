// ChunkCodec: the blob container, mode selection and dispatch to the mode bodies.

#include "theta_net/codec/chunk_codec.hpp"

#include <algorithm>
#include <array>

#include "context_coder.hpp"
#include "cpu_features.hpp"
#include "fast_coder.hpp"
#include "palette.hpp"
#include "palette_modes.hpp"
#include "theta_net/core/crc32c.hpp"
#include "theta_net/core/varint.hpp"
#include "zstd_mode.hpp"

namespace theta_net::codec {
namespace {

constexpr std::array<std::string_view, kChunkModeCount> kModeNames = {
    "uniform", "raw", "bitpacked", "runs", "fast", "zstd", "context"};

constexpr ChunkModeSet kAllModes = (ChunkModeSet{1} << kChunkModeCount) - 1;
constexpr ChunkModeSet kDefaultModes = mode_bit(ChunkMode::kUniform) | mode_bit(ChunkMode::kRaw) |
                                       mode_bit(ChunkMode::kBitPacked) |
                                       mode_bit(ChunkMode::kRuns) | mode_bit(ChunkMode::kFast);

// Buffers for the candidate bodies, kept per thread so that encoding a chunk allocates nothing
// once they have grown.
struct EncoderScratch {
  Bytes fast, zstd, context;
  std::vector<std::uint16_t> indices;
};

EncoderScratch& encoder_scratch() {
  thread_local EncoderScratch scratch;
  return scratch;
}

std::span<std::uint8_t> grown(Bytes& buffer, std::size_t size) {
  if (buffer.size() < size) buffer.resize(size);
  return {buffer.data(), size};
}

// The smallest body so far; ties go to the lower mode number.
struct Winner {
  ChunkMode mode = ChunkMode::kRaw;
  std::size_t size = SIZE_MAX;

  bool beaten_by(ChunkMode m, std::size_t s) const { return s < size || (s == size && m < mode); }
  void offer(ChunkMode m, std::size_t s) {
    if (beaten_by(m, s)) *this = {m, s};
  }
};

void write_header(ByteWriter& w, ChunkMode mode, ChunkDims dims, std::uint32_t crc) {
  w.u8(kChunkFormatVersion);
  w.u8(static_cast<std::uint8_t>(mode));
  write_varint(w, dims.y);
  write_varint(w, dims.z);
  write_varint(w, dims.x);
  w.u32le(crc);
}

std::uint32_t ids_crc(std::span<const std::uint16_t> ids) {
  return crc32c(ids.data(), ids.size() * 2);  // the ids as uint16 little-endian (our host order)
}

}  // namespace

std::string_view chunk_mode_name(ChunkMode mode) {
  const auto i = static_cast<unsigned>(mode);
  return i < kChunkModeCount ? kModeNames[i] : "unknown";
}

std::optional<ChunkMode> chunk_mode_from_name(std::string_view name) {
  for (unsigned i = 0; i < kChunkModeCount; ++i)
    if (kModeNames[i] == name) return static_cast<ChunkMode>(i);
  return std::nullopt;
}

ChunkCodecConfig ChunkCodecConfig::preset(ChunkPreset preset) {
  ChunkCodecConfig config;
  if (preset == ChunkPreset::kBest) {
    // zstd stays at level 3: on the corpus no level up to 19 ever beat the context coder, and
    // level 19 would make this preset ten times slower.
    config.modes = kAllModes;
  } else {
    config.modes = kDefaultModes;
  }
  return config;
}

ChunkCodec::ChunkCodec(ChunkPreset preset) : ChunkCodec(ChunkCodecConfig::preset(preset), true) {}

ChunkCodec::ChunkCodec(ChunkCodecConfig config, bool) : config_(std::move(config)) {
  kernels_.avx2 = config_.allow_avx2 && cpu_has_avx2();
  kernels_.pdep = kernels_.avx2 && config_.allow_pdep && cpu_has_fast_pdep();
  kernels_.avx512 = kernels_.avx2 && config_.allow_avx512 && cpu_has_avx512();
  config_.modes |= mode_bit(ChunkMode::kRaw);
  if (config_.modes & mode_bit(ChunkMode::kZstd))
    zstd_ = make_zstd_state(config_.zstd_dictionary, config_.zstd_level);
}

Result<ChunkCodec> ChunkCodec::create(ChunkCodecConfig config) {
  if ((config.modes & ~kAllModes) != 0) {
    return make_error(ErrorCode::kInvalidArgument, "mode set 0x", std::hex, config.modes,
                      " names modes that do not exist");
  }
  if (config.zstd_level < 1 || config.zstd_level > 22) {
    return make_error(ErrorCode::kInvalidArgument, "zstd level ", config.zstd_level,
                      " is outside 1..22");
  }
  const bool wants_dictionary = !config.zstd_dictionary.empty();
  ChunkCodec codec(std::move(config), true);
  if (wants_dictionary && (codec.config_.modes & mode_bit(ChunkMode::kZstd)) && !codec.zstd_) {
    return make_error(ErrorCode::kInvalidArgument, "zstd cannot load the dictionary");
  }
  return codec;
}

Result<Bytes> ChunkCodec::encode(std::span<const std::uint16_t> ids, ChunkDims dims) const {
  Bytes out;
  THETA_TRY(encode_into(ids, dims, out));
  return out;
}

Status ChunkCodec::encode_into(std::span<const std::uint16_t> ids, ChunkDims dims,
                               Bytes& out) const {
  if (!dims.valid()) {
    return make_error(ErrorCode::kInvalidArgument, "dims ", dims.y, "x", dims.z, "x", dims.x,
                      " are outside 1..", kMaxSide, " per side or ", kMaxVoxels, " voxels");
  }
  const std::size_t n = dims.volume();
  if (ids.size() != n) {
    return make_error(ErrorCode::kInvalidArgument, ids.size(), " ids for dims ", dims.y, "x",
                      dims.z, "x", dims.x, " (", n, " voxels)");
  }
  const ChunkModeSet modes = config_.modes;
  auto tries = [modes](ChunkMode m) { return (modes & mode_bit(m)) != 0; };
  EncoderScratch& scratch = encoder_scratch();
  // Every body above raw's size loses to raw, so no candidate needs a larger buffer.
  const std::size_t raw_size = 2 * n;

  // The fast coder finds its palette as it goes (it consults it only on escapes, so the ids come
  // in stream order); the other modes index the ids in scan order, only when they need to.
  PaletteBuilder fast_palette(ids[0]);
  std::unique_ptr<PaletteBuilder> scan_palette;
  auto indices = [&]() -> std::span<const std::uint16_t> {
    if (!scan_palette) {
      scan_palette = std::make_unique<PaletteBuilder>(ids[0]);
      scratch.indices.resize(n);
      index_ids(ids, *scan_palette, scratch.indices.data());
    }
    return {scratch.indices.data(), n};
  };
  Winner winner;
  winner.offer(ChunkMode::kRaw, raw_size);
  std::size_t fast_size = 0;
  std::uint32_t run_count = 0;
  if (tries(ChunkMode::kFast)) {
    auto fast = fast::encode_ids(ids, dims, fast_palette, grown(scratch.fast, raw_size + 16),
                                 kernels_.avx2);
    if (fast.ok()) {
      fast_size = fast->size;
      run_count = fast->linear_runs;
    }
    if (fast_palette.overflowed() || !fast.ok()) fast_size = SIZE_MAX;
  } else {
    run_count = count_runs(indices());
  }
  // Both palettes hold the same ids (in different orders), so their sizes agree.
  const PaletteBuilder& palette = scan_palette ? *scan_palette : fast_palette;
  if (!palette.overflowed()) {
    const std::size_t pb = palette_bytes(palette.ids());
    if (palette.size() == 1 && tries(ChunkMode::kUniform))
      winner.offer(ChunkMode::kUniform, varint_size(ids[0]));
    if (fast_size != SIZE_MAX && tries(ChunkMode::kFast))
      winner.offer(ChunkMode::kFast, pb + fast_size);
    if (tries(ChunkMode::kBitPacked))
      winner.offer(ChunkMode::kBitPacked, pb + bit_packed_bytes(n, palette.size()));
    // The run body is coded only when its lower bound could win.
    if (tries(ChunkMode::kRuns) &&
        winner.beaten_by(ChunkMode::kRuns, pb + runs_min_bytes(run_count))) {
      // Exact size: two varints per run.
      std::size_t size = pb + varint_size(run_count);
      const auto idx = indices();
      std::size_t start = 0;
      for (std::size_t i = 1; i <= n; ++i) {
        if (i == n || idx[i] != idx[start]) {
          size += varint_size(idx[start]) + varint_size(i - start - 1);
          start = i;
        }
      }
      winner.offer(ChunkMode::kRuns, size);
    }
    if (tries(ChunkMode::kZstd)) {
      scratch.zstd.clear();
      ByteWriter zw(scratch.zstd);
      if (write_zstd(zw, indices(), palette.size(), config_.zstd_level, zstd_.get()).ok())
        winner.offer(ChunkMode::kZstd, pb + scratch.zstd.size());
    }
    if (tries(ChunkMode::kContext)) {
      auto size = best::encode_indices(indices(), dims, palette.size(),
                                       grown(scratch.context, raw_size + 16));
      if (size.ok()) winner.offer(ChunkMode::kContext, pb + *size);
    }
  }

  out.clear();
  out.reserve(16 + winner.size);
  ByteWriter w(out);
  write_header(w, winner.mode, dims, ids_crc(ids));
  auto append = [&](const Bytes& body, std::size_t size) {
    out.insert(out.end(), body.begin(), body.begin() + static_cast<std::ptrdiff_t>(size));
  };
  // (The candidates above may have used either palette: only its size, which both share.)
  auto scan_ids = [&] {
    indices();
    return scan_palette->ids();
  };
  switch (winner.mode) {
    case ChunkMode::kUniform:
      write_varint(w, ids[0]);
      break;
    case ChunkMode::kRaw:
      write_raw(w, ids);
      break;
    case ChunkMode::kBitPacked:
      write_palette(w, scan_ids());
      write_bit_packed(w, indices(), palette.size());
      break;
    case ChunkMode::kRuns:
      write_palette(w, scan_ids());
      write_runs(w, indices(), run_count);
      break;
    case ChunkMode::kFast:
      write_palette(w, fast_palette.ids());
      append(scratch.fast, fast_size);
      break;
    case ChunkMode::kZstd:
      write_palette(w, scan_ids());
      append(scratch.zstd, scratch.zstd.size());
      break;
    case ChunkMode::kContext:
      write_palette(w, scan_ids());
      append(scratch.context, winner.size - palette_bytes(scan_ids()));
      break;
  }
  return {};
}

Result<ChunkHeader> ChunkCodec::read_header(ByteSpan blob) {
  ByteReader in(blob);
  ChunkHeader h;
  THETA_TRY_ASSIGN(h.version, in.u8("format version"));
  if (h.version != kChunkFormatVersion) {
    return make_error(ErrorCode::kUnsupportedVersion, "chunk blob format version ", int{h.version},
                      "; this build reads version ", int{kChunkFormatVersion});
  }
  THETA_TRY_ASSIGN(const std::uint8_t mode, in.u8("mode"));
  if (mode >= kChunkModeCount) {
    return make_error(ErrorCode::kCorrupt, "chunk blob mode ", int{mode}, " does not exist");
  }
  h.mode = static_cast<ChunkMode>(mode);
  std::uint64_t side[3];
  for (auto& s : side) {
    THETA_TRY_ASSIGN(s, read_varint(in, "dims"));
    if (s == 0 || s > kMaxSide) {
      return make_error(ErrorCode::kLimitExceeded, "chunk side of ", s, " voxels is outside 1..",
                        kMaxSide);
    }
  }
  h.dims = {static_cast<std::uint32_t>(side[0]), static_cast<std::uint32_t>(side[1]),
            static_cast<std::uint32_t>(side[2])};
  if (h.dims.volume() > kMaxVoxels) {
    return make_error(ErrorCode::kLimitExceeded, "chunk of ", h.dims.volume(),
                      " voxels is over the limit of ", kMaxVoxels);
  }
  THETA_TRY_ASSIGN(h.crc, in.u32le("crc"));
  h.header_size = in.offset();
  return h;
}

Result<DecodedChunk> ChunkCodec::decode(ByteSpan blob) const {
  THETA_TRY_ASSIGN(const ChunkHeader header, read_header(blob));
  DecodedChunk chunk{header.dims, header.mode, std::vector<std::uint16_t>(header.dims.volume())};
  THETA_TRY(decode_into(blob, chunk.ids));
  return chunk;
}

Status ChunkCodec::decode_into(ByteSpan blob, std::span<std::uint16_t> out) const {
  THETA_TRY_ASSIGN(const ChunkHeader h, read_header(blob));
  const std::size_t n = h.dims.volume();
  if (out.size() != n) {
    return make_error(ErrorCode::kInvalidArgument, "output holds ", out.size(),
                      " ids; the blob has ", n);
  }
  ByteReader in(blob);
  (void)in.bytes(h.header_size);
  std::uint16_t palette_ids[kMaxPalette];
  std::uint32_t palette_size = 0;
  if (h.mode != ChunkMode::kUniform && h.mode != ChunkMode::kRaw) {
    THETA_TRY_ASSIGN(palette_size, read_palette(in, n, palette_ids));
  }
  const std::span<const std::uint16_t> palette(palette_ids, palette_size);
  std::uint32_t crc = 0;
  bool have_crc = false;  // the fast decoder computes the CRC as it goes
  switch (h.mode) {
    case ChunkMode::kUniform: {
      THETA_TRY_ASSIGN(const std::uint64_t id, read_varint(in, "uniform id"));
      if (id > 0xFFFF) {
        return make_error(ErrorCode::kOutOfRange, "uniform id ", id, " is not a uint16");
      }
      std::fill(out.begin(), out.end(), static_cast<std::uint16_t>(id));
      break;
    }
    case ChunkMode::kRaw:
      THETA_TRY(read_raw(in, out));
      break;
    case ChunkMode::kBitPacked:
      THETA_TRY(read_bit_packed(in, palette, out));
      break;
    case ChunkMode::kRuns:
      THETA_TRY(read_runs(in, palette, out));
      break;
    case ChunkMode::kFast:
      THETA_TRY(fast::decode_ids(in.rest(), h.dims, palette, out,
                                 Kernels{kernels_.avx2, kernels_.pdep, kernels_.avx512}, crc));
      have_crc = true;
      (void)in.bytes(in.remaining());
      break;
    case ChunkMode::kZstd:
      THETA_TRY(read_zstd(in, palette, out, zstd_.get()));
      break;
    case ChunkMode::kContext:
      THETA_TRY(best::decode_indices(in.rest(), h.dims, palette_size, out));
      for (auto& v : out) v = palette_ids[v];  // indices are below palette_size (checked)
      (void)in.bytes(in.remaining());
      break;
  }
  if (!in.empty()) {
    return make_error(ErrorCode::kCorrupt, in.remaining(), " bytes follow the ",
                      chunk_mode_name(h.mode), " body");
  }
  if (!have_crc) crc = ids_crc(out);
  if (crc != h.crc) {
    return make_error(ErrorCode::kChecksumMismatch, "CRC32C of the decoded ids is 0x", std::hex,
                      crc, ", the blob says 0x", h.crc);
  }
  return {};
}

}  // namespace theta_net::codec
