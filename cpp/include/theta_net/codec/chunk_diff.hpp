// Chunk diffs: a set of block changes (index -> new id) against a base chunk the receiver holds,
// sorted by index and delta-coded; or, when that is smaller, the whole new chunk as a ChunkCodec
// blob. Applying checks the CRC32C of the result, so a diff applied to the wrong base is refused
// (kChecksumMismatch) and leaves the ids untouched. docs/codec.md has the byte layout.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "theta_net/codec/chunk_codec.hpp"
#include "theta_net/codec/chunk_dims.hpp"
#include "theta_net/core/byte_io.hpp"
#include "theta_net/core/result.hpp"

namespace theta_net::codec {

inline constexpr std::uint8_t kChunkDiffVersion = 1;

struct BlockChange {
  std::uint32_t index = 0;  // Y,Z,X index into the chunk
  std::uint16_t id = 0;     // the new block id
  bool operator==(const BlockChange&) const = default;
};

// The changes that turn `base` into `target` (same size), sorted by index.
std::vector<BlockChange> chunk_changes(std::span<const std::uint16_t> base,
                                       std::span<const std::uint16_t> target);

// A diff applying `changes` (any order; for a repeated index the last one counts; changes to the
// id already there are dropped) to `base`. `codec` codes the full-chunk alternative.
// Errors: kInvalidArgument (dims outside the limits or a base of another size), kOutOfRange (a
// change's index past the box).
Result<Bytes> encode_chunk_diff(std::span<const std::uint16_t> base, ChunkDims dims,
                                std::span<const BlockChange> changes, const ChunkCodec& codec);
// The diff that turns `base` into `target`.
// Errors: kInvalidArgument (dims outside the limits, or a base or target of another size).
Result<Bytes> encode_chunk_diff(std::span<const std::uint16_t> base,
                                std::span<const std::uint16_t> target, ChunkDims dims,
                                const ChunkCodec& codec);

// Applies a diff to `ids` (the base, dims.volume() ids) in place; on any error `ids` is left as
// it was. `codec` decodes a full-chunk diff (it needs the encoder's zstd dictionary, if any).
// Errors: kInvalidArgument (dims outside the limits, `ids` of another size, or a diff made for
// other dims), kTruncated (the diff ends early), kUnsupportedVersion (a diff version other than
// kChunkDiffVersion), kCorrupt (an unknown diff kind, more changes than voxels or bytes, an id
// code naming no block id, a non-canonical varint, bytes after the changes), kOverflow (a
// varint over 64 bits), kOutOfRange (a change past the box), kChecksumMismatch (the result's
// CRC32C differs: a diff for another base); for a full-chunk diff, those of
// ChunkCodec::decode_into.
Status apply_chunk_diff(ByteSpan diff, ChunkDims dims, std::span<std::uint16_t> ids,
                        const ChunkCodec& codec);

}  // namespace theta_net::codec
