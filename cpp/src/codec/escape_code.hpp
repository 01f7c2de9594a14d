// Coding of a palette index that none of the neighbour candidates predicted, in the fast mode's
// bit stream. Indices split into "seen" and "unseen" (palette_use.hpp: nothing but seen indices
// can appear apart from new ones, because all other voxels copy a neighbour). Seen ones are sent
// as a truncated-binary position in first-seen order; unseen ones as their rank among the unseen
// indices (Elias-gamma), which is always 0 when the palette is in first-appearance order, as the
// section encoder builds it.
#pragma once

#include <cstdint>

#include "adaptive_codes.hpp"
#include "palette_use.hpp"
#include "theta_net/codec/chunk_dims.hpp"

namespace theta_net::codec {

class EscapeState {
 public:
  void encode(BitStreamWriter& w, std::uint32_t index) {
    if (use_.is_seen(index)) {
      w.put(0, 1);
      put_truncated(w, use_.position_of(index), use_.seen_count());
    } else {
      w.put(1, 1);
      put_gamma(w, use_.unseen_rank(index) + 1);
      use_.mark_seen(index);
    }
  }

  // Returns kMaxPalette on a corrupt code. Needs a refilled reader (<= 34 bits).
  THETA_FORCE_INLINE std::uint32_t decode(BitStreamReader& r, std::uint32_t palette_size) {
    if (r.get(1) == 0) return use_.at_position(get_truncated(r, use_.seen_count()));
    const std::uint32_t m = get_gamma(r);
    if (m == 0) return kMaxPalette;
    const std::uint32_t index = use_.unseen_with_rank(m - 1, palette_size);
    if (index < palette_size) use_.mark_seen(index);
    return index;
  }

 private:
  PaletteUse use_;
};

}  // namespace theta_net::codec
