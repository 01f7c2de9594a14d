// ChunkCodec: lossless coding of a box of uint16 block ids into a self-describing blob.
//
// Each blob holds the format version, the box dims, the mode that coded it, the CRC32C of the
// ids, and the mode's body (docs/codec.md has the byte layout). The encoder tries every mode of
// its configuration and keeps the smallest blob (ties go to the lower mode number), so the same
// ids and configuration give the same bytes on every machine, with or without AVX2. The decoder
// reads any mode and is a border: malformed input is a typed error naming the problem, never a
// crash, and it allocates nothing beyond what the declared dims allow (DESIGN.md, principle 3).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "theta_net/codec/chunk_dims.hpp"
#include "theta_net/core/byte_io.hpp"
#include "theta_net/core/result.hpp"

namespace theta_net::codec {

inline constexpr std::uint8_t kChunkFormatVersion = 1;

// How a blob's body is coded. Numbered roughly by decoding cost; the numbers are on the wire.
enum class ChunkMode : std::uint8_t {
  kUniform = 0,    // one id fills the box
  kRaw = 1,        // the ids as uint16 little-endian (any number of distinct ids)
  kBitPacked = 2,  // palette + indices of ceil(log2(palette size)) bits
  kRuns = 3,       // palette + (index, length) runs in scan order
  kFast = 4,       // palette + neighbour prediction, flat runs and prefix codes
  kZstd = 5,       // palette + a zstd frame of the indices (optionally with a dictionary)
  kContext = 6,    // palette + context mixing and a binary arithmetic coder
};
inline constexpr unsigned kChunkModeCount = 7;

std::string_view chunk_mode_name(ChunkMode mode);  // "uniform", "raw", ..., "context"
std::optional<ChunkMode> chunk_mode_from_name(std::string_view name);

// A set of modes, one bit per mode.
using ChunkModeSet = std::uint32_t;
constexpr ChunkModeSet mode_bit(ChunkMode mode) {
  return ChunkModeSet{1} << static_cast<unsigned>(mode);
}

enum class ChunkPreset : std::uint8_t {
  // Smaller than zstd -19 at zstd -3's encoding speed: the fast coder plus the modes whose
  // size is known or bounded without coding (uniform, raw, bit-packed, runs).
  kDefault,
  // The smallest: every mode, including the context-mixing coder (and zstd at level 3).
  kBest,
};

struct ChunkCodecConfig {
  // The modes the encoder tries. Raw is always added: it codes any box (also one with more
  // than 4,096 distinct ids) and bounds every blob at header + 2 bytes per voxel.
  ChunkModeSet modes = 0;
  int zstd_level = 3;  // for ChunkMode::kZstd, 1..22
  // A zstd dictionary (train_zstd_dictionary) for ChunkMode::kZstd; empty for none. A blob coded
  // with a dictionary needs the same dictionary to decode.
  Bytes zstd_dictionary;
  // Use the AVX2 kernels when the CPU has them. Off: the scalar paths only (same bytes).
  bool allow_avx2 = true;
  // Within them, use BMI2 pdep where it is fast (Intel; AMD from Zen 3). Off: a table instead
  // (same results; for tests and comparisons).
  bool allow_pdep = true;
  // Decode the fast mode's 16-wide boxes with the AVX-512 row kernel when the CPU has AVX-512
  // (F, BW, VL) and the AVX2 kernels are in use. Off: the AVX2 kernel (same results).
  bool allow_avx512 = true;

  static ChunkCodecConfig preset(ChunkPreset preset);
};

// The fixed part of a blob, before the body.
struct ChunkHeader {
  std::uint8_t version = kChunkFormatVersion;
  ChunkMode mode = ChunkMode::kRaw;
  ChunkDims dims;
  std::uint32_t crc = 0;        // CRC32C of the ids as uint16 little-endian
  std::size_t header_size = 0;  // bytes before the body
};

struct DecodedChunk {
  ChunkDims dims;
  ChunkMode mode = ChunkMode::kRaw;
  std::vector<std::uint16_t> ids;  // dims.volume() ids, Y,Z,X order
};

class ChunkCodec {
 public:
  ChunkCodec() : ChunkCodec(ChunkPreset::kDefault) {}
  explicit ChunkCodec(ChunkPreset preset);
  // A codec for `config`.
  // Errors: kInvalidArgument (modes that do not exist, a zstd level outside 1..22, or a zstd
  // dictionary zstd cannot load).
  static Result<ChunkCodec> create(ChunkCodecConfig config);

  // Encodes dims.volume() ids (exactly that many) in Y,Z,X order.
  // Errors: kInvalidArgument (dims outside the limits or a wrong id count).
  Result<Bytes> encode(std::span<const std::uint16_t> ids, ChunkDims dims) const;
  // The same into `out` (replacing its contents), reusing its capacity.
  // Errors: those of encode.
  Status encode_into(std::span<const std::uint16_t> ids, ChunkDims dims, Bytes& out) const;

  // Parses and checks the header alone (version, mode, dims within the limits).
  // Errors: kTruncated (the blob ends inside the header), kUnsupportedVersion (a format version
  // other than kChunkFormatVersion), kCorrupt (a mode that does not exist, a non-canonical dims
  // varint), kOverflow (a dims varint over 64 bits), kLimitExceeded (a side outside
  // 1..kMaxSide or more than kMaxVoxels voxels).
  static Result<ChunkHeader> read_header(ByteSpan blob);
  // Decodes a blob into a new chunk.
  // Errors: those of decode_into (except the output size).
  Result<DecodedChunk> decode(ByteSpan blob) const;
  // Decodes into `out`, which must hold exactly read_header(blob)->dims.volume() ids.
  // Errors: those of read_header; kInvalidArgument (`out` of another size, or a zstd body made
  // with a dictionary this codec does not have), kTruncated (the body ends early), kCorrupt (a
  // malformed body: a palette longer than the chunk or with a repeated id, runs that do not
  // tile the chunk, non-zero padding, a bad zstd frame, a non-canonical varint, bytes after the
  // body), kOverflow (a varint over 64 bits), kOutOfRange (an id above 0xFFFF or an index
  // beyond the palette), kLimitExceeded (a palette over kMaxPalette ids, or no memory for the
  // decoder's scratch), kChecksumMismatch (the decoded ids do not match the header's CRC32C).
  Status decode_into(ByteSpan blob, std::span<std::uint16_t> out) const;

  const ChunkCodecConfig& config() const { return config_; }
  // Whether this codec runs the AVX2 kernels (allowed and the CPU has them).
  bool uses_avx2() const { return kernels_.avx2; }
  bool uses_pdep() const { return kernels_.pdep; }
  bool uses_avx512() const { return kernels_.avx512; }

  struct ZstdState;  // dictionary contexts, shared by copies

 private:
  explicit ChunkCodec(ChunkCodecConfig config, bool);

  ChunkCodecConfig config_;
  struct {
    bool avx2 = false, pdep = false, avx512 = false;
  } kernels_;
  std::shared_ptr<const ZstdState> zstd_;
};

// A zstd dictionary for ChunkMode::kZstd trained on sample boxes (`ids` holds the boxes one
// after another, each of `dims`), at most `max_bytes` long.
// Errors: kInvalidArgument (dims outside the limits, `ids` not whole boxes, or zstd's trainer
// fails, e.g. on too few samples).
Result<Bytes> train_zstd_dictionary(std::span<const std::uint16_t> ids, ChunkDims dims,
                                    std::size_t max_bytes = 16 * 1024);

}  // namespace theta_net::codec
