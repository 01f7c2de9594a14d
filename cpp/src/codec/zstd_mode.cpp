#include "zstd_mode.hpp"

#include <zdict.h>
#include <zstd.h>

#include <algorithm>

#include "palette.hpp"
#include "scratch_buffer.hpp"

namespace theta_net::codec {
namespace {

// One compression and one decompression context per thread, reused by every call (creating
// them costs more than coding a section).
struct ZstdContexts {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_DCtx* dctx = ZSTD_createDCtx();
  ~ZstdContexts() {
    ZSTD_freeCCtx(cctx);
    ZSTD_freeDCtx(dctx);
  }
};

ZstdContexts& contexts() {
  thread_local ZstdContexts ctx;
  return ctx;
}

unsigned index_width(std::size_t palette_size) {
  return palette_size <= 256 ? 1 : 2;
}

}  // namespace

ChunkCodec::ZstdState::~ZstdState() {
  ZSTD_freeCDict(cdict);
  ZSTD_freeDDict(ddict);
}

std::shared_ptr<const ChunkCodec::ZstdState> make_zstd_state(ByteSpan dictionary, int level) {
  if (dictionary.empty()) return nullptr;
  auto state = std::make_shared<ChunkCodec::ZstdState>();
  state->cdict = ZSTD_createCDict(dictionary.data(), dictionary.size(), level);
  state->ddict = ZSTD_createDDict(dictionary.data(), dictionary.size());
  state->dictionary_id = ZSTD_getDictID_fromDict(dictionary.data(), dictionary.size());
  if (!state->cdict || !state->ddict) return nullptr;
  return state;
}

void zstd_index_bytes(std::span<const std::uint16_t> indices, std::uint32_t palette_size,
                      Bytes& out) {
  const unsigned width = index_width(palette_size);
  out.resize(indices.size() * width);
  for (std::size_t i = 0; i < indices.size(); ++i) {
    out[i * width] = static_cast<std::uint8_t>(indices[i]);
    if (width == 2) out[i * 2 + 1] = static_cast<std::uint8_t>(indices[i] >> 8);
  }
}

Status write_zstd(ByteWriter& out, std::span<const std::uint16_t> indices,
                  std::uint32_t palette_size, int level, const ChunkCodec::ZstdState* dictionary) {
  thread_local Bytes raw;
  zstd_index_bytes(indices, palette_size, raw);
  Bytes& buf = out.buffer();
  const std::size_t at = buf.size();
  buf.resize(at + ZSTD_compressBound(raw.size()));
  ZSTD_CCtx* cctx = contexts().cctx;
  std::size_t n;
  if (dictionary) {
    n = ZSTD_compress_usingCDict(cctx, buf.data() + at, buf.size() - at, raw.data(), raw.size(),
                                 dictionary->cdict);
  } else {
    n = ZSTD_compressCCtx(cctx, buf.data() + at, buf.size() - at, raw.data(), raw.size(), level);
  }
  if (ZSTD_isError(n)) {
    buf.resize(at);
    return make_error(ErrorCode::kLimitExceeded, "zstd: ", ZSTD_getErrorName(n));
  }
  buf.resize(at + n);
  return {};
}

Status read_zstd(ByteReader& in, std::span<const std::uint16_t> palette,
                 std::span<std::uint16_t> out, const ChunkCodec::ZstdState* dictionary) {
  const ByteSpan frame = in.rest();
  const unsigned width = index_width(palette.size());
  const std::size_t expected = out.size() * width;
  const unsigned long long declared = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (declared == ZSTD_CONTENTSIZE_ERROR) {
    return make_error(ErrorCode::kCorrupt, "the zstd frame header is malformed or truncated");
  }
  if (declared != expected) {
    if (declared == ZSTD_CONTENTSIZE_UNKNOWN) {
      return make_error(ErrorCode::kCorrupt, "the zstd frame does not declare its size");
    }
    return make_error(ErrorCode::kCorrupt, "the zstd frame declares ", declared,
                      " bytes; the dims need ", expected);
  }
  const std::size_t frame_size = ZSTD_findFrameCompressedSize(frame.data(), frame.size());
  if (ZSTD_isError(frame_size)) {
    return make_error(ErrorCode::kTruncated, "zstd frame: ", ZSTD_getErrorName(frame_size));
  }
  if (frame_size != frame.size()) {
    return make_error(ErrorCode::kCorrupt, frame.size() - frame_size,
                      " bytes follow the zstd frame");
  }
  const unsigned needed_dict = ZSTD_getDictID_fromFrame(frame.data(), frame.size());
  const unsigned have_dict = dictionary ? dictionary->dictionary_id : 0;
  if (needed_dict != have_dict) {
    return make_error(ErrorCode::kInvalidArgument, "the zstd frame needs dictionary ", needed_dict,
                      "; this codec has ", have_dict);
  }
  ScratchBuffer<std::uint8_t, 4096> raw(expected);
  if (!raw.data()) return make_error(ErrorCode::kLimitExceeded, "out of memory for zstd output");
  ZSTD_DCtx* dctx = contexts().dctx;
  const std::size_t n =
      dictionary ? ZSTD_decompress_usingDDict(dctx, raw.data(), expected, frame.data(),
                                              frame.size(), dictionary->ddict)
                 : ZSTD_decompressDCtx(dctx, raw.data(), expected, frame.data(), frame.size());
  if (ZSTD_isError(n)) return make_error(ErrorCode::kCorrupt, "zstd: ", ZSTD_getErrorName(n));
  if (n != expected) {
    return make_error(ErrorCode::kCorrupt, "the zstd frame holds ", n, " bytes, not ", expected);
  }
  (void)in.bytes(frame.size());
  std::uint32_t worst = 0;
  const std::uint32_t last = static_cast<std::uint32_t>(palette.size()) - 1;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const std::uint32_t index =
        width == 1 ? raw.data()[i] : raw.data()[2 * i] | std::uint32_t{raw.data()[2 * i + 1]} << 8;
    worst = std::max(worst, index);
    out[i] = palette[std::min(index, last)];
  }
  if (worst > last) {
    return make_error(ErrorCode::kOutOfRange, "zstd index ", worst, " is beyond the ",
                      palette.size(), "-entry palette");
  }
  return {};
}

Result<Bytes> train_zstd_dictionary(std::span<const std::uint16_t> ids, ChunkDims dims,
                                    std::size_t max_bytes) {
  if (!dims.valid() || ids.size() % dims.volume() != 0) {
    return make_error(ErrorCode::kInvalidArgument, "samples must be whole boxes of valid dims");
  }
  const std::size_t n = dims.volume();
  Bytes samples;
  std::vector<std::size_t> sizes;
  std::vector<std::uint16_t> indices(n);
  Bytes one;
  for (std::size_t at = 0; at < ids.size(); at += n) {
    const auto box = ids.subspan(at, n);
    PaletteBuilder palette(box[0]);
    if (!index_ids(box, palette, indices.data())) continue;  // too many ids for the zstd mode
    zstd_index_bytes(indices, palette.size(), one);
    samples.insert(samples.end(), one.begin(), one.end());
    sizes.push_back(one.size());
  }
  Bytes dictionary(max_bytes);
  const std::size_t size =
      ZDICT_trainFromBuffer(dictionary.data(), dictionary.size(), samples.data(), sizes.data(),
                            static_cast<unsigned>(sizes.size()));
  if (ZDICT_isError(size)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "zstd dictionary training failed: ", ZDICT_getErrorName(size), " (",
                      sizes.size(), " samples)");
  }
  dictionary.resize(size);
  return dictionary;
}

}  // namespace theta_net::codec
