// The wire form of ops: the payload of DataBatch, DataWrite and DataSnapshotChunk messages.
//
//   payload  = op*                       (the count travels in the message)
//   op       = varint table, varint entity, u8 kind, body
//   upsert   = varint component mask, then per component in mask order:
//              varint field mask, then each field's value in mask order (FieldSpec::encode)
//   remove_components = varint component mask (non-zero)
//   remove_entity     = nothing
//
// Decoding is a border: every index, mask, count and length is checked against the schema and
// the limits before anything is allocated, and a payload with bytes after its last op is refused.
#pragma once

#include <cstdint>
#include <vector>

#include "theta_net/core/byte_io.hpp"
#include "theta_net/core/result.hpp"
#include "theta_net/data/data_schema.hpp"
#include "theta_net/data/ops.hpp"
#include "theta_net/data/store.hpp"

namespace theta_net::data {

struct OpLimits {
  std::size_t max_ops = 1u << 20;            // ops in one payload
  std::size_t max_payload_bytes = 8u << 20;  // the encoded payload
};

// Appends the ops' wire form (ops must pass Store::check; the encoder trusts them).
void encode_ops(const DataSchema& schema, const std::vector<Op>& ops, Bytes& out);
Bytes encode_ops(const DataSchema& schema, const std::vector<Op>& ops);

// Decodes exactly `count` ops filling the whole payload.
// Errors: kLimitExceeded (count over max_ops, a payload over max_payload_bytes), kTruncated (the
// payload ends inside an op, or is too short for `count` ops), kOutOfRange (a table, component
// or field index past the schema, a value outside its field's range, a text over its max),
// kCorrupt (an unknown op kind, an empty remove mask, a non-canonical varint, bytes after the
// last op), kOverflow (a varint over 64 bits).
Result<std::vector<Op>> decode_ops(const DataSchema& schema, ByteSpan payload, std::uint64_t count,
                                   OpLimits limits = {});

// A full snapshot of a store as payloads of about `chunk_bytes` each (at least one entity per
// chunk; an empty store is zero chunks), every entity an upsert of all its present components
// (an entity with none is an upsert with an empty component mask). Tables in schema order,
// entities in id order.
struct SnapshotChunkData {
  Bytes payload;
  std::uint32_t entities = 0;
};
std::vector<SnapshotChunkData> encode_snapshot(const Store& store, std::size_t chunk_bytes);

}  // namespace theta_net::data
