// The zstd mode's body: the palette indices as bytes (one byte each for palettes of up to 256
// ids, else two, little-endian) in one zstd frame that declares its content size.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "theta_net/codec/chunk_codec.hpp"
#include "theta_net/core/byte_io.hpp"
#include "theta_net/core/result.hpp"

struct ZSTD_CDict_s;
struct ZSTD_DDict_s;

namespace theta_net::codec {

// A dictionary prepared for one compression level (digested once, used by every call).
struct ChunkCodec::ZstdState {
  ZSTD_CDict_s* cdict = nullptr;
  ZSTD_DDict_s* ddict = nullptr;
  std::uint32_t dictionary_id = 0;
  ~ZstdState();
};

// nullptr when `dictionary` is empty or zstd cannot digest it.
std::shared_ptr<const ChunkCodec::ZstdState> make_zstd_state(ByteSpan dictionary, int level);

// The index bytes zstd compresses (also the dictionary trainer's samples).
void zstd_index_bytes(std::span<const std::uint16_t> indices, std::uint32_t palette_size,
                      Bytes& out);

// Appends the indices' zstd frame to `out`.
// Errors: kLimitExceeded (zstd fails to compress them; `out` is left as it was).
Status write_zstd(ByteWriter& out, std::span<const std::uint16_t> indices,
                  std::uint32_t palette_size, int level, const ChunkCodec::ZstdState* dictionary);
// Reads the rest of `in` as one zstd frame. A frame whose declared size differs from what the
// dims need is refused before anything is decompressed (no decompression bombs).
// Errors: kCorrupt (a malformed frame header, a frame that does not declare its size or declares
// another, bytes after the frame, a frame zstd cannot decompress or that holds another size),
// kTruncated (the frame is incomplete), kInvalidArgument (the frame needs a dictionary other
// than `dictionary`), kLimitExceeded (no memory for the output), kOutOfRange (an index beyond
// the palette).
Status read_zstd(ByteReader& in, std::span<const std::uint16_t> palette,
                 std::span<std::uint16_t> out, const ChunkCodec::ZstdState* dictionary);

}  // namespace theta_net::codec
