#include "theta_net/data/batch_compressor.hpp"

#include <zdict.h>
#include <zstd.h>

#include <algorithm>
#include <numeric>

#include "theta_net/core/siphash.hpp"

namespace theta_net::data {
namespace {

constexpr std::size_t kMaxDictionaryBytes = 1u << 20;
constexpr std::size_t kMinTrainingSamples = 8;
// Shorter samples teach a dictionary nothing, and zstd 1.5's fastCover trainer reads past its
// buffer when the samples are shorter than its 8-byte d-mers (facebook/zstd#4499, #3599): they
// are left out rather than handed to it.
constexpr std::size_t kMinSampleBytes = 16;

}  // namespace

// Contexts are reused by every call (creating them costs more than packing a small batch); the
// dictionary is digested once per direction, for the level it was last used with.
struct BatchCompressor::Contexts {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_DCtx* dctx = ZSTD_createDCtx();
  ZSTD_CDict* cdict = nullptr;
  int cdict_level = 0;
  ZSTD_DDict* ddict = nullptr;

  void drop_dictionary() {
    ZSTD_freeCDict(cdict);
    ZSTD_freeDDict(ddict);
    cdict = nullptr;
    ddict = nullptr;
  }
  ~Contexts() {
    drop_dictionary();
    ZSTD_freeCCtx(cctx);
    ZSTD_freeDCtx(dctx);
  }
};

BatchCompressor::BatchCompressor() : contexts_(std::make_unique<Contexts>()) {}
BatchCompressor::~BatchCompressor() = default;
BatchCompressor::BatchCompressor(BatchCompressor&&) noexcept = default;
BatchCompressor& BatchCompressor::operator=(BatchCompressor&&) noexcept = default;

Status BatchCompressor::set_dictionary(Bytes dictionary) {
  if (dictionary.size() > kMaxDictionaryBytes) {
    return make_error(ErrorCode::kLimitExceeded, "a zstd dictionary may have at most ",
                      kMaxDictionaryBytes, " bytes, got ", dictionary.size());
  }
  if (dictionary.empty()) {
    contexts_->drop_dictionary();
    dictionary_.clear();
    dictionary_id_ = 0;
    return {};
  }
  ZSTD_DDict* ddict = ZSTD_createDDict(dictionary.data(), dictionary.size());
  ZSTD_CDict* cdict = ZSTD_createCDict(dictionary.data(), dictionary.size(), ZSTD_CLEVEL_DEFAULT);
  if (!ddict || !cdict) {
    ZSTD_freeDDict(ddict);
    ZSTD_freeCDict(cdict);
    return make_error(ErrorCode::kCorrupt, "zstd does not take these ", dictionary.size(),
                      " bytes as a dictionary");
  }
  contexts_->drop_dictionary();
  contexts_->ddict = ddict;
  contexts_->cdict = cdict;
  contexts_->cdict_level = ZSTD_CLEVEL_DEFAULT;
  dictionary_id_ = siphash24(SipKey{}, dictionary.data(), dictionary.size());
  dictionary_ = std::move(dictionary);
  return {};
}

Bytes BatchCompressor::compress(ByteSpan raw, bool use_dictionary, int level) const {
  Contexts& ctx = *contexts_;
  Bytes out(ZSTD_compressBound(raw.size()));
  std::size_t n;
  if (use_dictionary && ctx.cdict) {
    if (ctx.cdict_level != level) {
      ZSTD_CDict* cdict = ZSTD_createCDict(dictionary_.data(), dictionary_.size(), level);
      if (cdict) {
        ZSTD_freeCDict(ctx.cdict);
        ctx.cdict = cdict;
        ctx.cdict_level = level;
      }
    }
    n = ZSTD_compress_usingCDict(ctx.cctx, out.data(), out.size(), raw.data(), raw.size(),
                                 ctx.cdict);
  } else {
    n = ZSTD_compressCCtx(ctx.cctx, out.data(), out.size(), raw.data(), raw.size(), level);
  }
  // With a bound-sized output zstd fails only for want of memory; then the caller sends the
  // batch plain, which an empty result tells it (no frame is empty).
  if (ZSTD_isError(n)) return {};
  out.resize(n);
  return out;
}

Result<Bytes> BatchCompressor::decompress(ByteSpan packed, std::size_t raw_bytes,
                                          bool use_dictionary) const {
  if (raw_bytes > kMaxRawBatchBytes) {
    return make_error(ErrorCode::kLimitExceeded, "a batch declares ", raw_bytes,
                      " raw bytes; at most ", kMaxRawBatchBytes);
  }
  Contexts& ctx = *contexts_;
  if (use_dictionary && !ctx.ddict) {
    return make_error(ErrorCode::kState, "a batch packed with a dictionary, but none is loaded");
  }
  // A frame that declares its size must declare the size the message does: refused before
  // anything is allocated or inflated.
  const unsigned long long declared = ZSTD_getFrameContentSize(packed.data(), packed.size());
  if (declared == ZSTD_CONTENTSIZE_ERROR) {
    return make_error(ErrorCode::kCorrupt, "the batch payload is not a zstd frame");
  }
  if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared != raw_bytes) {
    return make_error(ErrorCode::kCorrupt, "the zstd frame declares ", declared,
                      " bytes where the batch says ", raw_bytes);
  }
  Bytes out(raw_bytes);
  // The output buffer is exactly raw_bytes: a frame that would inflate past it fails here.
  const std::size_t n =
      use_dictionary
          ? ZSTD_decompress_usingDDict(ctx.dctx, out.data(), out.size(), packed.data(),
                                       packed.size(), ctx.ddict)
          : ZSTD_decompressDCtx(ctx.dctx, out.data(), out.size(), packed.data(), packed.size());
  if (ZSTD_isError(n)) {
    return make_error(ErrorCode::kCorrupt,
                      "zstd refuses the batch payload: ", ZSTD_getErrorName(n));
  }
  if (n != raw_bytes) {
    return make_error(ErrorCode::kCorrupt, "the batch payload inflates to ", n,
                      " bytes where the batch says ", raw_bytes);
  }
  return out;
}

Result<Bytes> BatchCompressor::train(const std::vector<Bytes>& samples, std::size_t size) {
  const auto usable = static_cast<std::size_t>(std::count_if(
      samples.begin(), samples.end(), [](const Bytes& s) { return s.size() >= kMinSampleBytes; }));
  if (usable < kMinTrainingSamples) {
    return make_error(ErrorCode::kInvalidArgument, "training a dictionary needs at least ",
                      kMinTrainingSamples, " samples of ", kMinSampleBytes, " bytes or more, got ",
                      usable, " of ", samples.size());
  }
  if (size < 256 || size > kMaxDictionaryBytes) {
    return make_error(ErrorCode::kInvalidArgument, "a dictionary size must be 256..",
                      kMaxDictionaryBytes, " bytes, got ", size);
  }
  Bytes joined;
  std::vector<std::size_t> sizes;
  sizes.reserve(usable);
  joined.reserve(std::accumulate(samples.begin(), samples.end(), std::size_t{0},
                                 [](std::size_t n, const Bytes& s) { return n + s.size(); }));
  for (const Bytes& s : samples) {
    if (s.size() < kMinSampleBytes) continue;
    joined.insert(joined.end(), s.begin(), s.end());
    sizes.push_back(s.size());
  }
  Bytes dictionary(size);
  const std::size_t n = ZDICT_trainFromBuffer(dictionary.data(), dictionary.size(), joined.data(),
                                              sizes.data(), static_cast<unsigned>(sizes.size()));
  if (ZDICT_isError(n)) {
    return make_error(ErrorCode::kInvalidArgument, "zstd cannot train a dictionary from ",
                      samples.size(), " samples of ", joined.size(),
                      " bytes: ", ZDICT_getErrorName(n));
  }
  dictionary.resize(n);
  return dictionary;
}

}  // namespace theta_net::data
