// The entity bitstream's encoder (entity_codec.hpp describes the format; entity_decoder.cpp
// mirrors every decision made here).
#include <algorithm>

#include "entity_models.hpp"
#include "theta_net/replication/entity_codec.hpp"

namespace theta_net::replication {
namespace {

using detail::activity_of;
using detail::FieldModels;
using detail::PacketModels;
using detail::put_uint;

std::uint64_t magnitude(std::int64_t d) {
  return d < 0 ? static_cast<std::uint64_t>(0) - static_cast<std::uint64_t>(d)
               : static_cast<std::uint64_t>(d);
}

template <class Coder>
void put_changed_bitmask(Coder& c, detail::IndexModels& m, std::size_t baseline_size,
                         std::span<const std::uint32_t> indices) {
  // Bit i says whether baseline entity i changed; its context is bit i - 1. Runs of zeros go
  // through encode_run, so counting the cost is linear in the changes, not the baseline.
  unsigned prev = 0;
  std::size_t pos = 0;
  auto zeros = [&](std::size_t n) {
    if (n == 0) return;
    c.encode(m.mask_bit[prev], 0);
    c.encode_run(m.mask_bit[0], 0, n - 1);
    prev = 0;
  };
  for (std::uint32_t index : indices) {
    zeros(index - pos);
    c.encode(m.mask_bit[prev], 1);
    prev = 1;
    pos = index + 1;
  }
  zeros(baseline_size - pos);
}

template <class Coder>
void put_changed_relative(Coder& c, detail::IndexModels& m,
                          std::span<const std::uint32_t> indices) {
  put_uint(c, m.count, indices.size());
  std::int64_t prev = -1;
  for (std::uint32_t index : indices) {
    put_uint(c, m.gap, static_cast<std::uint64_t>(index - prev - 1));
    prev = index;
  }
}

class Writer {
 public:
  Writer(const Schema& schema, const PacketModels& fresh, Bytes& out)
      : schema_(schema), m_(detail::packet_models_from(fresh)), enc_(out) {}

  void changed_set(std::size_t baseline_size, std::span<const std::uint32_t> indices) {
    if (baseline_size == 0) return;
    // Count both codings exactly (on copies of the fresh models) and keep the cheaper.
    detail::IndexModels a = m_.index, b = m_.index;
    BitCostCounter mask_cost, relative_cost;
    put_changed_bitmask(mask_cost, a, baseline_size, indices);
    put_changed_relative(relative_cost, b, indices);
    const bool relative = relative_cost.cost() < mask_cost.cost();
    enc_.encode_direct(relative ? 1 : 0, 1);
    if (relative) {
      put_changed_relative(enc_, m_.index, indices);
    } else {
      put_changed_bitmask(enc_, m_.index, baseline_size, indices);
    }
  }

  void spawn_ids(const WorldState& baseline, const WorldState& current,
                 std::span<const std::uint32_t> spawns) {
    put_uint(enc_, m_.spawn_count, spawns.size());
    // The first id relative to just past the baseline's last (ids usually grow), then gaps.
    const EntityId base = baseline.empty() ? 0 : baseline.id(baseline.size() - 1) + 1;
    EntityId prev = 0;
    for (std::size_t n = 0; n < spawns.size(); ++n) {
      const EntityId id = current.id(spawns[n]);
      if (n == 0) {
        const bool after = id >= base;
        enc_.encode(m_.spawn_after, after);
        put_uint(enc_, m_.spawn_first, after ? id - base : base - 1 - id);
      } else {
        put_uint(enc_, m_.spawn_gap, id - prev - 1);
      }
      prev = id;
    }
  }

  // Whether any changed baseline entity despawns; then one flag per changed entity.
  void any_despawn(bool any) {
    any_despawn_ = any;
    enc_.encode(m_.any_despawn, any);
  }
  void despawn(bool gone) {
    if (any_despawn_) enc_.encode(m_.despawn, gone);
  }

  void update(const WorldState& b, std::size_t bi, const WorldState& c, std::size_t ci) {
    activity_ = 0;
    for (std::size_t k = 0; k < schema_.size(); ++k) {
      const bool had = b.mask(bi) >> k & 1, has = c.mask(ci) >> k & 1;
      auto& cm = m_.components[k];
      if (!had) {
        enc_.encode(cm.added, has);
        if (has) absolute(k, c.codes(ci, k));
        continue;
      }
      const auto old_codes = b.codes(bi, k);
      const bool touched =
          !has || !detail::same_codes(old_codes.data(), c.codes(ci, k).data(), old_codes.size());
      enc_.encode(cm.touched, touched);
      if (!touched) continue;
      enc_.encode(cm.removed, !has);
      if (has) changed_fields(k, old_codes, c.codes(ci, k));
    }
  }

  void spawn(const WorldState& c, std::size_t ci) {
    for (std::size_t k = 0; k < schema_.size(); ++k) {
      const bool has = c.mask(ci) >> k & 1;
      enc_.encode(m_.components[k].spawn_present, has);
      if (has) absolute(k, c.codes(ci, k));
    }
  }

  void finish() { enc_.finish(); }

 private:
  void put_signed(BitModel& sign, detail::UIntModel& mag, std::int64_t d) {
    enc_.encode(sign, d < 0);
    put_uint(enc_, mag, magnitude(d) - 1);
  }

  void changed_fields(std::size_t k, std::span<const std::int64_t> old_codes,
                      std::span<const std::int64_t> new_codes) {
    const ComponentType& type = schema_.type(k);
    unsigned prev_changed = 0;
    for (std::size_t f = 0; f < type.fields().size(); ++f) {
      const FieldDescriptor& fd = type.fields()[f];
      FieldModels& fm = m_.field(k, f);
      const auto slot = static_cast<std::size_t>(type.slot_of(f));
      const std::int64_t* o = old_codes.data() + slot;
      const std::int64_t* n = new_codes.data() + slot;
      const auto slots = static_cast<std::size_t>(fd.slots());
      const bool changed = !detail::same_codes(o, n, slots);
      enc_.encode(fm.changed[prev_changed], changed);
      prev_changed = changed;
      if (!changed) continue;
      if (fd.kind == FieldKind::kQuaternion) {
        const bool same = n[0] == o[0];
        enc_.encode(fm.same_index, same);
        std::int64_t rebased[4];
        if (!same) {  // predict with the baseline rotation coded around the new largest component
          put_index(fm, n[0]);
          fd.rebase_quaternion({o, 4}, static_cast<int>(n[0]), rebased);
          o = rebased;
        }
        for (int i = 1; i < 4; ++i) {
          const std::int64_t d = n[i] - o[i];
          enc_.encode(fm.part_zero[i - 1], d == 0);
          if (d == 0) continue;
          put_signed(fm.sign[activity_], fm.magnitude[activity_], d);
          activity_ = activity_of(magnitude(d));
        }
      } else if (!fm.rule.two_valued) {
        const std::int64_t d = fm.rule.delta(o[0], n[0]);
        put_signed(fm.sign[activity_], fm.magnitude[activity_], d);
        activity_ = activity_of(magnitude(d));
      }
    }
  }

  void put_index(FieldModels& fm, std::int64_t index) {
    const auto hi = static_cast<unsigned>(index >> 1) & 1, lo = static_cast<unsigned>(index) & 1;
    enc_.encode(fm.index_tree[0], hi);
    enc_.encode(fm.index_tree[1 + hi], lo);
  }

  void put_absolute(FieldModels& fm, detail::ScalarRule rule, std::int64_t& predicted,
                    std::int64_t value) {
    const std::int64_t d = rule.delta(predicted, value);
    predicted = value;
    enc_.encode(fm.abs_zero, d == 0);
    if (d == 0 || rule.two_valued) return;
    put_signed(fm.abs_sign, fm.abs_magnitude, d);
  }

  void absolute(std::size_t k, std::span<const std::int64_t> codes) {
    const ComponentType& type = schema_.type(k);
    std::int64_t* pred = m_.predictor.data() + schema_.row_offset(k);
    for (std::size_t f = 0; f < type.fields().size(); ++f) {
      const FieldDescriptor& fd = type.fields()[f];
      FieldModels& fm = m_.field(k, f);
      const auto slot = static_cast<std::size_t>(type.slot_of(f));
      if (fd.kind == FieldKind::kQuaternion) {
        put_index(fm, codes[slot]);
        pred[slot] = codes[slot];
        // The three components are plain integers 0..2^bits-1: deltas from the predictor.
        for (std::size_t i = 1; i < 4; ++i) put_absolute(fm, {}, pred[slot + i], codes[slot + i]);
      } else {
        put_absolute(fm, fm.rule, pred[slot], codes[slot]);
      }
    }
  }

  const Schema& schema_;
  PacketModels& m_;  // this thread's packet buffer
  BitModelEncoder enc_;
  int activity_ = 0;
  bool any_despawn_ = false;
};

}  // namespace

void EntityCodec::encode(const WorldState& baseline, const WorldState& current,
                         std::span<const EntityChange> changes, Bytes& out) const {
  std::vector<std::uint32_t> changed, spawns;
  for (const EntityChange& c : changes) {
    if (c.spawn()) {
      spawns.push_back(c.current);
    } else {
      changed.push_back(c.baseline);
    }
  }
  Writer w(*schema_, *fresh_models_, out);
  w.changed_set(baseline.size(), changed);
  w.spawn_ids(baseline, current, spawns);
  if (!changed.empty()) {
    w.any_despawn(std::any_of(changes.begin(), changes.end(),
                              [](const EntityChange& c) { return c.despawn(); }));
  }
  for (const EntityChange& c : changes) {
    if (c.spawn()) continue;
    w.despawn(c.despawn());
    if (!c.despawn()) w.update(baseline, c.baseline, current, c.current);
  }
  for (std::uint32_t ci : spawns) w.spawn(current, ci);
  w.finish();
}

}  // namespace theta_net::replication
