// Python access to the voxel chunk codec, chunk diffs and the terrain generator (the thin layer
// under theta_net.voxel). Arrays are uint16 numpy arrays in (Y, Z, X) order, read and written in
// place (no copies); the GIL is released while coding.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <array>
#include <string>
#include <tuple>

#include "border.hpp"
#include "theta_net/codec/chunk_codec.hpp"
#include "theta_net/codec/chunk_diff.hpp"
#include "theta_net/core/text_list.hpp"
#include "theta_net/world/terrain_generator.hpp"

namespace theta_net::bindings {
namespace {

using namespace pybind11::literals;
using codec::ChunkCodec;
using codec::ChunkDims;
using IdArray = py::array_t<std::uint16_t, py::array::c_style>;

[[noreturn]] void fail(ErrorCode code, const std::string& message) {
  throw BorderError(ErrorKind::kCodec, Error{code, message});
}

// The codec for a preset ("default", "best") or a single mode ("fast", "zstd", ...); one
// instance each, shared (ChunkCodec is immutable and thread-safe).
const ChunkCodec& codec_for(const std::string& mode) {
  static const ChunkCodec default_codec(codec::ChunkPreset::kDefault);
  static const ChunkCodec best_codec(codec::ChunkPreset::kBest);
  static const std::array<ChunkCodec, codec::kChunkModeCount> single = [] {
    std::array<ChunkCodec, codec::kChunkModeCount> codecs;
    for (unsigned m = 0; m < codec::kChunkModeCount; ++m) {
      codec::ChunkCodecConfig config;
      config.modes = codec::mode_bit(static_cast<codec::ChunkMode>(m));
      codecs[m] = ChunkCodec::create(config).value();
    }
    return codecs;
  }();
  if (mode == "default") return default_codec;
  if (mode == "best") return best_codec;
  if (auto m = codec::chunk_mode_from_name(mode)) return single[static_cast<unsigned>(*m)];
  fail(ErrorCode::kInvalidArgument,
       "unknown mode '" + mode +
           "': use a preset (default, best) or a mode (uniform, raw, bitpacked, runs, fast, "
           "zstd, context)");
}

ChunkDims dims_of(const IdArray& ids) {
  if (ids.ndim() != 3) {
    fail(ErrorCode::kInvalidArgument,
         "ids must be a 3-d (Y, Z, X) array, got " + std::to_string(ids.ndim()) + " dimensions");
  }
  const ChunkDims d{static_cast<std::uint32_t>(ids.shape(0)),
                    static_cast<std::uint32_t>(ids.shape(1)),
                    static_cast<std::uint32_t>(ids.shape(2))};
  if (!d.valid() || std::size_t(ids.size()) != d.volume()) {
    fail(ErrorCode::kInvalidArgument,
         "shape (" + std::to_string(ids.shape(0)) + ", " + std::to_string(ids.shape(1)) + ", " +
             std::to_string(ids.shape(2)) + ") is outside 1..512 per side or 2^20 voxels");
  }
  return d;
}

IdArray new_ids(ChunkDims d) {
  return IdArray({py::ssize_t(d.y), py::ssize_t(d.z), py::ssize_t(d.x)});
}

}  // namespace

void bind_codec(py::module_& m) {
  m.def(
      "voxel_encode",
      [](const IdArray& ids, const std::string& mode) {
        const ChunkDims d = dims_of(ids);
        const ChunkCodec& codec = codec_for(mode);
        const std::span<const std::uint16_t> in(ids.data(), d.volume());
        Result<Bytes> blob = make_error(ErrorCode::kState, "not run");
        {
          py::gil_scoped_release release;
          blob = codec.encode(in, d);
        }
        return to_pybytes(unwrap(std::move(blob), ErrorKind::kCodec));
      },
      "ids"_a, "mode"_a = "default", "A chunk blob of a uint16 (Y, Z, X) array.");

  m.def(
      "voxel_header",
      [](const py::buffer& blob) {
        BufferView view(blob);
        const auto h = unwrap(ChunkCodec::read_header(view.bytes()), ErrorKind::kCodec);
        py::dict info;
        info["version"] = h.version;
        info["mode"] = std::string(codec::chunk_mode_name(h.mode));
        info["shape"] = py::make_tuple(h.dims.y, h.dims.z, h.dims.x);
        info["crc32c"] = h.crc;
        info["header_bytes"] = h.header_size;
        return info;
      },
      "blob"_a, "The header of a chunk blob: version, mode, shape, crc32c, header_bytes.");

  m.def(
      "voxel_decode",
      [](const py::buffer& blob) {
        BufferView view(blob);
        const auto h = unwrap(ChunkCodec::read_header(view.bytes()), ErrorKind::kCodec);
        IdArray ids = new_ids(h.dims);
        std::uint16_t* out = ids.mutable_data();
        Status status;
        {
          py::gil_scoped_release release;
          status = codec_for("default").decode_into(view.bytes(), {out, h.dims.volume()});
        }
        unwrap(std::move(status), ErrorKind::kCodec);
        return ids;
      },
      "blob"_a, "The uint16 (Y, Z, X) array of a chunk blob.");

  m.def(
      "voxel_encode_diff",
      [](const IdArray& base, const py::array_t<std::uint32_t, py::array::c_style>& indices,
         const IdArray& new_ids_flat, const std::string& mode) {
        const ChunkDims d = dims_of(base);
        if (indices.ndim() != 1 || new_ids_flat.ndim() != 1 ||
            indices.size() != new_ids_flat.size()) {
          fail(ErrorCode::kInvalidArgument, "indices and ids must be 1-d arrays of one length");
        }
        std::vector<codec::BlockChange> changes(static_cast<std::size_t>(indices.size()));
        const ChunkCodec& codec = codec_for(mode);
        const std::uint32_t* at = indices.data();
        const std::uint16_t* to = new_ids_flat.data();
        const std::span<const std::uint16_t> base_ids(base.data(), d.volume());
        Result<Bytes> diff = make_error(ErrorCode::kState, "not run");
        {
          py::gil_scoped_release release;
          for (std::size_t i = 0; i < changes.size(); ++i) changes[i] = {at[i], to[i]};
          diff = codec::encode_chunk_diff(base_ids, d, changes, codec);
        }
        return to_pybytes(unwrap(std::move(diff), ErrorKind::kCodec));
      },
      "base"_a, "indices"_a, "ids"_a, "mode"_a = "default",
      "A chunk diff: ids[i] at flat index indices[i] of base (the last one of an index wins).");

  m.def(
      "voxel_apply_diff",
      [](const IdArray& base, const py::buffer& diff) {
        const ChunkDims d = dims_of(base);
        BufferView view(diff);
        IdArray ids = new_ids(d);
        std::uint16_t* out = ids.mutable_data();
        const std::uint16_t* in = base.data();
        Status status;
        {
          py::gil_scoped_release release;
          std::copy_n(in, d.volume(), out);
          status =
              codec::apply_chunk_diff(view.bytes(), d, {out, d.volume()}, codec_for("default"));
        }
        unwrap(std::move(status), ErrorKind::kCodec);
        return ids;
      },
      "base"_a, "diff"_a, "A new array: base with the diff applied (base is not modified).");

  m.def(
      "voxel_generate_terrain",
      [](std::uint64_t seed, std::tuple<std::int32_t, std::int32_t, std::int32_t> chunk_pos,
         std::tuple<std::uint32_t, std::uint32_t, std::uint32_t> shape, const std::string& kind,
         std::int32_t sea_level) {
        const auto named = world::terrain_named(kind);
        if (!named) {
          fail(ErrorCode::kInvalidArgument,
               "unknown terrain kind '" + kind + "' (" + or_list(world::kTerrainNames) + ")");
        }
        const world::TerrainConfig config{.seed = seed, .kind = *named, .sea_level = sea_level};
        const ChunkDims d{std::get<0>(shape), std::get<1>(shape), std::get<2>(shape)};
        if (!d.valid()) {
          fail(ErrorCode::kInvalidArgument, "shape is outside 1..512 per side or 2^20 voxels");
        }
        IdArray ids = new_ids(d);
        std::uint16_t* out = ids.mutable_data();
        {
          py::gil_scoped_release release;
          const world::BlockPos origin{std::get<0>(chunk_pos) * world::kChunkSize,
                                       std::get<1>(chunk_pos) * world::kChunkSize,
                                       std::get<2>(chunk_pos) * world::kChunkSize};
          world::TerrainGenerator(config).fill_box(origin, {d.y, d.z, d.x}, {out, d.volume()});
        }
        return ids;
      },
      "seed"_a, "chunk_pos"_a, "shape"_a, "kind"_a = "hills", "sea_level"_a = 62,
      "Generated terrain: the (Y, Z, X) box whose lowest corner is chunk_pos * 16 (blocks).");
}

}  // namespace theta_net::bindings
