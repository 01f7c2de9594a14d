// Interest management: which entities each client sees. Entities are placed in a grid of cubic
// cells (16 blocks by default, a chunk); a client sees the cells within its view distance of
// its centre, plus cells it subscribed to, plus every entity of a tool scope it subscribed to
// (an editor's selection, a debug overlay: "scopes"), plus entities it always sees (its own
// player). An entity entering or leaving that set spawns or despawns for that client only: the
// entity bitstream codes the client's view against what the client holds.
//
// visible() lists entities in id order with their distance in cells, so results never depend
// on hash-map order.
#pragma once

#include <compare>
#include <cstdint>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "theta_net/core/fixed_point.hpp"
#include "theta_net/core/result.hpp"
#include "theta_net/protocol/messages.hpp"
#include "theta_net/replication/component_type.hpp"

namespace theta_net::replication {

struct Cell {
  std::int32_t x = 0, y = 0, z = 0;
  auto operator<=>(const Cell&) const = default;
};

struct InterestConfig {
  int cell_blocks = 16;  // cell edge in blocks
};

struct VisibleEntity {
  EntityId id = 0;
  std::uint32_t distance = 0;  // Chebyshev distance in cells from the client's centre
  bool operator==(const VisibleEntity&) const = default;
};

// What one client wants to see.
class ClientInterest {
 public:
  static constexpr std::size_t kMaxSubscribedCells = 4096;
  static constexpr std::size_t kMaxScopes = 64;

  void set_center(Cell c) { center_ = c; }
  Cell center() const { return center_; }
  // In cells; the vertical distance defaults to the horizontal one.
  void set_view_distance(std::uint32_t cells) { view_ = vertical_ = cells; }
  void set_vertical_view_distance(std::uint32_t cells) { vertical_ = cells; }
  std::uint32_t view_distance() const { return view_; }
  std::uint32_t vertical_view_distance() const { return vertical_; }

  // Errors: kLimitExceeded (kMaxSubscribedCells other cells are subscribed already).
  Status subscribe(Cell c);
  void unsubscribe(Cell c) { cells_.erase(c); }
  // Replaces the scopes.
  // Errors: kLimitExceeded (more than kMaxScopes scopes).
  Status set_scopes(std::vector<std::string> scopes);
  void always_see(EntityId id) { always_.insert(id); }
  void stop_always_seeing(EntityId id) { always_.erase(id); }

  // A client's InterestUpdate (view distance in cells = chunks, cells, scopes). Checked whole
  // against the limits before anything changes.
  // Errors: kLimitExceeded (more than kMaxSubscribedCells cells after the update, or more than
  // kMaxScopes scopes).
  Status apply(const protocol::InterestUpdate& update);

  const std::set<Cell>& subscribed() const { return cells_; }
  const std::set<std::string>& scopes() const { return scopes_; }
  const std::set<EntityId>& always() const { return always_; }

 private:
  Cell center_;
  std::uint32_t view_ = 4, vertical_ = 4;
  std::set<Cell> cells_;
  std::set<std::string> scopes_;
  std::set<EntityId> always_;
};

class InterestGrid {
 public:
  explicit InterestGrid(InterestConfig config = {});

  Cell cell_of(Fx x, Fx y, Fx z) const;
  // Places or moves an entity.
  void place(EntityId id, Fx x, Fx y, Fx z);
  void place_in(EntityId id, Cell cell);
  // Takes the entity out of the grid (its scopes stay).
  void remove(EntityId id);
  // Takes the entity out of the grid and of every scope.
  void forget(EntityId id) {
    remove(id);
    set_scopes(id, {});
  }
  // Forgets every entity for which keep(id) is false (entities that left the world).
  template <class Keep>
  void retain(Keep&& keep) {
    std::vector<EntityId> gone;
    for (const auto& [id, cell] : cell_of_) {
      if (!keep(id)) gone.push_back(id);
    }
    for (const auto& [id, scopes] : scopes_of_) {
      if (!keep(id)) gone.push_back(id);
    }
    for (EntityId id : gone) forget(id);
  }
  // The tool scopes an entity belongs to (replacing earlier ones; empty = none).
  void set_scopes(EntityId id, const std::vector<std::string>& scopes);
  std::size_t size() const { return cell_of_.size(); }

  // The entities `client` sees, in id order (out is replaced).
  void visible(const ClientInterest& client, std::vector<VisibleEntity>& out) const;

 private:
  struct CellHash {
    std::size_t operator()(const Cell& c) const;
  };
  std::uint32_t distance(const ClientInterest& client, Cell c) const;

  InterestConfig config_;
  std::unordered_map<Cell, std::vector<EntityId>, CellHash> cells_;
  std::unordered_map<EntityId, Cell> cell_of_;
  std::unordered_map<std::string, std::set<EntityId>> scoped_;
  std::unordered_map<EntityId, std::vector<std::string>> scopes_of_;
};

}  // namespace theta_net::replication
