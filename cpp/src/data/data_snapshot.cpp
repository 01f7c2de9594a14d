#include "theta_net/data/data_snapshot.hpp"

namespace theta_net::data {

std::shared_ptr<const DataSnapshot> build_snapshot(const Store& store, std::size_t chunk_bytes,
                                                   const DataInterest* interest,
                                                   const CellLocator* locate) {
  auto snapshot = std::make_shared<DataSnapshot>();
  snapshot->version = store.version();
  if (interest && interest->filters() && locate) {
    // The client's view as a store of its own, encoded like any other: one chunking rule.
    Store view(store.schema_ptr());
    std::vector<Op> rows;
    for (std::size_t t = 0; t < store.table_count(); ++t) {
      if (!interest->takes_table(t)) continue;
      const Table& table = store.table(t);
      for (std::size_t row = 0; row < table.size(); ++row) {
        if (interest->sees_row(store, t, row, *locate)) {
          rows.push_back(table.row_as_op(row, static_cast<std::uint16_t>(t)));
        }
      }
    }
    // Rows of the server's own store always pass its checks.
    (void)view.apply_ops(rows);
    view.set_version(store.version());
    snapshot->chunks = encode_snapshot(view, chunk_bytes);
  } else {
    snapshot->chunks = encode_snapshot(store, chunk_bytes);
  }
  for (const auto& chunk : snapshot->chunks) {
    snapshot->entities_total += chunk.entities;
    snapshot->bytes_total += chunk.payload.size();
  }
  return snapshot;
}

}  // namespace theta_net::data
