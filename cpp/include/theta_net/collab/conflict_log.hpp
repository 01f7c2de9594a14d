// ConflictLog: every conflict a ConflictResolver settled, oldest first, bounded (the oldest go
// first past `capacity`; counts by strategy and outcome cover every conflict ever recorded), and
// queryable by table, entity and version range. conflict_event_json makes one conflict an event
// of the server's JSONL event stream (docs/collaboration.md, "Conflicts").
#pragma once

#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "theta_net/collab/conflict_history.hpp"
#include "theta_net/collab/conflict_merge.hpp"
#include "theta_net/data/conflict_strategy.hpp"
#include "theta_net/data/data_schema.hpp"

namespace theta_net::collab {

enum class ConflictOutcome : std::uint8_t {
  kRefused = 0,  // server: the whole command was refused (the author rolls its write back)
  kApplied = 1,  // lww (or a merge's fallback): the incoming write won and was committed
  kDropped = 2,  // lww (or a merge's fallback): the incoming write lost; the field kept theirs
  kMerged = 3,   // merge: the field was committed as the merge of base, mine and theirs
};
// "refused", "applied", "dropped", "merged".
std::string_view conflict_outcome_name(ConflictOutcome outcome);

// One field of one command that met another author's concurrent write.
struct ConflictRecord {
  // The version the command was committed in; for a refusal, the version the open batch had.
  data::Version version = 0;
  std::uint16_t table = 0;
  data::EntityId entity = 0;
  std::uint16_t component = 0;
  std::uint16_t field = 0;
  AuthorKey author{};  // the incoming write's ("mine")
  std::uint64_t lamport = 0;
  data::Version base_version = 0;
  AuthorKey their_author{};  // the concurrent committed write's
  std::uint64_t their_lamport = 0;
  data::Version their_version = 0;
  std::optional<data::Value> base;  // none: the history no longer reaches back to base_version
  data::Value mine;
  data::Value theirs;  // the field's value when the command came
  data::Value result;  // what the field holds after it
  data::ConflictStrategy strategy;
  ConflictOutcome outcome = ConflictOutcome::kRefused;
  MergeFallback fallback = MergeFallback::kNone;  // a merge settled by lww instead: why
  bool operator==(const ConflictRecord&) const = default;
};

struct ConflictQuery {
  std::optional<std::uint16_t> table;
  std::optional<data::EntityId> entity;
  data::Version from_version = 0;                                        // inclusive
  data::Version to_version = std::numeric_limits<data::Version>::max();  // inclusive
  std::size_t limit = std::numeric_limits<std::size_t>::max();  // the oldest matching first
};

class ConflictLog {
 public:
  explicit ConflictLog(std::size_t capacity = 4096) : capacity_(capacity) {}

  void add(ConflictRecord record);
  std::vector<ConflictRecord> query(const ConflictQuery& query) const;
  const std::deque<ConflictRecord>& records() const { return records_; }
  std::size_t size() const { return records_.size(); }
  std::size_t capacity() const { return capacity_; }
  std::uint64_t total() const { return total_; }      // ever recorded
  std::uint64_t dropped() const { return dropped_; }  // let go for the bound
  // Conflicts ever recorded, by strategy text ("server", "lww", "merge:counter", ...).
  const std::map<std::string, std::uint64_t>& by_strategy() const { return by_strategy_; }
  // Conflicts ever recorded, by outcome name ("refused", "applied", "dropped", "merged").
  const std::map<std::string, std::uint64_t>& by_outcome() const { return by_outcome_; }

 private:
  std::size_t capacity_;
  std::deque<ConflictRecord> records_;
  std::uint64_t total_ = 0, dropped_ = 0;
  std::map<std::string, std::uint64_t> by_strategy_, by_outcome_;
};

// One conflict as a JSON object (one line of the server's event stream, without the newline):
// {"author","base","base_version","entity","fallback","field","kind":"conflict","lamport","mine",
//  "outcome","result","strategy","table","their_author","their_lamport","their_version",
//  "theirs","tick","version"}, keys in byte order (the event stream's canonical form). Authors
// are 64 hex digits; "field" is "component.field"; values are in user units as the data layer's
// Python API shows them (bools, enum names, fixed and float in units, bytes as hex digits, arrays
// as lists); "base" is null when the history no longer reached it. The record must belong to
// `schema` (its indices are looked up there).
std::string conflict_event_json(const ConflictRecord& record, const data::DataSchema& schema,
                                std::int64_t tick);

// An author key as 64 lower-case hex digits.
std::string author_hex(const AuthorKey& author);

}  // namespace theta_net::collab
