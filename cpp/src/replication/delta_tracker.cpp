#include "theta_net/replication/delta_tracker.hpp"

#include <algorithm>
#include <utility>

#include "theta_net/replication/component_codec.hpp"

namespace theta_net::replication {
namespace {

using protocol::ComponentEntry;
using protocol::ComponentOp;

}  // namespace

DeltaTracker::DeltaTracker(std::shared_ptr<const Schema> schema, DeltaTrackerOptions options)
    : schema_(std::move(schema)), options_(options), previous_(schema_) {
  if (options_.max_entries_per_message == 0) options_.max_entries_per_message = 1;
}

std::vector<protocol::ComponentDelta> DeltaTracker::diff(const WorldState& current,
                                                         std::uint32_t server_tick) {
  const std::size_t types = schema_->size();
  const WorldState& prev = previous_;
  std::vector<ComponentEntry> upserts, removals;
  std::vector<std::uint32_t> revisions(current.size() * types, 0);
  ComponentMask used = 0;
  stats_ = {};

  auto entry = [&](const WorldState& w, std::size_t index, std::size_t k, ComponentOp op,
                   std::uint32_t revision) {
    ComponentEntry e;
    e.entity = w.id(index);
    e.component = schema_->type(k).id();
    e.op = op;
    e.revision = revision;
    if (op != ComponentOp::kRemove) {
      encode_component(schema_->type(k), w.codes(index, k), e.payload);
      used |= ComponentMask{1} << k;
    }
    return e;
  };

  std::size_t i = 0, j = 0;
  while (i < prev.size() || j < current.size()) {
    const bool take_new = j < current.size() && (i == prev.size() || current.id(j) < prev.id(i));
    const bool take_old = !take_new && (j == current.size() || prev.id(i) < current.id(j));
    const ComponentMask pm = take_new ? 0 : prev.mask(i);
    const ComponentMask cm = take_old ? 0 : current.mask(j);
    for (std::size_t k = 0; k < types; ++k) {
      const bool in_prev = pm >> k & 1, in_cur = cm >> k & 1;
      if (!in_prev && !in_cur) continue;
      const std::uint32_t old_rev = in_prev ? revisions_[i * types + k] : 0;
      if (in_prev && !in_cur) {
        removals.push_back(entry(prev, i, k, ComponentOp::kRemove, old_rev + 1));
        ++stats_.removals;
        continue;
      }
      std::uint32_t rev = old_rev;
      if (!in_prev) {
        rev = 1;
        upserts.push_back(entry(current, j, k, ComponentOp::kInsert, rev));
        ++stats_.inserts;
      } else {
        const auto a = prev.codes(i, k), b = current.codes(j, k);
        if (!std::equal(a.begin(), a.end(), b.begin())) {
          rev = old_rev + 1;
          upserts.push_back(entry(current, j, k, ComponentOp::kUpdate, rev));
          ++stats_.updates;
        }
      }
      revisions[j * types + k] = rev;
    }
    if (!take_new) ++i;
    if (!take_old) ++j;
  }

  previous_ = current;
  revisions_ = std::move(revisions);

  std::vector<protocol::ComponentDelta> out;
  const ComponentMask fresh = used & ~advertised_;
  advertised_ |= used;
  if (upserts.empty() && removals.empty() && fresh == 0) return out;

  upserts.insert(upserts.end(), std::make_move_iterator(removals.begin()),
                 std::make_move_iterator(removals.end()));
  for (std::size_t start = 0; start < upserts.size() || out.empty();
       start += options_.max_entries_per_message) {
    protocol::ComponentDelta delta;
    delta.server_tick = server_tick;
    const std::size_t end = std::min(upserts.size(), start + options_.max_entries_per_message);
    delta.entries.assign(std::make_move_iterator(upserts.begin() + start),
                         std::make_move_iterator(upserts.begin() + end));
    out.push_back(std::move(delta));
  }
  for (std::size_t k = 0; k < types; ++k) {
    if (fresh >> k & 1) out.front().descriptors.push_back(schema_->type(k).descriptor());
  }
  return out;
}

void DeltaTracker::reset_to(const WorldState& world) {
  previous_ = world;
  revisions_.assign(world.size() * schema_->size(), 1);
  advertised_ = 0;
  for (std::size_t i = 0; i < world.size(); ++i) advertised_ |= world.mask(i);
}

void DeltaTracker::reset() {
  previous_.clear();
  revisions_.clear();
  advertised_ = 0;
}

std::size_t DeltaTracker::memory_bytes() const {
  return previous_.memory_bytes() + revisions_.capacity() * sizeof(std::uint32_t);
}

Status apply_component_delta(WorldState& world, const protocol::ComponentDelta& delta) {
  const Schema& schema = world.schema();
  for (const auto& d : delta.descriptors) THETA_TRY(schema.check_descriptor(d));

  // Validate everything first (order, existence, payloads), keeping the decoded codes.
  std::vector<std::int64_t> decoded;
  std::vector<std::size_t> kinds(delta.entries.size());
  bool removing = false;
  const ComponentEntry* last = nullptr;
  std::size_t last_k = 0;
  for (std::size_t n = 0; n < delta.entries.size(); ++n) {
    const ComponentEntry& e = delta.entries[n];
    const auto k = schema.index_of(e.component);
    if (!k) {
      return make_error(ErrorCode::kCorrupt, "component delta entry ", n, ": unknown component ",
                        e.component);
    }
    const bool remove = e.op == ComponentOp::kRemove;
    if (last && (remove == removing) &&
        (e.entity < last->entity || (e.entity == last->entity && *k <= last_k))) {
      return make_error(ErrorCode::kCorrupt, "component delta entry ", n, " is out of order");
    }
    if (!remove && removing) {
      return make_error(ErrorCode::kCorrupt, "component delta entry ", n,
                        ": an insert or update after a removal");
    }
    removing = remove;
    last = &e;
    last_k = *k;
    kinds[n] = *k;
    const bool present = world.has(e.entity, *k);
    if (e.op == ComponentOp::kInsert ? present : !present) {
      return make_error(ErrorCode::kCorrupt, "component delta entry ", n, ": cannot ",
                        e.op == ComponentOp::kInsert ? "insert" : "change", " component '",
                        schema.type(*k).name(), "' of entity ", e.entity,
                        present ? ": already present" : ": not present");
    }
    if (remove) {
      if (!e.payload.empty()) {
        return make_error(ErrorCode::kCorrupt, "component delta entry ", n,
                          ": a removal with a payload");
      }
      continue;
    }
    const ComponentType& type = schema.type(*k);
    decoded.resize(decoded.size() + static_cast<std::size_t>(type.slots()));
    THETA_TRY(decode_component(
        type, e.payload,
        std::span<std::int64_t>(decoded).last(static_cast<std::size_t>(type.slots()))));
  }

  std::size_t offset = 0;
  for (std::size_t n = 0; n < delta.entries.size(); ++n) {
    const ComponentEntry& e = delta.entries[n];
    const std::size_t k = kinds[n];
    if (e.op == ComponentOp::kRemove) {
      world.remove_component(e.entity, k);
      const auto index = world.find(e.entity);
      if (index && world.mask(*index) == 0) world.remove_entity(e.entity);
      continue;
    }
    const auto slots = static_cast<std::size_t>(schema.type(k).slots());
    world.set_codes_at(world.add_entity(e.entity), k,
                       std::span<const std::int64_t>(decoded).subspan(offset, slots));
    offset += slots;
  }
  return {};
}

}  // namespace theta_net::replication
