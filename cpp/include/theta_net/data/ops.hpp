// Ops: the changes a data batch carries, in memory. A batch is what one version of the store
// adds to the one before (docs/data.md); the same ops describe a client's local write, and a
// snapshot chunk is a list of upserts of whole entities.
//
//   upsert          set some fields of some components of an entity; a component the entity
//                   lacks is created with its defaults first; an absent entity is created
//   remove_components  drop components (an entity left with none stays, with no components)
//   remove_entity   drop the entity and everything it holds
//
// Within one op, components are in schema order and fields in component order, each at most
// once: the encoding (op_codec.hpp) depends on it and the decoder checks it.
#pragma once

#include <cstdint>
#include <vector>

#include "theta_net/core/time.hpp"
#include "theta_net/data/field_spec.hpp"

namespace theta_net::data {

using EntityId = std::uint64_t;
using Version = std::uint64_t;

enum class OpKind : std::uint8_t { kUpsert = 0, kRemoveComponents = 1, kRemoveEntity = 2 };

struct FieldWrite {
  std::uint16_t field = 0;  // index in its component
  Value value;
  bool operator==(const FieldWrite&) const = default;
};

struct ComponentWrite {
  std::uint16_t component = 0;  // index in its table
  std::vector<FieldWrite> fields;
  bool operator==(const ComponentWrite&) const = default;
};

struct Op {
  std::uint16_t table = 0;
  EntityId entity = 0;
  OpKind kind = OpKind::kUpsert;
  std::vector<ComponentWrite> writes;  // kUpsert
  std::uint64_t components = 0;        // kRemoveComponents: the mask of components to drop
  bool operator==(const Op&) const = default;
};

// One committed version: applying `ops` to the store at base_version gives `version`.
struct Batch {
  Version base_version = 0;
  Version version = 0;
  Micros committed_at{0};  // the server's clock when the batch was closed (latency figures)
  std::vector<Op> ops;
  bool operator==(const Batch&) const = default;
};

}  // namespace theta_net::data
