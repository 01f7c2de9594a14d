// State hashes: the divergence check's measure of a table (docs/data.md, "Divergence check").
//
// An entity's record is its id and component mask as varints, then the field values of its
// present components, in schema order, in wire form (FieldSpec::encode); Store::canonical_bytes
// is these records, table by table, in id order. An entity's state hash is SipHash-2-4 (key 0)
// of its record, and a table's state hash is the sum, modulo 2^64, of its entities' state
// hashes (0 for an empty table). A sum does not depend on the order the entities were inserted
// in, and it is kept up to date one entity at a time: Table::apply subtracts the hash of the
// entity an op touches before the op and adds it back after, so reading a table's hash costs
// nothing and a batch costs two entity hashes per op. Tables are hashed independently: a
// change to one leaves the others' hashes as they were.
#pragma once

#include <cstdint>
#include <utility>

#include "theta_net/core/byte_io.hpp"
#include "theta_net/core/varint.hpp"
#include "theta_net/data/data_schema.hpp"
#include "theta_net/data/ops.hpp"

namespace theta_net::data {

// Writes an entity's record. `value_of(component, field)` gives a present component's field
// value (a Value, or a reference to one).
template <class ValueOf>
void write_entity_record(const TableSpec& spec, EntityId id, std::uint64_t mask, ValueOf&& value_of,
                         ByteWriter& out) {
  write_varint(out, id);
  write_varint(out, mask);
  for (std::size_t c = 0; c < spec.components.size(); ++c) {
    if (!((mask >> c) & 1)) continue;
    const auto& fields = spec.components[c].fields;
    for (std::size_t f = 0; f < fields.size(); ++f) fields[f].encode(value_of(c, f), out);
  }
}

// The state hash of one entity record.
std::uint64_t entity_record_hash(ByteSpan record);

}  // namespace theta_net::data
