// The bodies of the simple modes (docs/codec.md): raw ids, bit-packed palette indices, and runs
// of palette indices in scan order. Writers take palette indices; readers write block ids and
// check every index against the palette and every count against the dims.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "theta_net/core/byte_io.hpp"
#include "theta_net/core/result.hpp"

namespace theta_net::codec {

void write_raw(ByteWriter& out, std::span<const std::uint16_t> ids);
// Reads out.size() raw ids.
// Errors: kTruncated (fewer than 2 * out.size() bytes remain).
Status read_raw(ByteReader& in, std::span<std::uint16_t> out);

// Bits per index: ceil(log2(palette_size)), 0 for a single entry.
unsigned bit_packed_width(std::uint32_t palette_size);
std::size_t bit_packed_bytes(std::size_t voxels, std::uint32_t palette_size);
void write_bit_packed(ByteWriter& out, std::span<const std::uint16_t> indices,
                      std::uint32_t palette_size);
// Reads out.size() indices and writes their palette ids.
// Errors: kTruncated (fewer bytes remain than the indices take), kOutOfRange (an index beyond
// the palette), kCorrupt (non-zero padding bits).
Status read_bit_packed(ByteReader& in, std::span<const std::uint16_t> palette,
                       std::span<std::uint16_t> out);

// Runs of equal indices in scan order.
std::uint32_t count_runs(std::span<const std::uint16_t> indices);
// The run body's size is at least this (two bytes per run plus the count).
std::size_t runs_min_bytes(std::uint32_t run_count);
void write_runs(ByteWriter& out, std::span<const std::uint16_t> indices, std::uint32_t run_count);
// Reads runs that must cover `out` exactly and writes their palette ids.
// Errors: kTruncated (the input ends inside a run), kCorrupt (no runs or more runs than voxels,
// a run continuing the one before it, runs that overflow or do not fill `out`, a non-canonical
// varint), kOverflow (a varint over 64 bits), kOutOfRange (an index beyond the palette).
Status read_runs(ByteReader& in, std::span<const std::uint16_t> palette,
                 std::span<std::uint16_t> out);

}  // namespace theta_net::codec
