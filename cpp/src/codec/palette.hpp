// A chunk's palette: its distinct block ids in first-use (scan) order. First-use order makes
// every new id the lowest unused palette index, which the index coders send almost for free.
// On the wire: varint(count - 1), then varint(id) per entry (docs/codec.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "theta_net/codec/chunk_dims.hpp"
#include "theta_net/core/byte_io.hpp"
#include "theta_net/core/result.hpp"

namespace theta_net::codec {

// Maps block ids to palette indices while encoding, handing out new indices in first-use order.
class IdIndexer {
 public:
  virtual ~IdIndexer() = default;
  virtual std::uint32_t index_of(std::uint16_t id) = 0;
};

// Open-addressing id -> index map that grows with the palette (so a small palette costs a
// small clear), capped at kMaxPalette entries.
class PaletteBuilder final : public IdIndexer {
 public:
  explicit PaletteBuilder(std::uint16_t first_id);

  std::uint32_t index_of(std::uint16_t id) override;  // kMaxPalette once the palette is full
  std::span<const std::uint16_t> ids() const { return {ids_, size_}; }
  std::uint32_t size() const { return size_; }
  bool overflowed() const { return overflow_; }

 private:
  static constexpr std::uint32_t kMaxSlots = 2 * kMaxPalette;
  static constexpr std::uint32_t kEmpty = 0xFFFFFFFFu;
  void grow();
  std::uint32_t slot_of(std::uint16_t id) const;

  std::uint32_t slots_[kMaxSlots];  // (index << 16 | id), or kEmpty; only [0, capacity_) used
  std::uint16_t ids_[kMaxPalette];
  std::uint32_t capacity_ = 64;
  std::uint32_t size_ = 0;
  bool overflow_ = false;
};

// Fills `indices` with the palette index of every id (a first-use palette); false when there
// are more than kMaxPalette distinct ids.
bool index_ids(std::span<const std::uint16_t> ids, PaletteBuilder& palette, std::uint16_t* indices);

std::size_t palette_bytes(std::span<const std::uint16_t> ids);
void write_palette(ByteWriter& out, std::span<const std::uint16_t> ids);

// Parses a palette into `ids_out` (room for kMaxPalette) and returns its entry count. Rejects
// counts above kMaxPalette or the voxel count, ids above 0xFFFF, and duplicate ids (the coders
// rely on distinct values).
// Errors: kTruncated (the input ends inside the palette), kLimitExceeded (more than kMaxPalette
// entries), kCorrupt (more entries than voxels, a repeated id, a non-canonical varint),
// kOverflow (a varint over 64 bits), kOutOfRange (an id above 0xFFFF).
Result<std::uint32_t> read_palette(ByteReader& in, std::size_t voxel_count, std::uint16_t* ids_out);

}  // namespace theta_net::codec
