#include "palette_modes.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

#include "theta_net/core/varint.hpp"

namespace theta_net::codec {

void write_raw(ByteWriter& out, std::span<const std::uint16_t> ids) {
  Bytes& buf = out.buffer();
  const std::size_t at = buf.size();
  buf.resize(at + ids.size() * 2);
  std::memcpy(buf.data() + at, ids.data(), ids.size() * 2);  // little-endian host
}

Status read_raw(ByteReader& in, std::span<std::uint16_t> out) {
  THETA_TRY_ASSIGN(const ByteSpan bytes, in.bytes(out.size() * 2, "raw ids"));
  std::memcpy(out.data(), bytes.data(), bytes.size());
  return {};
}

unsigned bit_packed_width(std::uint32_t palette_size) {
  return static_cast<unsigned>(std::bit_width(palette_size - 1));
}

std::size_t bit_packed_bytes(std::size_t voxels, std::uint32_t palette_size) {
  return (voxels * bit_packed_width(palette_size) + 7) / 8;
}

void write_bit_packed(ByteWriter& out, std::span<const std::uint16_t> indices,
                      std::uint32_t palette_size) {
  const unsigned width = bit_packed_width(palette_size);
  std::uint64_t acc = 0;
  unsigned fill = 0;
  for (std::uint16_t index : indices) {
    acc |= std::uint64_t{index} << fill;
    fill += width;
    while (fill >= 8) {
      out.u8(static_cast<std::uint8_t>(acc));
      acc >>= 8;
      fill -= 8;
    }
  }
  if (fill) out.u8(static_cast<std::uint8_t>(acc));
}

Status read_bit_packed(ByteReader& in, std::span<const std::uint16_t> palette,
                       std::span<std::uint16_t> out) {
  const auto palette_size = static_cast<std::uint32_t>(palette.size());
  const unsigned width = bit_packed_width(palette_size);
  THETA_TRY_ASSIGN(const ByteSpan bytes,
                   in.bytes(bit_packed_bytes(out.size(), palette_size), "bit-packed indices"));
  const std::uint32_t mask = (1u << width) - 1;
  std::uint64_t acc = 0;
  unsigned fill = 0;
  std::size_t pos = 0;
  std::uint32_t worst = 0;  // the largest index, checked once at the end
  for (std::size_t i = 0; i < out.size(); ++i) {
    while (fill < width) {
      acc |= std::uint64_t{bytes[pos++]} << fill;
      fill += 8;
    }
    const auto index = static_cast<std::uint32_t>(acc) & mask;
    acc >>= width;
    fill -= width;
    worst = std::max(worst, index);
    out[i] = palette[std::min(index, palette_size - 1)];
  }
  if (worst >= palette_size) {
    return make_error(ErrorCode::kOutOfRange, "bit-packed index ", worst, " is beyond the ",
                      palette_size, "-entry palette");
  }
  if (acc != 0) return make_error(ErrorCode::kCorrupt, "bit-packed padding bits are not zero");
  return {};
}

std::uint32_t count_runs(std::span<const std::uint16_t> indices) {
  std::uint32_t runs = 1;
  for (std::size_t i = 1; i < indices.size(); ++i) runs += indices[i] != indices[i - 1];
  return runs;
}

std::size_t runs_min_bytes(std::uint32_t run_count) {
  return varint_size(run_count) + 2 * std::size_t{run_count};
}

void write_runs(ByteWriter& out, std::span<const std::uint16_t> indices, std::uint32_t run_count) {
  write_varint(out, run_count);
  std::size_t start = 0;
  for (std::size_t i = 1; i <= indices.size(); ++i) {
    if (i == indices.size() || indices[i] != indices[start]) {
      write_varint(out, indices[start]);
      write_varint(out, i - start - 1);
      start = i;
    }
  }
}

Status read_runs(ByteReader& in, std::span<const std::uint16_t> palette,
                 std::span<std::uint16_t> out) {
  THETA_TRY_ASSIGN(const std::uint64_t run_count, read_varint(in, "run count"));
  if (run_count == 0 || run_count > out.size()) {
    return make_error(ErrorCode::kCorrupt, run_count, " runs for ", out.size(), " voxels");
  }
  std::size_t pos = 0;
  std::uint64_t previous = palette.size();  // no index equals it
  for (std::uint64_t r = 0; r < run_count; ++r) {
    THETA_TRY_ASSIGN(const std::uint64_t index, read_varint(in, "run index"));
    THETA_TRY_ASSIGN(const std::uint64_t length_minus_1, read_varint(in, "run length"));
    if (index >= palette.size()) {
      return make_error(ErrorCode::kOutOfRange, "run ", r, " has index ", index, ", beyond the ",
                        palette.size(), "-entry palette");
    }
    if (index == previous) {
      return make_error(ErrorCode::kCorrupt, "run ", r, " continues the run before it");
    }
    if (length_minus_1 >= out.size() - pos) {
      return make_error(ErrorCode::kCorrupt, "run ", r, " of ", length_minus_1 + 1,
                        " voxels overflows the ", out.size(), " voxels");
    }
    const std::size_t length = length_minus_1 + 1;
    std::fill_n(out.data() + pos, length, palette[index]);
    pos += length;
    previous = index;
  }
  if (pos != out.size()) {
    return make_error(ErrorCode::kCorrupt, "runs cover ", pos, " of ", out.size(), " voxels");
  }
  return {};
}

}  // namespace theta_net::codec
