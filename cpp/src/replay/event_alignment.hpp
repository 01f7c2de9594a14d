// Private to the stream diff: lines up the events of one tick in two streams by (kind, entity,
// key, occurrence) and finds the ones whose relative order changed.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "theta_net/replay/tick_group_reader.hpp"

namespace theta_net::replay {

// An event's identity within its tick. Views into the tick's lines (or the aligner's arena for
// escaped strings, compared decoded so "\u0041" and "A" are one key).
struct EventIdentity {
  std::string_view kind;
  std::string_view entity;  // the value's text; empty when the event has none
  std::string_view key;
  std::uint32_t occurrence = 0;  // among the tick's events with the same kind, entity and key
  bool ignored = false;          // of an ignored kind
};

struct TickAlignment {
  std::vector<EventIdentity> a, b;        // by position in the tick
  std::vector<std::int32_t> b_of_a;       // the matching event in B, or -1
  std::vector<std::int32_t> a_of_b;       // the matching event in A, or -1
  std::vector<std::uint8_t> reordered_a;  // matched, but not in the longest common order
};

class EventAligner {
 public:
  explicit EventAligner(std::vector<std::string> ignore_kinds)
      : ignore_kinds_(std::move(ignore_kinds)) {}

  // The identities of one tick's events (for a tick present in one stream only).
  void identify(const TickGroup& group, std::vector<EventIdentity>& out);
  // Both ticks' identities, the matching and the reordering.
  void align(const TickGroup& a, const TickGroup& b, TickAlignment& out);

  // Releases the decoded strings of the last tick (call before the next tick).
  void clear() { arena_.clear(); }

 private:
  void read_identities(const TickGroup& group, std::vector<EventIdentity>& out);
  // An escaped string's canonical text (quoted: a JSON string token; else string contents).
  std::string_view decoded_string(std::string_view text, bool quoted);

  std::vector<std::string> ignore_kinds_;
  std::deque<std::string> arena_;  // stable addresses for decoded strings
  std::vector<std::uint32_t> order_a_, order_b_;
};

}  // namespace theta_net::replay
