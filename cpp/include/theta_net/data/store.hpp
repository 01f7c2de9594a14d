// Store: every table of a DataSchema at one version. The server's store is the truth; a
// ClientDB holds one per replica. apply() takes a whole batch or nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "theta_net/data/data_schema.hpp"
#include "theta_net/data/ops.hpp"
#include "theta_net/data/table.hpp"

namespace theta_net::data {

class Store {
 public:
  explicit Store(std::shared_ptr<const DataSchema> schema);
  Store(const Store& other);
  Store& operator=(const Store& other);
  // Moving keeps the tables' pointers into the schema valid (the schema object stays put).
  Store(Store&& other) noexcept;
  Store& operator=(Store&& other) noexcept;

  const DataSchema& schema() const { return *schema_; }
  const std::shared_ptr<const DataSchema>& schema_ptr() const { return schema_; }
  Version version() const { return version_; }
  std::size_t size() const;  // entities in all tables
  const Table& table(std::size_t index) const { return tables_[index]; }
  std::size_t table_count() const { return tables_.size(); }

  // Checks every op (Table::check_op, table indices) before changing anything.
  // Errors: kOutOfRange (a table index past the schema), and those of Table::check_op.
  Status check(const std::vector<Op>& ops) const;
  // Applies a batch whole: its base must be this version; afterwards version() == its version.
  // Errors: kState (base_version is not version(), or version is not above it), and those of
  // check (nothing is applied then).
  Status apply(const Batch& batch);
  // Applies ops without moving the version (a client's optimistic writes and their undo).
  // Errors: those of check.
  Status apply_ops(const std::vector<Op>& ops);
  // Sets the version (a client after a snapshot at that version).
  void set_version(Version version) { version_ = version; }
  // Replaces table `index` with the same table of `source` (a table resync), taken from it; the
  // version stays.
  // Errors: kOutOfRange (`index` past the schema), kInvalidArgument (`source` holds another
  // schema object: its tables point into that one).
  Status replace_table(std::size_t index, Store&& source);
  void clear();

  // Schema hash, version, then every table's entities in id order with their present
  // components' values in wire form: equal stores, equal bytes.
  Bytes canonical_bytes() const;
  // SipHash-2-4 of canonical_bytes() without the version (equal content, equal digest).
  std::uint64_t digest() const;
  std::size_t memory_bytes() const;
  bool operator==(const Store& other) const;  // content and version

 private:
  std::shared_ptr<const DataSchema> schema_;
  std::vector<Table> tables_;
  Version version_ = 0;
};

}  // namespace theta_net::data
