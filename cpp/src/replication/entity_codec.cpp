// EntityCodec's set operations: diff and apply. The bitstream itself is in entity_encoder.cpp
// and entity_decoder.cpp.
#include "theta_net/replication/entity_codec.hpp"

#include <algorithm>
#include <utility>

#include "entity_models.hpp"

namespace theta_net::replication {
namespace {

bool same_entity(const WorldState& a, std::size_t i, const WorldState& b, std::size_t j) {
  if (a.mask(i) != b.mask(j)) return false;
  const auto ra = a.row(i), rb = b.row(j);
  return detail::same_codes(ra.data(), rb.data(), ra.size());
}

}  // namespace

EntityCodec::EntityCodec(std::shared_ptr<const Schema> schema, EntityCodecLimits limits)
    : schema_(std::move(schema)),
      limits_(limits),
      fresh_models_(std::make_shared<const detail::PacketModels>(*schema_)) {}

void EntityCodec::diff(const WorldState& baseline, const WorldState& current,
                       std::vector<EntityChange>& out, const std::span<const EntityId>* visible) {
  out.clear();
  const auto ids = current.ids();
  std::size_t v = 0;  // position in `visible`
  // The first index from j whose id is not below `id`: galloping (1, 2, 4, ... ahead), then a
  // binary search within the last step, so a near id costs a few probes, not log(world).
  auto seek = [&](std::size_t j, EntityId id) {
    std::size_t step = 1, lo = j;
    while (j < ids.size() && ids[j] < id) {
      lo = j + 1;
      j = std::min(ids.size(), j + step);
      step *= 2;
    }
    return static_cast<std::size_t>(std::lower_bound(ids.begin() + static_cast<std::ptrdiff_t>(lo),
                                                     ids.begin() + static_cast<std::ptrdiff_t>(j),
                                                     id) -
                                    ids.begin());
  };
  // The next current index that is visible, starting at j. A view is usually a small part of
  // the world: each visible id is sought ahead (seek), not found by walking every id between.
  auto next_visible = [&](std::size_t j) {
    if (!visible) return j;
    while (j < ids.size()) {
      while (v < visible->size() && (*visible)[v] < ids[j]) ++v;
      if (v == visible->size()) return ids.size();
      j = seek(j, (*visible)[v]);
      if (j < ids.size() && ids[j] == (*visible)[v]) return j;
    }
    return j;
  };
  std::size_t i = 0, j = next_visible(0);
  while (i < baseline.size() || j < ids.size()) {
    if (j < ids.size() && (i == baseline.size() || ids[j] < baseline.id(i))) {
      out.push_back({EntityChange::kNone, static_cast<std::uint32_t>(j)});
      j = next_visible(j + 1);
    } else if (j == ids.size() || baseline.id(i) < ids[j]) {
      out.push_back({static_cast<std::uint32_t>(i), EntityChange::kNone});
      ++i;
    } else {
      if (!same_entity(baseline, i, current, j)) {
        out.push_back({static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(j)});
      }
      ++i;
      j = next_visible(j + 1);
    }
  }
}

Bytes EntityCodec::encode(const WorldState& baseline, const WorldState& current) const {
  std::vector<EntityChange> changes;
  diff(baseline, current, changes);
  Bytes out;
  encode(baseline, current, changes, out);
  return out;
}

WorldState EntityCodec::apply(const WorldState& baseline, const WorldState& current,
                              std::span<const EntityChange> changes) {
  WorldState out(baseline.schema_ptr());
  apply_into(baseline, current, changes, out);
  return out;
}

void EntityCodec::apply_into(const WorldState& baseline, const WorldState& current,
                             std::span<const EntityChange> changes, WorldState& out) {
  out.clear();
  // At most the baseline and the spawns; with a quarter more when the buffers must grow: `out`
  // is usually a client's recycled view, whose size wanders, and growing to the exact size each
  // time would reallocate, and touch fresh pages, at every small rise.
  std::size_t spawns = 0;
  for (const EntityChange& c : changes) spawns += c.spawn() ? 1 : 0;
  const std::size_t most = baseline.size() + spawns;
  if (out.capacity() < most) out.reserve(most + most / 4);
  std::size_t i = 0;
  // Unchanged baseline entities are copied a run at a time (most of a view, most updates).
  const auto ids = baseline.ids();
  auto copy_baseline_until = [&](EntityId id) {
    const auto end = std::lower_bound(ids.begin() + static_cast<std::ptrdiff_t>(i), ids.end(), id);
    const auto until = static_cast<std::size_t>(end - ids.begin());
    out.append_range(baseline, i, until);
    i = until;
  };
  for (const EntityChange& c : changes) {
    const EntityId id = c.spawn() ? current.id(c.current) : baseline.id(c.baseline);
    copy_baseline_until(id);
    if (!c.spawn()) ++i;  // replaced or removed
    if (!c.despawn()) out.append(id, current.mask(c.current), current.row(c.current));
  }
  copy_baseline_until(std::numeric_limits<EntityId>::max());
  if (i < baseline.size()) {  // the id 2^64 - 1 itself
    out.append(baseline.id(i), baseline.mask(i), baseline.row(i));
  }
}

}  // namespace theta_net::replication
