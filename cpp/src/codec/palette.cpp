#include "palette.hpp"

#include <algorithm>

#include "theta_net/core/varint.hpp"

namespace theta_net::codec {

PaletteBuilder::PaletteBuilder(std::uint16_t first_id) {
  std::fill_n(slots_, capacity_, kEmpty);
  index_of(first_id);
}

std::uint32_t PaletteBuilder::slot_of(std::uint16_t id) const {
  // Fibonacci hashing; ids are small dense integers, so the multiply spreads them well.
  std::uint32_t s = (std::uint32_t{id} * 0x9E3779B1u) >> 16;
  for (;; ++s) {
    s &= capacity_ - 1;
    if (slots_[s] == kEmpty || (slots_[s] & 0xFFFF) == id) return s;
  }
}

std::uint32_t PaletteBuilder::index_of(std::uint16_t id) {
  const std::uint32_t s = slot_of(id);
  if (slots_[s] != kEmpty) return slots_[s] >> 16;
  if (size_ == kMaxPalette) {
    overflow_ = true;
    return kMaxPalette;
  }
  const std::uint32_t index = size_++;
  ids_[index] = id;
  slots_[s] = (index << 16) | id;
  if (size_ * 2 > capacity_ && capacity_ < kMaxSlots) grow();
  return index;
}

void PaletteBuilder::grow() {
  capacity_ *= 2;
  std::fill_n(slots_, capacity_, kEmpty);
  for (std::uint32_t i = 0; i < size_; ++i) slots_[slot_of(ids_[i])] = (i << 16) | ids_[i];
}

bool index_ids(std::span<const std::uint16_t> ids, PaletteBuilder& palette,
               std::uint16_t* indices) {
  // Runs of one id are the common case: look each run up once.
  std::uint16_t last_id = ids[0];
  std::uint32_t last_index = palette.index_of(last_id);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] != last_id) {
      last_id = ids[i];
      last_index = palette.index_of(last_id);
    }
    indices[i] = static_cast<std::uint16_t>(last_index);
  }
  return !palette.overflowed();
}

std::size_t palette_bytes(std::span<const std::uint16_t> ids) {
  std::size_t n = varint_size(ids.size() - 1);
  for (std::uint16_t id : ids) n += varint_size(id);
  return n;
}

void write_palette(ByteWriter& out, std::span<const std::uint16_t> ids) {
  write_varint(out, ids.size() - 1);
  for (std::uint16_t id : ids) write_varint(out, id);
}

Result<std::uint32_t> read_palette(ByteReader& in, std::size_t voxel_count,
                                   std::uint16_t* ids_out) {
  THETA_TRY_ASSIGN(const std::uint64_t count_minus_1, read_varint(in, "palette count"));
  if (count_minus_1 >= kMaxPalette) {
    return make_error(ErrorCode::kLimitExceeded, "palette of ", count_minus_1 + 1,
                      " ids is over the limit of ", kMaxPalette);
  }
  const auto count = static_cast<std::uint32_t>(count_minus_1 + 1);
  if (count > voxel_count) {
    return make_error(ErrorCode::kCorrupt, "palette of ", count, " ids for only ", voxel_count,
                      " voxels");
  }
  for (std::uint32_t i = 0; i < count; ++i) {
    THETA_TRY_ASSIGN(const std::uint64_t id, read_varint(in, "palette id"));
    if (id > 0xFFFF) {
      return make_error(ErrorCode::kOutOfRange, "palette entry ", i, " is ", id,
                        ", not a uint16 block id");
    }
    ids_out[i] = static_cast<std::uint16_t>(id);
  }
  // Duplicates: a quadratic scan for typical palettes, a 64 Ki-bit set for large ones.
  auto duplicate = [&](std::uint32_t i) {
    return make_error(ErrorCode::kCorrupt, "palette entry ", i, " repeats id ", ids_out[i]);
  };
  if (count <= 64) {
    for (std::uint32_t i = 1; i < count; ++i)
      for (std::uint32_t j = 0; j < i; ++j)
        if (ids_out[i] == ids_out[j]) return duplicate(i);
  } else {
    std::uint64_t seen[65536 / 64] = {};
    for (std::uint32_t i = 0; i < count; ++i) {
      const std::uint16_t id = ids_out[i];
      if ((seen[id >> 6] >> (id & 63)) & 1) return duplicate(i);
      seen[id >> 6] |= std::uint64_t{1} << (id & 63);
    }
  }
  return count;
}

}  // namespace theta_net::codec
