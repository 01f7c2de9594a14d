#include "context_coder.hpp"

#include <bit>
#include <memory>
#include <new>

#include "cm_model.hpp"
#include "palette_use.hpp"
#include "theta_net/core/range_coder.hpp"
#include "voxel_neighbours.hpp"

namespace theta_net::codec::best {
namespace {

constexpr unsigned kNeighbours = 11;  // a b c d e f g h a2 b2 c2
constexpr unsigned kMaxCands = 4;
// Votes: the face neighbours a, b, c predict best, the diagonals and distance-2 ones less.
constexpr int kVote[kNeighbours] = {4, 4, 4, 2, 2, 2, 1, 1, 1, 1, 1};

struct Candidates {
  std::uint16_t value[kMaxCands];
  std::uint16_t mask[kMaxCands];  // bit i: neighbour i has this value
  unsigned n = 0;
};

// Distinct neighbour values ranked by vote (stable: ties keep neighbour order).
Candidates rank_candidates(const std::uint16_t (&nb)[kNeighbours]) {
  std::uint16_t value[kNeighbours], mask[kNeighbours];
  int vote[kNeighbours];
  unsigned n = 0;
  for (unsigned i = 0; i < kNeighbours; ++i) {
    unsigned j = 0;
    while (j < n && value[j] != nb[i]) ++j;
    if (j == n) {
      value[n] = nb[i];
      mask[n] = 0;
      vote[n] = 0;
      ++n;
    }
    mask[j] = static_cast<std::uint16_t>(mask[j] | 1u << i);
    vote[j] += kVote[i];
  }
  Candidates c;
  for (unsigned k = 0; k < kMaxCands && k < n; ++k) {
    unsigned best = k;
    for (unsigned j = k + 1; j < n; ++j)
      if (vote[j] > vote[best]) best = j;
    // Move the winner to slot k, keeping the order of the others.
    const std::uint16_t bv = value[best], bm = mask[best];
    const int bvote = vote[best];
    for (unsigned j = best; j > k; --j) {
      value[j] = value[j - 1];
      mask[j] = mask[j - 1];
      vote[j] = vote[j - 1];
    }
    value[k] = bv;
    mask[k] = bm;
    vote[k] = bvote;
    c.value[k] = bv;
    c.mask[k] = bm;
    c.n = k + 1;
  }
  return c;
}

// All adaptive state of the model. Lives on the heap (about 60 KB), fresh per section.
struct Model {
  static constexpr unsigned kInputs = 5;
  cm::BitModel m1[kMaxCands * 8 * 8];
  cm::BitModel m2[kMaxCands * 256];
  cm::BitModel m3[kMaxCands * 64 * 8];
  cm::BitModel m4[kMaxCands * 8 * 8 * 4];
  cm::Mixer<kInputs, kMaxCands * 9> mixer;
  // Escapes.
  cm::BitModel is_new;
  cm::BitModel rank_zero;
  cm::BitModel gamma[2][24];
  cm::BitModel tree[2 * kMaxPalette];
};

// Binary coding, shared by encoder (bit given) and decoder (bit returned).
// A decision's first outcome (the lower part of the range) is bit 1, with probability p = P(1).
using Encoder = RangeEncoder<FixedBufferSink>;
struct Encode {
  Encoder& rc;
  unsigned operator()(unsigned bit, int p) {
    rc.encode(bit != 0, static_cast<std::uint32_t>(p));
    return bit;
  }
};
struct Decode {
  RangeDecoder& rd;
  unsigned operator()(unsigned, int p) { return rd.decode(static_cast<std::uint32_t>(p)); }
};

template <class Bit>
unsigned code_model_bit(Bit& bit, cm::BitModel& m, unsigned value) {
  const unsigned b = bit(value, m.p12());
  m.update(b);
  return b;
}

// Codes a number 0 <= v < 2^23 with adaptive Elias-gamma bits (decoder: returns it).
template <class Bit>
std::uint32_t code_gamma(Bit& bit, cm::BitModel (&g)[2][24], std::uint32_t v) {
  const std::uint32_t m = v + 1;
  const unsigned nbits = static_cast<unsigned>(std::bit_width(m));
  unsigned len = 1;
  while (len < 24 && code_model_bit(bit, g[0][len], len < nbits)) ++len;
  std::uint32_t r = 1;
  for (unsigned i = len - 1; i-- > 0;) r = r << 1 | code_model_bit(bit, g[1][i], m >> i & 1);
  return r - 1;
}

// Codes one voxel value (encoder: `v`; decoder: returns it, or kMaxPalette on a bad code).
template <class Bit>
std::uint32_t code_voxel(Bit& bit, Model& m, PaletteUse& use, std::uint32_t palette_size,
                         const std::uint16_t (&nb)[kNeighbours], std::uint32_t v) {
  const Candidates cands = rank_candidates(nb);
  const unsigned abc =
      unsigned{nb[0] == nb[1]} | unsigned{nb[0] == nb[2]} << 1 | unsigned{nb[1] == nb[2]} << 2;
  const unsigned nc = cands.n < 3 ? cands.n : 3;
  for (unsigned k = 0; k < cands.n; ++k) {
    const std::uint32_t cv = cands.value[k];
    const unsigned mk = cands.mask[k];
    cm::BitModel& p1 = m.m1[(k * 8 + abc) * 8 + (mk & 7)];
    cm::BitModel& p2 = m.m2[k * 256 + (mk & 255)];
    cm::BitModel& p3 = m.m3[(k * 64 + (cv < 63 ? cv : 63)) * 8 + (mk & 7)];
    cm::BitModel& p4 = m.m4[((k * 8 + (mk >> 8 & 7)) * 8 + (mk & 7)) * 4 + nc];
    const int st[Model::kInputs] = {cm::stretch(p1.p12()), cm::stretch(p2.p12()),
                                    cm::stretch(p3.p12()), cm::stretch(p4.p12()), 256};
    const int set = static_cast<int>(k * 9 + static_cast<unsigned>(std::popcount(mk & 255u)));
    int p = m.mixer.mix(st, set);
    p = p < 1 ? 1 : (p > 4095 ? 4095 : p);
    const unsigned hit = bit(v == cv, p);
    p1.update(hit);
    p2.update(hit);
    p3.update(hit);
    p4.update(hit);
    m.mixer.update(hit);
    if (hit) {
      use.mark_used(cv);
      return cv;
    }
  }
  // Escape: a palette index no candidate had.
  const bool encoding_new = v < palette_size && !use.is_seen(v);
  std::uint32_t index;
  if (code_model_bit(bit, m.is_new, encoding_new)) {
    const std::uint32_t rank_to_code = encoding_new ? use.unseen_rank(v) : 0;
    const std::uint32_t rank = code_model_bit(bit, m.rank_zero, rank_to_code == 0)
                                   ? 0
                                   : code_gamma(bit, m.gamma, rank_to_code - 1) + 1;
    index = use.unseen_with_rank(rank, palette_size);
  } else {
    if (use.seen_count() == 0) return kMaxPalette;
    // Position in first-use order, as a binary tree of adaptive bits.
    const std::uint32_t pos = v < palette_size && use.is_seen(v) ? use.position_of(v) : 0;
    const unsigned depth = static_cast<unsigned>(std::bit_width(use.seen_count() - 1));
    std::uint32_t node = 1, got = 0;
    for (unsigned i = depth; i-- > 0;) {
      const unsigned b = code_model_bit(bit, m.tree[node & (2 * kMaxPalette - 1)], pos >> i & 1);
      node = node << 1 | b;
      got = got << 1 | b;
    }
    if (got >= use.seen_count()) return kMaxPalette;
    index = use.at_position(got);
  }
  if (index >= palette_size) return kMaxPalette;
  use.mark_used(index);
  return index;
}

// Walks the volume in scan order; `value_at(i)` gives the value to code at linear index i
// (encoder) and `store(i, v)` receives it (decoder writes its output).
template <class Bit, class ValueAt, class Store>
bool code_volume(Bit& bit, ChunkDims d, std::uint32_t palette_size, const std::uint16_t* vol,
                 ValueAt&& value_at, Store&& store) {
  auto model = std::unique_ptr<Model>(new (std::nothrow) Model());
  if (!model) return false;
  PaletteUse use;  // index 0 starts used: the virtual rows carry it
  std::uint16_t virtual_row[kMaxSide] = {};
  const std::size_t row_len = d.x, layer_len = std::size_t{d.z} * d.x;
  for (std::uint32_t y = 0; y < d.y; ++y)
    for (std::uint32_t z = 0; z < d.z; ++z) {
      const std::size_t row_off = y * layer_len + z * row_len;
      const std::uint16_t* row = vol + row_off;
      const NeighbourRows r = neighbour_rows(vol, d, y, z, virtual_row);
      const std::uint16_t* b2row = z >= 2 ? row - 2 * row_len : r.b;
      const std::uint16_t* c2row = y >= 2 ? row - 2 * layer_len : r.c;
      for (std::uint32_t x = 0; x < d.x; ++x) {
        const std::uint32_t xl = x ? x - 1 : 0, xr = x + 1 < d.x ? x + 1 : x;
        const std::uint16_t a = x ? row[x - 1] : r.b[0];
        const std::uint16_t nb[kNeighbours] = {a,        r.b[x],  r.c[x],
                                               r.b[xl],  r.c[xl], r.f[x],
                                               r.b[xr],  r.c[xr], x >= 2 ? row[x - 2] : a,
                                               b2row[x], c2row[x]};
        const std::uint32_t v =
            code_voxel(bit, *model, use, palette_size, nb, value_at(row_off + x));
        if (v >= palette_size) return false;
        store(row_off + x, static_cast<std::uint16_t>(v));
      }
    }
  return true;
}

}  // namespace

std::size_t max_payload_size(ChunkDims dims) {
  // An escape costs at most ~40 binary decisions of >= 1/4096 probability (12 bits each) plus
  // four candidate decisions: bounded well below 96 bytes per voxel; plus the coder's flush.
  return dims.volume() * 96 + 16;
}

Result<std::size_t> encode_indices(std::span<const std::uint16_t> indices, ChunkDims dims,
                                   std::uint32_t palette_size, std::span<std::uint8_t> out) {
  Encoder rc{FixedBufferSink(out)};
  Encode bit{rc};
  const bool ok = code_volume(
      bit, dims, palette_size, indices.data(),
      [&](std::size_t i) { return std::uint32_t{indices[i]}; }, [](std::size_t, std::uint16_t) {});
  if (!ok) return make_error(ErrorCode::kLimitExceeded, "out of memory for the context model");
  rc.flush();
  if (rc.sink().overflowed()) {
    return make_error(ErrorCode::kLimitExceeded, "best payload exceeds its ", out.size(),
                      "-byte buffer");
  }
  return rc.sink().size();
}

Status decode_indices(std::span<const std::uint8_t> payload, ChunkDims dims,
                      std::uint32_t palette_size, std::span<std::uint16_t> out) {
  RangeDecoder rd(payload);
  Decode bit{rd};
  std::uint16_t* dst = out.data();
  // The decoder reads neighbours from `out` as it fills it, in scan order.
  const bool ok = code_volume(
      bit, dims, palette_size, dst, [](std::size_t) { return std::uint32_t{0}; },
      [dst](std::size_t i, std::uint16_t v) { dst[i] = v; });
  if (rd.overrun() != 0) return make_error(ErrorCode::kTruncated, "best payload ends early");
  if (!ok) return make_error(ErrorCode::kCorrupt, "best payload codes an index beyond the palette");
  if (rd.unread() != 0) return make_error(ErrorCode::kCorrupt, "best payload has trailing bytes");
  return {};
}

}  // namespace theta_net::codec::best
