#include "theta_net/replay/diff_report.hpp"

namespace theta_net::replay {

std::string_view difference_type_name(DifferenceType type) {
  switch (type) {
    case DifferenceType::kMissing:
      return "missing";
    case DifferenceType::kExtra:
      return "extra";
    case DifferenceType::kChanged:
      return "changed";
    case DifferenceType::kReordered:
      return "reordered";
    case DifferenceType::kSchema:
      return "schema";
  }
  return "unknown";
}

JsonValue Difference::to_json() const {
  JsonValue out = JsonObject{};
  out.set("type", difference_type_name(type));
  out.set("tick", tick ? JsonValue(*tick) : JsonValue());
  if (type != DifferenceType::kSchema) {
    out.set("kind", kind);
    out.set("occurrence", occurrence);
    if (entity) out.set("entity", *entity);
    if (key) out.set("key", *key);
  }
  if (line_a != 0) out.set("line_a", line_a);
  if (line_b != 0) out.set("line_b", line_b);
  if (type == DifferenceType::kChanged || type == DifferenceType::kSchema) {
    out.set("field", field);
    if (a) out.set("a", *a);
    if (b) out.set("b", *b);
    if (!a || !b) out.set("only_in", a ? "a" : "b");
  }
  if (!section.empty()) out.set("section", section);
  if (event) out.set("event", *event);
  if (type == DifferenceType::kReordered) {
    out.set("index_a", index_a);
    out.set("index_b", index_b);
  }
  return out;
}

std::uint64_t DiffReport::total() const {
  std::uint64_t n = 0;
  for (std::uint64_t c : counts) n += c;
  return n;
}

JsonValue DiffReport::to_json() const {
  JsonValue out = JsonObject{};
  out.set("equal", equal);
  out.set("first_divergent_tick",
          first_divergent_tick ? JsonValue(*first_divergent_tick) : JsonValue());
  JsonValue counts_json = JsonObject{};
  for (std::size_t i = 0; i < kDifferenceTypeCount; ++i) {
    counts_json.set(difference_type_name(static_cast<DifferenceType>(i)), counts[i]);
  }
  out.set("counts", std::move(counts_json));
  out.set("truncated", truncated);
  out.set("events", JsonValue::object({{"a", events_a}, {"b", events_b}}));
  if (first_state_hash_divergence) {
    JsonArray sections;
    for (const std::string& s : first_state_hash_divergence->sections) sections.emplace_back(s);
    out.set("first_state_hash_divergence",
            JsonValue::object({{"tick", first_state_hash_divergence->tick},
                               {"kind", first_state_hash_divergence->kind},
                               {"sections", std::move(sections)}}));
  } else {
    out.set("first_state_hash_divergence", JsonValue());
  }
  JsonArray list;
  list.reserve(differences.size());
  for (const Difference& d : differences) list.push_back(d.to_json());
  out.set("differences", std::move(list));
  return out;
}

}  // namespace theta_net::replay
