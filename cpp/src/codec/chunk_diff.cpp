#include "theta_net/codec/chunk_diff.hpp"

#include <algorithm>

#include "theta_net/core/crc32c.hpp"
#include "theta_net/core/varint.hpp"

namespace theta_net::codec {
namespace {

enum class DiffKind : std::uint8_t { kChanges = 0, kFullChunk = 1 };

std::uint32_t ids_crc(std::span<const std::uint16_t> ids) {
  return crc32c(ids.data(), ids.size() * 2);
}

Status check_dims(ChunkDims dims, std::size_t ids) {
  if (!dims.valid()) {
    return make_error(ErrorCode::kInvalidArgument, "dims ", dims.y, "x", dims.z, "x", dims.x,
                      " are outside the limits");
  }
  if (ids != dims.volume()) {
    return make_error(ErrorCode::kInvalidArgument, ids, " base ids for ", dims.volume(), " voxels");
  }
  return {};
}

// Body of a kChanges diff: dims, CRC of the result, count, then per change varint(gap to the
// previous index, minus one) and varint(id code: 0 = the previous change's id, else id + 1).
void write_changes(ByteWriter& w, ChunkDims dims, std::uint32_t result_crc,
                   std::span<const BlockChange> sorted) {
  write_varint(w, dims.y);
  write_varint(w, dims.z);
  write_varint(w, dims.x);
  w.u32le(result_crc);
  write_varint(w, sorted.size());
  std::int64_t previous_index = -1;
  std::uint32_t previous_id = 0x10000;  // matches no id
  for (const BlockChange& c : sorted) {
    write_varint(w, static_cast<std::uint64_t>(c.index - previous_index - 1));
    write_varint(w, c.id == previous_id ? 0 : std::uint64_t{c.id} + 1);
    previous_index = c.index;
    previous_id = c.id;
  }
}

}  // namespace

std::vector<BlockChange> chunk_changes(std::span<const std::uint16_t> base,
                                       std::span<const std::uint16_t> target) {
  std::vector<BlockChange> changes;
  const std::size_t n = std::min(base.size(), target.size());
  for (std::size_t i = 0; i < n; ++i)
    if (base[i] != target[i]) changes.push_back({static_cast<std::uint32_t>(i), target[i]});
  return changes;
}

Result<Bytes> encode_chunk_diff(std::span<const std::uint16_t> base, ChunkDims dims,
                                std::span<const BlockChange> changes, const ChunkCodec& codec) {
  THETA_TRY(check_dims(dims, base.size()));
  // Sort by index, the last change of an index winning; drop changes to the id already there.
  std::vector<BlockChange> sorted(changes.begin(), changes.end());
  for (const BlockChange& c : sorted) {
    if (c.index >= base.size()) {
      return make_error(ErrorCode::kOutOfRange, "change at index ", c.index, " is outside the ",
                        base.size(), "-voxel chunk");
    }
  }
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const BlockChange& a, const BlockChange& b) { return a.index < b.index; });
  std::vector<BlockChange> effective;
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    const bool overridden = i + 1 < sorted.size() && sorted[i + 1].index == sorted[i].index;
    if (!overridden && base[sorted[i].index] != sorted[i].id) effective.push_back(sorted[i]);
  }

  std::vector<std::uint16_t> target(base.begin(), base.end());
  for (const BlockChange& c : effective) target[c.index] = c.id;

  Bytes diff;
  ByteWriter w(diff);
  w.u8(kChunkDiffVersion);
  w.u8(static_cast<std::uint8_t>(DiffKind::kChanges));
  write_changes(w, dims, ids_crc(target), effective);

  // The whole chunk instead, when that is smaller.
  THETA_TRY_ASSIGN(const Bytes full, codec.encode(target, dims));
  if (full.size() + 2 < diff.size()) {
    diff.clear();
    w.u8(kChunkDiffVersion);
    w.u8(static_cast<std::uint8_t>(DiffKind::kFullChunk));
    w.bytes(full);
  }
  return diff;
}

Result<Bytes> encode_chunk_diff(std::span<const std::uint16_t> base,
                                std::span<const std::uint16_t> target, ChunkDims dims,
                                const ChunkCodec& codec) {
  THETA_TRY(check_dims(dims, base.size()));
  if (target.size() != base.size()) {
    return make_error(ErrorCode::kInvalidArgument, "target has ", target.size(), " ids, the base ",
                      base.size());
  }
  const std::vector<BlockChange> changes = chunk_changes(base, target);
  return encode_chunk_diff(base, dims, changes, codec);
}

Status apply_chunk_diff(ByteSpan diff, ChunkDims dims, std::span<std::uint16_t> ids,
                        const ChunkCodec& codec) {
  THETA_TRY(check_dims(dims, ids.size()));
  ByteReader in(diff);
  THETA_TRY_ASSIGN(const std::uint8_t version, in.u8("diff version"));
  if (version != kChunkDiffVersion) {
    return make_error(ErrorCode::kUnsupportedVersion, "chunk diff version ", int{version},
                      "; this build reads version ", int{kChunkDiffVersion});
  }
  THETA_TRY_ASSIGN(const std::uint8_t kind, in.u8("diff kind"));
  if (kind == static_cast<std::uint8_t>(DiffKind::kFullChunk)) {
    THETA_TRY_ASSIGN(const ChunkHeader header, ChunkCodec::read_header(in.rest()));
    if (header.dims != dims) {
      return make_error(ErrorCode::kInvalidArgument, "the diff's chunk is ", header.dims.y, "x",
                        header.dims.z, "x", header.dims.x, ", the base ", dims.y, "x", dims.z, "x",
                        dims.x);
    }
    std::vector<std::uint16_t> decoded(ids.size());
    THETA_TRY(codec.decode_into(in.rest(), decoded));
    std::copy(decoded.begin(), decoded.end(), ids.begin());
    return {};
  }
  if (kind != static_cast<std::uint8_t>(DiffKind::kChanges)) {
    return make_error(ErrorCode::kCorrupt, "chunk diff kind ", int{kind}, " does not exist");
  }
  std::uint64_t side[3];
  for (auto& s : side) {
    THETA_TRY_ASSIGN(s, read_varint(in, "diff dims"));
  }
  if (side[0] != dims.y || side[1] != dims.z || side[2] != dims.x) {
    return make_error(ErrorCode::kInvalidArgument, "the diff is for a ", side[0], "x", side[1], "x",
                      side[2], " chunk, the base is ", dims.y, "x", dims.z, "x", dims.x);
  }
  THETA_TRY_ASSIGN(const std::uint32_t result_crc, in.u32le("diff crc"));
  THETA_TRY_ASSIGN(const std::uint64_t count, read_varint(in, "change count"));
  // Each change takes at least two bytes: a count beyond that is refused before allocating.
  if (count > ids.size() || count > in.remaining() / 2) {
    return make_error(ErrorCode::kCorrupt, "diff declares ", count, " changes in ", in.remaining(),
                      " bytes for ", ids.size(), " voxels");
  }
  std::vector<BlockChange> changes(count);
  std::uint64_t next_index = 0;  // the smallest index the next change may have
  std::uint64_t previous_id = 0x10000;
  for (auto& c : changes) {
    THETA_TRY_ASSIGN(const std::uint64_t gap, read_varint(in, "change gap"));
    THETA_TRY_ASSIGN(const std::uint64_t id_code, read_varint(in, "change id"));
    if (gap >= ids.size() - next_index) {
      return make_error(ErrorCode::kOutOfRange, "a change lands past the ", ids.size(),
                        "-voxel chunk");
    }
    const std::uint64_t id = id_code == 0 ? previous_id : id_code - 1;
    if (id > 0xFFFF) {
      return make_error(ErrorCode::kCorrupt, "change id code ", id_code, " names no block id");
    }
    c = {static_cast<std::uint32_t>(next_index + gap), static_cast<std::uint16_t>(id)};
    next_index = c.index + 1;
    previous_id = id;
  }
  if (!in.empty()) {
    return make_error(ErrorCode::kCorrupt, in.remaining(), " bytes follow the changes");
  }
  // Apply, check the result, and undo everything if it is not the encoder's.
  std::vector<std::uint16_t> old(changes.size());
  for (std::size_t i = 0; i < changes.size(); ++i) {
    old[i] = ids[changes[i].index];
    ids[changes[i].index] = changes[i].id;
  }
  const std::uint32_t crc = ids_crc(ids);
  if (crc != result_crc) {
    for (std::size_t i = 0; i < changes.size(); ++i) ids[changes[i].index] = old[i];
    return make_error(ErrorCode::kChecksumMismatch, "the diff's result has CRC32C 0x", std::hex,
                      crc, ", expected 0x", result_crc, ": it was made for a different base");
  }
  return {};
}

}  // namespace theta_net::codec
