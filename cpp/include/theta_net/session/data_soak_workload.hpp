// The data the soak tool (data_soak.hpp) replicates and the writes it makes, every choice drawn
// from one seeded Rng. One table, "units", of entities 1..E with three components:
//   position  x, y, z     fixed point (8 fraction bits, +-4096 blocks)
//   health    hp, armor   int 0..1000 (default 100), int 0..100
//   tag       name, team  string (<= 16 bytes), enum red | blue | green
// A write is one transaction on one entity: mostly moves and health changes, sometimes a new
// name or team, now and then a removed tag or a removed entity (a later write creates it again).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "theta_net/core/rng.hpp"
#include "theta_net/data/data_schema.hpp"
#include "theta_net/data/transaction.hpp"

namespace theta_net::session {

// The soak's schema ("soak" 1.0). Built once; the same object on every call.
std::shared_ptr<const data::DataSchema> soak_schema();

class SoakWorkload {
 public:
  // `schema` is soak_schema() (or a compatible one the writes are made against).
  SoakWorkload(std::shared_ptr<const data::DataSchema> schema, std::uint64_t entities, Rng rng);

  // Entities first..first+count-1 with every component set: the server's initial state.
  data::Transaction populate(std::uint64_t first, std::uint64_t count);
  // One random write on one random entity.
  data::Transaction next_write();
  // Who makes the next write: the server with probability `server_share`, else one of
  // `clients` uniformly (the index).
  std::optional<std::size_t> next_writer(std::size_t clients, double server_share);

  std::uint64_t entities() const { return entities_; }

 private:
  void set_position(data::Transaction& tx, std::uint64_t entity);
  void set_health(data::Transaction& tx, std::uint64_t entity);
  void set_tag(data::Transaction& tx, std::uint64_t entity, bool name, bool team);

  std::shared_ptr<const data::DataSchema> schema_;
  std::uint64_t entities_;
  Rng rng_;
};

}  // namespace theta_net::session
