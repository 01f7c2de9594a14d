#include "theta_net/replication/interest_grid.hpp"

#include <algorithm>
#include <cstdlib>

#include "theta_net/core/integer_math.hpp"

namespace theta_net::replication {
namespace {

std::uint32_t gap(std::int32_t a, std::int32_t b) {
  return static_cast<std::uint32_t>(std::llabs(static_cast<std::int64_t>(a) - b));
}

}  // namespace

Status ClientInterest::subscribe(Cell c) {
  if (cells_.size() >= kMaxSubscribedCells && !cells_.count(c)) {
    return make_error(ErrorCode::kLimitExceeded, "a client may subscribe to at most ",
                      kMaxSubscribedCells, " cells");
  }
  cells_.insert(c);
  return {};
}

Status ClientInterest::set_scopes(std::vector<std::string> scopes) {
  if (scopes.size() > kMaxScopes) {
    return make_error(ErrorCode::kLimitExceeded, "a client may subscribe to at most ", kMaxScopes,
                      " scopes, got ", scopes.size());
  }
  scopes_ = std::set<std::string>(std::make_move_iterator(scopes.begin()),
                                  std::make_move_iterator(scopes.end()));
  return {};
}

Status ClientInterest::apply(const protocol::InterestUpdate& update) {
  std::set<Cell> cells = cells_;
  for (const auto& c : update.unsubscribe_cells) cells.erase(Cell{c.x, c.y, c.z});
  for (const auto& c : update.subscribe_cells) cells.insert(Cell{c.x, c.y, c.z});
  if (cells.size() > kMaxSubscribedCells) {
    return make_error(ErrorCode::kLimitExceeded, "interest update leaves ", cells.size(),
                      " subscribed cells; at most ", kMaxSubscribedCells);
  }
  THETA_TRY(set_scopes(update.scopes));
  cells_ = std::move(cells);
  set_view_distance(update.view_distance);
  return {};
}

std::size_t InterestGrid::CellHash::operator()(const Cell& c) const {
  std::uint64_t h = static_cast<std::uint32_t>(c.x);
  h = h * 0x9E3779B97F4A7C15ull ^ static_cast<std::uint32_t>(c.y);
  h = h * 0x9E3779B97F4A7C15ull ^ static_cast<std::uint32_t>(c.z);
  return static_cast<std::size_t>(h ^ (h >> 29));
}

InterestGrid::InterestGrid(InterestConfig config) : config_(config) {
  if (config_.cell_blocks < 1) config_.cell_blocks = 1;
}

Cell InterestGrid::cell_of(Fx x, Fx y, Fx z) const {
  const auto c = [&](Fx v) {
    return static_cast<std::int32_t>(floor_div<std::int64_t>(v.floor(), config_.cell_blocks));
  };
  return {c(x), c(y), c(z)};
}

void InterestGrid::place(EntityId id, Fx x, Fx y, Fx z) {
  place_in(id, cell_of(x, y, z));
}

void InterestGrid::place_in(EntityId id, Cell cell) {
  auto it = cell_of_.find(id);
  if (it != cell_of_.end()) {
    if (it->second == cell) return;
    remove(id);
  }
  cell_of_[id] = cell;
  cells_[cell].push_back(id);
}

void InterestGrid::remove(EntityId id) {
  auto it = cell_of_.find(id);
  if (it != cell_of_.end()) {
    auto& list = cells_[it->second];
    list.erase(std::find(list.begin(), list.end(), id));
    if (list.empty()) cells_.erase(it->second);
    cell_of_.erase(it);
  }
}

void InterestGrid::set_scopes(EntityId id, const std::vector<std::string>& scopes) {
  auto it = scopes_of_.find(id);
  if (it != scopes_of_.end()) {
    for (const auto& s : it->second) {
      auto& members = scoped_[s];
      members.erase(id);
      if (members.empty()) scoped_.erase(s);
    }
    scopes_of_.erase(it);
  }
  if (scopes.empty()) return;
  for (const auto& s : scopes) scoped_[s].insert(id);
  scopes_of_[id] = scopes;
}

std::uint32_t InterestGrid::distance(const ClientInterest& client, Cell c) const {
  const Cell o = client.center();
  return std::max({gap(c.x, o.x), gap(c.y, o.y), gap(c.z, o.z)});
}

void InterestGrid::visible(const ClientInterest& client, std::vector<VisibleEntity>& out) const {
  out.clear();
  const Cell o = client.center();
  const std::int64_t h = client.view_distance(), v = client.vertical_view_distance();
  auto in_view = [&](Cell c) {
    return gap(c.x, o.x) <= h && gap(c.z, o.z) <= h && gap(c.y, o.y) <= v;
  };
  auto add_cell = [&](Cell c, const std::vector<EntityId>& ids) {
    const std::uint32_t d = distance(client, c);
    for (EntityId id : ids) out.push_back({id, d});
  };
  // Walk whichever is smaller: the cells in view, or the occupied cells.
  const long double cube = static_cast<long double>(2 * h + 1) * (2 * h + 1) * (2 * v + 1);
  if (cube > static_cast<long double>(cells_.size())) {
    for (const auto& [cell, ids] : cells_) {
      if (in_view(cell)) add_cell(cell, ids);
    }
  } else {
    for (std::int64_t x = o.x - h; x <= o.x + h; ++x) {
      for (std::int64_t y = o.y - v; y <= o.y + v; ++y) {
        for (std::int64_t z = o.z - h; z <= o.z + h; ++z) {
          const Cell c{static_cast<std::int32_t>(x), static_cast<std::int32_t>(y),
                       static_cast<std::int32_t>(z)};
          auto it = cells_.find(c);
          if (it != cells_.end()) add_cell(c, it->second);
        }
      }
    }
  }
  for (const Cell& c : client.subscribed()) {
    if (in_view(c)) continue;  // already counted
    auto it = cells_.find(c);
    if (it != cells_.end()) add_cell(c, it->second);
  }
  auto add_entity = [&](EntityId id) {
    auto it = cell_of_.find(id);
    out.push_back({id, it == cell_of_.end() ? 0 : distance(client, it->second)});
  };
  for (const auto& scope : client.scopes()) {
    auto it = scoped_.find(scope);
    if (it == scoped_.end()) continue;
    for (EntityId id : it->second) add_entity(id);
  }
  for (EntityId id : client.always()) add_entity(id);
  std::sort(out.begin(), out.end(), [](const VisibleEntity& a, const VisibleEntity& b) {
    return a.id != b.id ? a.id < b.id : a.distance < b.distance;
  });
  out.erase(
      std::unique(out.begin(), out.end(),
                  [](const VisibleEntity& a, const VisibleEntity& b) { return a.id == b.id; }),
      out.end());
}

}  // namespace theta_net::replication
