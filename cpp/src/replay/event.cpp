#include "theta_net/replay/event.hpp"

namespace theta_net::replay {

void Event::reset(std::int64_t tick, std::string_view kind) {
  tick_ = tick;
  status_ = Status();
  if (!object_.is_object()) object_ = JsonObject{};
  JsonObject& members = object_.as_object();
  members.resize(2);  // keeps the vector's capacity for the next event's fields
  members[0].first = "tick";
  members[0].second = tick;
  members[1].first = "kind";
  members[1].second = kind;
}

Event& Event::set(std::string_view field, JsonValue value) {
  if (field == "tick" || field == "kind") {
    if (status_.ok()) {
      status_ = make_error(ErrorCode::kInvalidArgument, "an event's ", field,
                           " is given to its constructor, not set()");
    }
    return *this;
  }
  JsonObject& members = object_.as_object();
  for (std::size_t i = 2; i < members.size(); ++i) {
    if (members[i].first == field) {
      members[i].second = std::move(value);
      return *this;
    }
  }
  members.emplace_back(std::string(field), std::move(value));
  return *this;
}

}  // namespace theta_net::replay
