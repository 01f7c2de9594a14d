// ConflictStrategy: how the collaboration layer (collab/conflict_resolver.hpp) settles two
// concurrent writes to the same field, declared in the data schema per table and per field (a
// field's own declaration overrides its table's; neither: `server`). The data layer only
// declares and validates strategies; collab applies them (docs/collaboration.md, "Conflicts").
//
//   "server"          the first committed write wins; a later concurrent one is refused whole
//   "lww"             last writer wins, by Lamport clock, then author key
//   "merge:counter"   theirs + mine - base, clamped to the field's range (numeric fields)
//   "merge:set"       three-way union of newline-separated elements, removals win (text fields)
//   "merge:text"      three-way line merge (text fields)
//   "merge:<name>"    a merge the application registers under that name
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "theta_net/core/result.hpp"

namespace theta_net::data {

struct FieldSpec;

enum class ConflictKind : std::uint8_t { kServer = 0, kLww = 1, kMerge = 2 };

// The reference merges' names (after "merge:"); every other valid name is the application's.
inline constexpr std::string_view kCounterMerge = "counter";
inline constexpr std::string_view kSetMerge = "set";
inline constexpr std::string_view kTextMerge = "text";

struct ConflictStrategy {
  ConflictKind kind = ConflictKind::kServer;
  std::string merge;  // kMerge: the merge's name; empty otherwise

  static ConflictStrategy server() { return {}; }
  static ConflictStrategy lww() { return {ConflictKind::kLww, {}}; }
  static ConflictStrategy merge_by(std::string name) {
    return {ConflictKind::kMerge, std::move(name)};
  }

  // "server", "lww" or "merge:<name>", as written in schema TOML.
  std::string text() const;
  bool operator==(const ConflictStrategy&) const = default;
};

// Errors: kInvalidArgument (text that is not "server", "lww" or "merge:<name>" with a valid name:
// the message quotes it and lists the forms).
Result<ConflictStrategy> parse_conflict_strategy(std::string_view text);

// Checks a strategy on its own (a known kind; a merge named by a valid name, nothing else named).
// Errors: kInvalidArgument (naming what is wrong).
Status validate_conflict_strategy(const ConflictStrategy& strategy);

// Checks that a field can be settled by a strategy: merge:counter needs a numeric field (int,
// fixed, float or f64, arrays element by element), merge:set and merge:text a string or bytes
// field; server, lww and application merges take any field.
// Errors: kInvalidArgument (the message names the strategy, the field and its type).
Status check_strategy_fits(const ConflictStrategy& strategy, const FieldSpec& field);

}  // namespace theta_net::data
