// Fuzzes the data layer's borders: schema TOML (DataSchema::from_toml) and op payloads
// (decode_ops, the body of DataBatch, DataWrite and DataSnapshotChunk) against the arena schema.
// Each must refuse bad input with an error, never read out of bounds or allocate without bound,
// and what it accepts must be valid:
//   schema  its canonical TOML parses back to an equal schema with equal hashes and text;
//   ops     they re-encode to the same bytes (one encoding per value), apply to a store whole,
//           and the store survives a snapshot round trip unchanged.
//
// Input: byte 0 picks the target (even: schema text, odd: ops); for ops, byte 1 is the op
// count and the rest is the payload.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "arena_schema_text.hpp"
#include "theta_net/data/op_codec.hpp"
#include "theta_net/data/store.hpp"

namespace {

using namespace theta_net;
using namespace theta_net::data;

const std::shared_ptr<const DataSchema>& arena() {
  static const auto schema = DataSchema::from_toml(fuzzing::kArenaToml).value();
  return schema;
}

void fuzz_schema_text(std::string_view text) {
  auto schema = DataSchema::from_toml(text);
  if (!schema.ok()) return;
  const std::string canonical = (*schema)->to_toml();
  auto again = DataSchema::from_toml(canonical);
  if (!again.ok()) std::abort();  // the canonical writer produced text its reader refuses
  if (!(**again == **schema) || (*again)->hashes() != (*schema)->hashes()) std::abort();
  if ((*again)->to_toml() != canonical) std::abort();
  // A store of the parsed schema holds the snapshot of nothing and digests deterministically.
  Store store(*schema);
  if (store.digest() != Store(*again).digest()) std::abort();
}

void fuzz_ops(std::uint64_t count, ByteSpan payload) {
  const auto& schema = arena();
  OpLimits limits;
  limits.max_payload_bytes = 1 << 16;
  auto ops = decode_ops(*schema, payload, count, limits);
  if (!ops.ok()) return;
  if (ops->size() != count) std::abort();
  const Bytes encoded = encode_ops(*schema, *ops);
  if (encoded.size() != payload.size() ||
      !std::equal(encoded.begin(), encoded.end(), payload.begin())) {
    std::abort();  // an accepted payload must be the one encoding of its ops
  }
  Store store(schema);
  if (!store.apply(Batch{0, 1, Micros{0}, *ops}).ok()) std::abort();  // decoded ops are valid

  Store replica(schema);
  for (const auto& chunk : encode_snapshot(store, 256)) {
    auto chunk_ops = decode_ops(*schema, chunk.payload, chunk.entities);
    if (!chunk_ops.ok() || !replica.apply_ops(*chunk_ops).ok()) std::abort();
  }
  replica.set_version(store.version());
  if (!(replica == store) || replica.canonical_bytes() != store.canonical_bytes()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  if ((data[0] & 1) == 0) {
    fuzz_schema_text(std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
  } else if (size >= 2) {
    fuzz_ops(data[1], ByteSpan(data + 2, size - 2));
  }
  return 0;
}
