// The schema and the writes of the collaboration fuzz run (collab_fuzz.hpp), every choice drawn
// from one seeded Rng. Five tables, one per conflict strategy, so every strategy meets
// concurrent writes (docs/collaboration.md, "theta-net collab fuzz"):
//   claims    server         claim.owner (int 0..255), claim.note (string <= 16)
//   cards     lww            card.title (string <= 16), card.x, card.y (int -1000..1000)
//   counters  merge:counter  count.n (int 0..1e9): a write adds 1..5 to what the writer sees
//   tags      merge:set      tagset.items (string <= 256, one element a line): add or remove one
//   docs      merge:text     doc.body (string <= 512, lines): insert, replace or delete a line
// A write reads the writer's view (its mirror with its pending writes on top) and changes one
// entity of one table, as an editor would: counters count up, sets and texts are edited, cards
// are moved, retitled and now and then removed (a later write creates them again).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>

#include "theta_net/core/rng.hpp"
#include "theta_net/data/data_schema.hpp"
#include "theta_net/data/store.hpp"
#include "theta_net/data/transaction.hpp"

namespace theta_net::session {

// The strategies the fuzz schema uses, in table order (the report's conflict keys).
inline constexpr std::array<std::string_view, 5> kCollabFuzzStrategies = {
    "server", "lww", "merge:counter", "merge:set", "merge:text"};

// The fuzz schema ("collab_fuzz" 1.0). Built once; the same object on every call.
std::shared_ptr<const data::DataSchema> collab_fuzz_schema();

class CollabFuzzWorkload {
 public:
  // `entities` per table (1..). `schema` is collab_fuzz_schema().
  CollabFuzzWorkload(std::shared_ptr<const data::DataSchema> schema, std::uint64_t entities,
                     Rng rng);

  // The server's initial state: every entity of every table, with its component at defaults
  // but for a seeded first line of text.
  data::Transaction populate() const;
  // One random write by writer `writer` (0..), made against `view` (what the writer sees).
  data::Transaction next_write(const data::Store& view, std::size_t writer);

 private:
  void claim(data::Transaction& tx, data::EntityId entity, std::size_t writer);
  void card(data::Transaction& tx, data::EntityId entity);
  void count(data::Transaction& tx, const data::Store& view, data::EntityId entity);
  void tag(data::Transaction& tx, const data::Store& view, data::EntityId entity);
  void edit(data::Transaction& tx, const data::Store& view, data::EntityId entity);

  std::shared_ptr<const data::DataSchema> schema_;
  std::uint64_t entities_;
  Rng rng_;
};

}  // namespace theta_net::session
