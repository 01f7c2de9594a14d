// MergeRegistry: the merges a `merge:<name>` conflict strategy can name
// (data/conflict_strategy.hpp), by name: the reference merges (counter, set, text:
// conflict_reference_merges.hpp) and the application's own, registered as callbacks. The server's
// ConflictResolver and a client's ClientDB (through pending_write_merge) run the same registry, so
// a client shows the value the server will commit.
//
// A merge is a function of three values of one field: base (what the author saw when it wrote),
// mine (what it wrote) and theirs (what the store holds now, written concurrently by another
// author). The registry consults it only when both sides changed the field: when theirs equals
// base the result is mine, and when mine equals base it is theirs. A merge may decline
// (nullopt), and a result the field does not take (FieldSpec::check) counts as declined; the
// caller then settles the field by last-writer-wins and records why (MergeFallback).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "theta_net/core/result.hpp"
#include "theta_net/data/client_db.hpp"
#include "theta_net/data/data_schema.hpp"
#include "theta_net/data/field_spec.hpp"

namespace theta_net::collab {

// An application's merge: (field, base, mine, theirs) -> the merged value, or nullopt to
// decline. The field says what the values are (type, range, units). It must be a pure function
// of its arguments (the server's conflict log and every client's view depend on it giving the
// same value everywhere).
using MergeFunction =
    std::function<std::optional<data::Value>(const data::FieldSpec& field, const data::Value& base,
                                             const data::Value& mine, const data::Value& theirs)>;

// Why a merge strategy did not produce the value (the field was settled by lww instead).
enum class MergeFallback : std::uint8_t {
  kNone = 0,           // merged
  kNoBase = 1,         // the resolver's history no longer reaches back to the author's base
  kUnknownMerge = 2,   // no merge is registered under the strategy's name
  kDeclined = 3,       // the merge returned nullopt
  kInvalidResult = 4,  // the merge's value is not one the field takes (range, size, type)
};
// "none", "no_base", "unknown_merge", "declined", "invalid_result".
std::string_view merge_fallback_name(MergeFallback fallback);

struct MergeOutcome {
  std::optional<data::Value> value;  // set exactly when fallback is kNone
  MergeFallback fallback = MergeFallback::kNone;
};

class MergeRegistry {
 public:
  // Registers an application merge under `name` (used as "merge:<name>" in the schema).
  // Errors: kInvalidArgument (a name that is not 1..64 characters of [A-Za-z0-9_] not starting
  // with a digit, a reference merge's name: counter, set, text, or an empty function), kState (a
  // merge of that name is registered already).
  Status add(std::string name, MergeFunction merge);
  // Whether a merge of that name exists (the reference merges always do).
  bool has(std::string_view name) const;
  // The merge names the schema's strategies use that are not registered, sorted, each once: a
  // server checks this at start (a missing merge falls back to lww, with kUnknownMerge logged).
  std::vector<std::string> missing(const data::DataSchema& schema) const;

  // Merges one field's three values with the merge named `name` (see the rules above).
  MergeOutcome merge(const data::FieldSpec& field, std::string_view name, const data::Value& base,
                     const data::Value& mine, const data::Value& theirs) const;

  // ClientDB's hook (ClientDB::set_pending_merge): a copy of this registry as it is now, run for
  // each merge-strategy field of a pending write that a server batch changed beneath it; a
  // fallback shows mine, as lww would if this author's write wins.
  data::PendingFieldMerge pending_write_merge() const;

 private:
  std::map<std::string, MergeFunction, std::less<>> custom_;
};

}  // namespace theta_net::collab
