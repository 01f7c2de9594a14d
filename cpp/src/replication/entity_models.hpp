// The adaptive models of the entity bitstream (private to entity_encoder.cpp and
// entity_decoder.cpp, which must mirror each other decision for decision). Every packet starts
// from fresh models: packets on the entities lane are decoded independently, in any order.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <optional>
#include <vector>

#include "theta_net/replication/bit_model_coder.hpp"
#include "theta_net/replication/component_registry.hpp"

namespace theta_net::replication::detail {

// Equal code runs. A plain loop: rows are a few dozen bytes, where a memcmp call costs more
// than the comparison.
inline bool same_codes(const std::int64_t* a, const std::int64_t* b, std::size_t n) {
  std::int64_t diff = 0;
  for (std::size_t i = 0; i < n; ++i) diff |= a[i] ^ b[i];
  return diff == 0;
}

// An unsigned integer as Elias gamma with adaptive bits: the bit length n in unary (one model
// per position, the tail shared), the first bit below the leading one with a model per n, the
// rest equiprobable.
struct UIntModel {
  static constexpr int kUnaryContexts = 24;
  BitModel unary[kUnaryContexts];
  BitModel first[65];
};

template <class Coder>
void put_uint(Coder& c, UIntModel& m, std::uint64_t v) {
  const int n = static_cast<int>(std::bit_width(v));
  for (int i = 0; i < n; ++i) c.encode(m.unary[std::min(i, UIntModel::kUnaryContexts - 1)], 1);
  if (n < 64) c.encode(m.unary[std::min(n, UIntModel::kUnaryContexts - 1)], 0);
  if (n >= 2) {
    c.encode(m.first[n], static_cast<unsigned>(v >> (n - 2)) & 1);
    int rest = n - 2;
    while (rest > 0) {
      const int take = std::min(rest, 32);
      rest -= take;
      c.encode_direct(static_cast<std::uint32_t>(v >> rest) & (take == 32 ? ~0u : (1u << take) - 1),
                      take);
    }
  }
}

inline std::uint64_t get_uint(BitModelDecoder& d, UIntModel& m) {
  int n = 0;
  while (n < 64 && d.decode(m.unary[std::min(n, UIntModel::kUnaryContexts - 1)]) == 1) ++n;
  if (n == 0) return 0;
  std::uint64_t v = std::uint64_t{1} << (n - 1);
  if (n >= 2) {
    v |= static_cast<std::uint64_t>(d.decode(m.first[n])) << (n - 2);
    int rest = n - 2;
    while (rest > 0) {
      const int take = std::min(rest, 32);
      rest -= take;
      v |= static_cast<std::uint64_t>(d.decode_direct(take)) << rest;
    }
  }
  return v;
}

// The magnitude of the previous delta coded in an entity selects the context of the next one:
// a body that moved far on one axis likely moved on the others.
inline int activity_of(std::uint64_t magnitude) {
  const int n = static_cast<int>(std::bit_width(magnitude));
  return n <= 2 ? 1 : n <= 5 ? 2 : 3;
}
inline constexpr int kActivityContexts = 4;

// How a scalar is delta-coded: angles wrap modulo 2^bits; fields with two codes flip.
struct ScalarRule {
  int wrap_bits = 0;  // 0: no wrap
  bool two_valued = false;
  static ScalarRule of(const FieldDescriptor& f) {
    return {f.wraps() ? f.bits : 0, two_valued_field(f)};
  }
  static bool two_valued_field(const FieldDescriptor& f) {
    return f.kind != FieldKind::kQuaternion && f.code_max() - f.code_min() == 1;
  }
  // new - old, taken modulo 2^bits into [-2^(bits-1), 2^(bits-1)) for angles.
  std::int64_t delta(std::int64_t old_code, std::int64_t new_code) const {
    std::int64_t d = new_code - old_code;
    if (wrap_bits > 0) {
      const std::int64_t m = std::int64_t{1} << wrap_bits;
      d &= m - 1;
      if (d >= m / 2) d -= m;
    }
    return d;
  }
};

struct FieldModels {
  ScalarRule rule;              // the field's constants, resolved once per packet
  std::int64_t lo = 0, hi = 0;  // code range (quaternion: of the three components)
  // Context: 0 when the previous field of the component did not change, else the activity.
  BitModel changed[kActivityContexts];
  BitModel sign[kActivityContexts];
  UIntModel magnitude[kActivityContexts];
  BitModel abs_zero;  // inserts: equal to the predictor
  BitModel abs_sign;
  UIntModel abs_magnitude;
  BitModel same_index;  // quaternions
  BitModel index_tree[3];
  BitModel part_zero[3];
};

struct ComponentModels {
  BitModel touched;  // the baseline has it: something changed
  BitModel removed;
  BitModel added;  // the baseline lacks it: inserted
  BitModel spawn_present;
};

// Which baseline entities changed: a bitmask (context = the previous bit) or relative indices.
struct IndexModels {
  BitModel mask_bit[2];
  UIntModel count, gap;
};

struct PacketModels {
  explicit PacketModels(const Schema& schema) : components(schema.size()) {
    std::size_t fields = 0;
    for (const auto& t : schema.types()) {
      field_base.push_back(fields);
      fields += t.fields().size();
    }
    field_models.resize(fields);
    predictor.resize(static_cast<std::size_t>(schema.row_slots()));
    for (std::size_t k = 0; k < schema.size(); ++k) {
      const ComponentType& t = schema.type(k);
      for (std::size_t f = 0; f < t.fields().size(); ++f) {
        const FieldDescriptor& fd = t.fields()[f];
        const auto slot = static_cast<std::size_t>(schema.row_offset(k) + t.slot_of(f));
        FieldModels& fm = field(k, f);
        fm.rule = ScalarRule::of(fd);
        fm.lo = fd.code_min();
        fm.hi = fd.code_max();
        if (fd.kind == FieldKind::kQuaternion) {
          predictor[slot] = 3;  // the identity's largest component is w
          for (int i = 1; i < 4; ++i) predictor[slot + i] = fd.code_max() / 2;
        } else {
          predictor[slot] = std::clamp<std::int64_t>(0, fd.code_min(), fd.code_max());
        }
      }
    }
  }
  FieldModels& field(std::size_t component, std::size_t f) {
    return field_models[field_base[component] + f];
  }

  BitModel any_despawn, despawn;
  IndexModels index;
  UIntModel spawn_count, spawn_first, spawn_gap;
  BitModel spawn_after;  // the first spawned id is above the baseline's last id
  std::vector<ComponentModels> components;
  std::vector<std::size_t> field_base;
  std::vector<FieldModels> field_models;
  std::vector<std::int64_t> predictor;  // per row slot: the last value coded by an insert
};

// `fresh` copied into this thread's packet buffer, which one packet's coder uses at a time:
// copy-assigning into vectors of the same sizes allocates nothing after the first packet (a
// server codes hundreds of packets a tick; fresh ~15 KB allocations each faulted pages in).
inline PacketModels& packet_models_from(const PacketModels& fresh) {
  thread_local std::optional<PacketModels> scratch;
  if (scratch) {
    *scratch = fresh;
  } else {
    scratch.emplace(fresh);
  }
  return *scratch;
}

}  // namespace theta_net::replication::detail
