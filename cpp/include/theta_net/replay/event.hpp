// Event: one line of an event stream under construction. Every event has a tick and a kind, and
// an entity (an integer id) or a key (a string such as a chunk position) when it is about one
// thing: the diff aligns events by (tick, kind, entity/key, occurrence). The rest are fields of
// any JSON type. Reusing one Event (reset) keeps its storage, so a game emitting thousands of
// events per second allocates little.
//
//   Event e(tick, "block_edit");
//   e.key("12,64,-3").set("block", "stone").set("by", player_id);
//   THETA_TRY(writer.write(e));
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "theta_net/core/result.hpp"
#include "theta_net/replay/json_value.hpp"

namespace theta_net::replay {

class Event {
 public:
  Event(std::int64_t tick, std::string_view kind) { reset(tick, kind); }

  // Starts a new event, keeping the storage of the fields.
  void reset(std::int64_t tick, std::string_view kind);

  Event& entity(std::uint64_t id) { return set("entity", id); }
  Event& key(std::string_view key) { return set("key", key); }
  // Sets a field (replacing one of the same name). "tick" and "kind" are set by the constructor;
  // setting them here is an error the writer reports.
  Event& set(std::string_view field, JsonValue value);

  std::int64_t tick() const { return tick_; }
  std::string_view kind() const { return object_.as_object()[1].second.as_string(); }
  // The whole event as a JSON object (tick and kind included), in insertion order.
  const JsonValue& json() const { return object_; }
  // The first misuse of set(), if any.
  const Status& status() const { return status_; }

 private:
  std::int64_t tick_ = 0;
  JsonValue object_;  // members 0 and 1 are tick and kind
  Status status_;
};

}  // namespace theta_net::replay
