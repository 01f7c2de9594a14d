// DataSchema: the tables a game replicates through the data layer, declared by the user in TOML
// (parsed with toml++), in C++ (make) or in Python, and frozen into an immutable, shared schema.
//
//   [schema]                    name and version "MAJOR.MINOR" (a minor adds optional fields)
//   name = "arena"
//   version = "1.1"
//   [[table]]                   a table holds entities (u64 ids) with components
//   name = "players"
//   spatial = { component = "position", x = "x", y = "y", z = "z" }   # optional: interest cells
//   [[table.component]]
//   name = "health"
//   fields = [
//     { name = "hp", type = "int", min = 0, max = 100, default = 100 },
//     { name = "title", type = "string", max = 32, since = "1.1" },   # appended later: optional
//     { name = "score", type = "int", min = 0, max = 999, conflict = "merge:counter" },
//   ]
//
// `conflict` (a [[table]] key, and a field key that overrides it) declares how the collaboration
// layer settles concurrent writes: "server" (the default), "lww", "merge:counter", "merge:set",
// "merge:text" or "merge:<name>" (conflict_strategy.hpp). It is part of the schema hash.
//
// Field types and their keys are in field_spec.hpp and docs/data.md. Order is meaning: tables,
// components and fields are numbered in the order declared, and that is how they travel.
//
// Identity: a component's id is SipHash-2-4 (all-zero key) of "table.component", like
// replication::component_id; the schema hash at minor m is SipHash-2-4 of the canonical bytes of
// the schema restricted to fields with since_minor <= m. Two peers agree when the hash at the
// lower of their two minors is equal: an appended optional field is a compatible change.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "theta_net/core/result.hpp"
#include "theta_net/data/field_spec.hpp"

namespace theta_net::data {

inline constexpr std::size_t kMaxTables = 64;
inline constexpr std::size_t kMaxComponentsPerTable = 64;  // a component mask is one u64
inline constexpr std::size_t kMaxFieldsPerComponent = 64;  // a field mask is one u64
inline constexpr std::size_t kMaxSchemaTextBytes = 256 * 1024;

struct ComponentSpec {
  std::string name;
  std::vector<FieldSpec> fields;
  std::uint64_t id = 0;                           // set by DataSchema::make
  int field_index(std::string_view field) const;  // -1 when absent
  bool operator==(const ComponentSpec&) const = default;
};

// Where a table's entities are in space, for interest by cell: a component and its three
// numeric fields (int, fixed or float), in blocks.
struct SpatialSpec {
  std::string component;
  std::string x = "x", y = "y", z = "z";
  bool operator==(const SpatialSpec&) const = default;
};

struct TableSpec {
  std::string name;
  std::vector<ComponentSpec> components;
  std::optional<SpatialSpec> spatial;
  // How concurrent writes to its fields are settled when a field declares nothing itself;
  // none: `server` (conflict_strategy.hpp).
  std::optional<ConflictStrategy> conflict;
  int component_index(std::string_view component) const;  // -1 when absent
  // The strategy that settles a field: its own, else the table's, else `server`. The indices
  // must be valid.
  const ConflictStrategy& conflict_strategy(std::size_t component, std::size_t field) const;
  bool operator==(const TableSpec&) const = default;
};

class DataSchema {
 public:
  // Validates and freezes: names (1..kMaxNameBytes, unique within their scope), counts, every
  // field (FieldSpec::validate), `since` never above the schema's minor, a field with since > 0
  // only after every field with a lower since in its component, a spatial spec naming numeric
  // fields of one of the table's components, conflict strategies that are well formed and fit
  // the fields they settle (a table's strategy is checked against each field that inherits it).
  // Errors: kInvalidArgument (naming the table, component or field and the rule broken; a
  // strategy error names "table.component.field"),
  // kLimitExceeded (more than kMaxTables tables, kMaxComponentsPerTable components or
  // kMaxFieldsPerComponent fields).
  static Result<std::shared_ptr<const DataSchema>> make(std::string name, std::uint16_t major,
                                                        std::uint16_t minor,
                                                        std::vector<TableSpec> tables);
  // Parses schema TOML (a border: text from a file or from the wire).
  // Errors: kLimitExceeded (text over kMaxSchemaTextBytes), kCorrupt (TOML that does not parse:
  // the message gives line and column), kInvalidArgument (a missing or mistyped key, an unknown
  // key, a bad version string, and those of make).
  static Result<std::shared_ptr<const DataSchema>> from_toml(std::string_view text);

  // The canonical TOML of this schema: from_toml(to_toml()) == *this, and equal schemas give
  // equal text (this is what travels in a full sync).
  std::string to_toml() const;

  const std::string& name() const { return name_; }
  std::uint16_t major() const { return major_; }
  std::uint16_t minor() const { return minor_; }
  const std::vector<TableSpec>& tables() const { return tables_; }
  const TableSpec& table(std::size_t index) const { return tables_[index]; }
  int table_index(std::string_view table) const;  // -1 when absent

  // The hash at this schema's own minor, and at every minor 0..minor() (index = minor).
  std::uint64_t hash() const { return hashes_.back(); }
  const std::vector<std::uint64_t>& hashes() const { return hashes_; }
  // Whether a peer announcing `peer_hashes` (its hash at minors 0..its minor, same major) can
  // exchange data with this schema: the hashes at the lower minor agree.
  bool compatible_with(const std::vector<std::uint64_t>& peer_hashes) const;

  bool operator==(const DataSchema& other) const;

 private:
  std::string name_;
  std::uint16_t major_ = 1, minor_ = 0;
  std::vector<TableSpec> tables_;
  std::vector<std::uint64_t> hashes_;
};

}  // namespace theta_net::data
