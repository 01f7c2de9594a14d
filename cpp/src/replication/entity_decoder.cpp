// The entity bitstream's decoder: a border. It mirrors entity_encoder.cpp decision for
// decision and checks every index, id, count and code on the way; the result is built aside
// and returned whole, or not at all.
#include <algorithm>

#include "entity_models.hpp"
#include "theta_net/core/int128.hpp"
#include "theta_net/replication/entity_codec.hpp"

namespace theta_net::replication {
namespace {

using detail::activity_of;
using detail::FieldModels;
using detail::get_uint;
using detail::PacketModels;

constexpr std::size_t kMaxOverrun = 4;  // bytes past the end a valid payload makes us read
constexpr std::uint64_t kMaxDelta = std::uint64_t{1} << 62;  // code spans are below 2^62

class Reader {
 public:
  Reader(const Schema& schema, const PacketModels& fresh, ByteSpan payload)
      : schema_(schema), m_(detail::packet_models_from(fresh)), dec_(payload) {}

  Status changed_set(std::size_t baseline_size, std::vector<std::uint32_t>& out) {
    if (baseline_size == 0) return {};
    if (dec_.decode_direct(1) == 1) {
      const std::uint64_t count = get_uint(dec_, m_.index.count);
      if (count > baseline_size) {
        return make_error(ErrorCode::kCorrupt, "entity delta: ", count,
                          " changed entities in a baseline of ", baseline_size);
      }
      std::uint64_t next = 0;
      for (std::uint64_t n = 0; n < count; ++n) {
        const std::uint64_t gap = get_uint(dec_, m_.index.gap);
        if (gap >= baseline_size - next) {
          return make_error(ErrorCode::kOutOfRange, "entity delta: changed index beyond the ",
                            baseline_size, " baseline entities");
        }
        out.push_back(static_cast<std::uint32_t>(next + gap));
        next += gap + 1;
      }
      return {};
    }
    unsigned prev = 0;
    for (std::size_t i = 0; i < baseline_size; ++i) {
      prev = dec_.decode(m_.index.mask_bit[prev]);
      if (prev) out.push_back(static_cast<std::uint32_t>(i));
    }
    return {};
  }

  Status spawn_ids(const WorldState& baseline, std::size_t max_entities,
                   std::vector<EntityId>& out) {
    const std::uint64_t count = get_uint(dec_, m_.spawn_count);
    if (count > max_entities) {
      return make_error(ErrorCode::kLimitExceeded, "entity delta spawns ", count,
                        " entities; the limit is ", max_entities);
    }
    const EntityId base = baseline.empty() ? 0 : baseline.id(baseline.size() - 1) + 1;
    EntityId prev = 0;
    for (std::uint64_t n = 0; n < count; ++n) {
      EntityId id;
      if (n == 0) {
        const bool after = dec_.decode(m_.spawn_after) == 1;
        const std::uint64_t v = get_uint(dec_, m_.spawn_first);
        if (after ? v > ~base : v >= base) {
          return make_error(ErrorCode::kOutOfRange, "entity delta: first spawned id out of range");
        }
        id = after ? base + v : base - 1 - v;
      } else {
        const std::uint64_t gap = get_uint(dec_, m_.spawn_gap);
        if (gap >= ~prev) {
          return make_error(ErrorCode::kOutOfRange, "entity delta: spawned id beyond 2^64");
        }
        id = prev + gap + 1;
      }
      if (baseline.find(id)) {
        return make_error(ErrorCode::kCorrupt, "entity delta spawns entity ", id,
                          ", which the baseline already has");
      }
      out.push_back(id);
      prev = id;
      if (dec_.overrun() > kMaxOverrun) return truncated();
    }
    return {};
  }

  void any_despawn() { any_despawn_ = dec_.decode(m_.any_despawn) == 1; }
  bool despawn() { return any_despawn_ && dec_.decode(m_.despawn) == 1; }

  // Decodes an update of the entity whose baseline is (mask, row) in place.
  Status update(ComponentMask& mask, std::span<std::int64_t> row) {
    activity_ = 0;
    for (std::size_t k = 0; k < schema_.size(); ++k) {
      auto& cm = m_.components[k];
      const auto codes = row.subspan(static_cast<std::size_t>(schema_.row_offset(k)),
                                     static_cast<std::size_t>(schema_.type(k).slots()));
      if (!(mask >> k & 1)) {
        if (dec_.decode(cm.added) == 0) continue;
        THETA_TRY(absolute(k, codes));
        mask |= ComponentMask{1} << k;
        continue;
      }
      if (dec_.decode(cm.touched) == 0) continue;
      if (dec_.decode(cm.removed) == 1) {
        std::fill(codes.begin(), codes.end(), 0);
        mask &= ~(ComponentMask{1} << k);
        continue;
      }
      THETA_TRY(changed_fields(k, codes));
    }
    return check_overrun();
  }

  Status spawn(ComponentMask& mask, std::span<std::int64_t> row) {
    for (std::size_t k = 0; k < schema_.size(); ++k) {
      if (dec_.decode(m_.components[k].spawn_present) == 0) continue;
      THETA_TRY(absolute(k, row.subspan(static_cast<std::size_t>(schema_.row_offset(k)),
                                        static_cast<std::size_t>(schema_.type(k).slots()))));
      mask |= ComponentMask{1} << k;
    }
    return check_overrun();
  }

  Status finish() {
    THETA_TRY(check_overrun());
    if (dec_.unread() != 0) {
      return make_error(ErrorCode::kCorrupt, "entity delta has ", dec_.unread(),
                        " bytes after its end");
    }
    return {};
  }

 private:
  static Error truncated() {
    return make_error(ErrorCode::kTruncated, "entity delta ends before its last entity");
  }
  Status check_overrun() const {
    if (dec_.overrun() > kMaxOverrun) return truncated();
    return {};
  }

  // A signed delta: sign, then magnitude - 1.
  Result<std::int64_t> get_signed(BitModel& sign, detail::UIntModel& mag) {
    const bool negative = dec_.decode(sign) == 1;
    const std::uint64_t m = get_uint(dec_, mag);
    if (m >= kMaxDelta) {
      return make_error(ErrorCode::kOutOfRange, "entity delta: a delta of 2^62 or more");
    }
    const auto d = static_cast<std::int64_t>(m + 1);
    return negative ? -d : d;
  }

  // base + d for a scalar with `rule`, checked against [lo, hi].
  static Result<std::int64_t> apply(detail::ScalarRule rule, std::int64_t base, std::int64_t d,
                                    std::int64_t lo, std::int64_t hi) {
    if (rule.wrap_bits > 0) {
      return static_cast<std::int64_t>(
          (static_cast<std::uint64_t>(base) + static_cast<std::uint64_t>(d)) &
          ((std::uint64_t{1} << rule.wrap_bits) - 1));
    }
    const int128_t v = static_cast<int128_t>(base) + d;
    if (v < lo || v > hi) {
      return make_error(ErrorCode::kOutOfRange, "entity delta: a field code leaves its range");
    }
    return static_cast<std::int64_t>(v);
  }

  std::int64_t get_index(FieldModels& fm) {
    const unsigned hi = dec_.decode(fm.index_tree[0]);
    return static_cast<std::int64_t>(hi << 1 | dec_.decode(fm.index_tree[1 + hi]));
  }

  Status changed_fields(std::size_t k, std::span<std::int64_t> codes) {
    const ComponentType& type = schema_.type(k);
    unsigned prev_changed = 0;
    for (std::size_t f = 0; f < type.fields().size(); ++f) {
      const FieldDescriptor& fd = type.fields()[f];
      FieldModels& fm = m_.field(k, f);
      std::int64_t* c = codes.data() + type.slot_of(f);
      prev_changed = dec_.decode(fm.changed[prev_changed]);
      if (!prev_changed) continue;
      if (fd.kind == FieldKind::kQuaternion) {
        if (dec_.decode(fm.same_index) == 0) {
          const int index = static_cast<int>(get_index(fm));
          std::int64_t rebased[4];
          fd.rebase_quaternion({c, 4}, index, rebased);
          std::copy(rebased, rebased + 4, c);
        }
        for (int i = 1; i < 4; ++i) {
          if (dec_.decode(fm.part_zero[i - 1]) == 1) continue;
          THETA_TRY_ASSIGN(std::int64_t d, get_signed(fm.sign[activity_], fm.magnitude[activity_]));
          activity_ = activity_of(static_cast<std::uint64_t>(d < 0 ? -d : d));
          THETA_TRY_ASSIGN(c[i], apply({}, c[i], d, 0, fm.hi));
        }
      } else if (fm.rule.two_valued) {
        c[0] = c[0] == fm.lo ? fm.hi : fm.lo;
      } else {
        THETA_TRY_ASSIGN(std::int64_t d, get_signed(fm.sign[activity_], fm.magnitude[activity_]));
        activity_ = activity_of(static_cast<std::uint64_t>(d < 0 ? -d : d));
        THETA_TRY_ASSIGN(c[0], apply(fm.rule, c[0], d, fm.lo, fm.hi));
      }
    }
    return {};
  }

  Status get_absolute(FieldModels& fm, detail::ScalarRule rule, std::int64_t lo, std::int64_t hi,
                      std::int64_t& predicted, std::int64_t& value) {
    if (dec_.decode(fm.abs_zero) == 1) {
      value = predicted;
      return {};
    }
    if (rule.two_valued) {
      value = predicted == lo ? hi : lo;
    } else {
      THETA_TRY_ASSIGN(std::int64_t d, get_signed(fm.abs_sign, fm.abs_magnitude));
      THETA_TRY_ASSIGN(value, apply(rule, predicted, d, lo, hi));
    }
    predicted = value;
    return {};
  }

  Status absolute(std::size_t k, std::span<std::int64_t> codes) {
    const ComponentType& type = schema_.type(k);
    std::int64_t* pred = m_.predictor.data() + schema_.row_offset(k);
    for (std::size_t f = 0; f < type.fields().size(); ++f) {
      const FieldDescriptor& fd = type.fields()[f];
      FieldModels& fm = m_.field(k, f);
      const auto slot = static_cast<std::size_t>(type.slot_of(f));
      if (fd.kind == FieldKind::kQuaternion) {
        codes[slot] = pred[slot] = get_index(fm);
        for (std::size_t i = 1; i < 4; ++i) {
          THETA_TRY(get_absolute(fm, {}, 0, fm.hi, pred[slot + i], codes[slot + i]));
        }
      } else {
        THETA_TRY(get_absolute(fm, fm.rule, fm.lo, fm.hi, pred[slot], codes[slot]));
      }
    }
    return {};
  }

  const Schema& schema_;
  PacketModels& m_;  // this thread's packet buffer
  BitModelDecoder dec_;
  int activity_ = 0;
  bool any_despawn_ = false;
};

}  // namespace

Result<WorldState> EntityCodec::decode(const WorldState& baseline, ByteSpan payload) const {
  if (baseline.schema().fingerprint() != schema_->fingerprint()) {
    return make_error(ErrorCode::kInvalidArgument, "entity delta baseline has another schema");
  }
  const auto slots = static_cast<std::size_t>(schema_->row_slots());
  // Bound memory as well as entities: rows of a wide schema are large.
  const std::size_t max_entities = std::min(
      limits_.max_entities, (std::size_t{64} << 20) / (8 * std::max<std::size_t>(slots, 1)));
  Reader r(*schema_, *fresh_models_, payload);
  std::vector<std::uint32_t> changed;
  THETA_TRY(r.changed_set(baseline.size(), changed));
  std::vector<EntityId> spawn_ids;
  THETA_TRY(r.spawn_ids(baseline, max_entities, spawn_ids));

  std::vector<ComponentMask> masks(changed.size());
  std::vector<std::int64_t> rows(changed.size() * slots);
  std::vector<bool> gone(changed.size());
  std::size_t remaining = baseline.size();
  if (!changed.empty()) r.any_despawn();
  for (std::size_t n = 0; n < changed.size(); ++n) {
    gone[n] = r.despawn();
    if (gone[n]) {
      --remaining;
      continue;
    }
    masks[n] = baseline.mask(changed[n]);
    const auto base_row = baseline.row(changed[n]);
    const std::span<std::int64_t> row(rows.data() + n * slots, slots);
    std::copy(base_row.begin(), base_row.end(), row.begin());
    THETA_TRY(r.update(masks[n], row));
  }
  if (remaining + spawn_ids.size() > max_entities) {
    return make_error(ErrorCode::kLimitExceeded, "entity delta makes ",
                      remaining + spawn_ids.size(), " entities; the limit is ", max_entities);
  }
  std::vector<ComponentMask> spawn_masks(spawn_ids.size());
  std::vector<std::int64_t> spawn_rows(spawn_ids.size() * slots);
  for (std::size_t n = 0; n < spawn_ids.size(); ++n) {
    THETA_TRY(r.spawn(spawn_masks[n], std::span(spawn_rows.data() + n * slots, slots)));
  }
  THETA_TRY(r.finish());

  // Merge baseline, changed and spawned entities in id order.
  WorldState out(schema_);
  out.reserve(remaining + spawn_ids.size());
  std::size_t c = 0, s = 0;
  for (std::size_t i = 0; i <= baseline.size(); ++i) {
    const EntityId limit = i < baseline.size() ? baseline.id(i) : 0;
    while (s < spawn_ids.size() && (i == baseline.size() || spawn_ids[s] < limit)) {
      out.append(spawn_ids[s], spawn_masks[s], std::span(spawn_rows.data() + s * slots, slots));
      ++s;
    }
    if (i == baseline.size()) break;
    if (c < changed.size() && changed[c] == i) {
      if (!gone[c]) out.append(baseline.id(i), masks[c], std::span(rows.data() + c * slots, slots));
      ++c;
    } else {
      out.append(baseline.id(i), baseline.mask(i), baseline.row(i));
    }
  }
  return out;
}

}  // namespace theta_net::replication
