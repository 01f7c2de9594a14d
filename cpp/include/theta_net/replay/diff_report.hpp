// DiffReport: what the stream diff found, and its JSON form (the `--json` output of
// `theta-net replay diff`, parsed by theta_net.replay.diff). Stream A is the reference (the
// golden stream), B the candidate: "missing" events are in A only, "extra" ones in B only.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "theta_net/replay/json_value.hpp"

namespace theta_net::replay {

enum class DifferenceType : std::uint8_t { kMissing, kExtra, kChanged, kReordered, kSchema };
inline constexpr std::size_t kDifferenceTypeCount = 5;
std::string_view difference_type_name(DifferenceType type);  // "missing", ...

struct Difference {
  DifferenceType type = DifferenceType::kChanged;
  std::optional<std::int64_t> tick;  // none for a header (schema) difference
  std::string kind;
  std::optional<JsonValue> entity, key;  // the event's, when it has them
  std::uint32_t occurrence = 0;  // index among the tick's events with this kind, entity and key
  std::uint64_t line_a = 0, line_b = 0;  // line numbers; 0 where the event is not in that stream
  // changed, schema: the field and its value in each stream (absent: only the other has it).
  std::string field;
  std::optional<JsonValue> a, b;
  std::string section;             // changed state-hash events: the section that diverged
  std::optional<JsonValue> event;  // missing, extra: the event itself
  // reordered: the event's position among its tick's events in each stream (0-based).
  std::int64_t index_a = -1, index_b = -1;

  JsonValue to_json() const;
};

struct StateHashDivergence {
  std::int64_t tick = 0;
  std::string kind;
  std::vector<std::string> sections;  // every section that differs, sorted
};

struct DiffReport {
  bool equal = true;
  std::optional<std::int64_t> first_divergent_tick;          // of the first event difference
  std::vector<Difference> differences;                       // the first max_differences, in order
  std::array<std::uint64_t, kDifferenceTypeCount> counts{};  // all of them, by type
  bool truncated = false;                                    // more differences than were kept
  std::uint64_t events_a = 0, events_b = 0;
  std::optional<StateHashDivergence> first_state_hash_divergence;

  std::uint64_t count(DifferenceType type) const { return counts[static_cast<std::size_t>(type)]; }
  std::uint64_t total() const;

  // {"equal", "first_divergent_tick", "differences", "counts", "truncated", "events",
  //  "first_state_hash_divergence"}; docs/replay.md describes every field.
  JsonValue to_json() const;
};

}  // namespace theta_net::replay
