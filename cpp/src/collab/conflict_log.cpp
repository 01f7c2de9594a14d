#include "theta_net/collab/conflict_log.hpp"

#include <cmath>

#include "theta_net/core/json_writer.hpp"

namespace theta_net::collab {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void hex_string(JsonWriter& json, std::string_view bytes) {
  std::string text;
  text.reserve(bytes.size() * 2);
  for (char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    text += kHex[byte >> 4];
    text += kHex[byte & 15];
  }
  json.string(text);
}

void real(JsonWriter& json, double value) {
  if (std::isfinite(value)) {
    json.number(value);
  } else {
    json.null();  // a stored value is always finite; this keeps the line valid JSON regardless
  }
}

void code_element(JsonWriter& json, const data::FieldSpec& field, std::int64_t code) {
  switch (field.type) {
    case data::FieldType::kBool:
      json.boolean(code != 0);
      return;
    case data::FieldType::kEnum:
      if (code >= 0 && static_cast<std::size_t>(code) < field.enum_values.size()) {
        json.string(field.enum_values[static_cast<std::size_t>(code)]);
      } else {
        json.integer(code);
      }
      return;
    case data::FieldType::kFixed:
    case data::FieldType::kFloat:
      real(json, field.code_to_units(code));
      return;
    default:
      json.integer(code);
      return;
  }
}

void value_json(JsonWriter& json, const data::FieldSpec& field, const data::Value& value) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::int64_t>) {
          code_element(json, field, v);
        } else if constexpr (std::is_same_v<T, double>) {
          real(json, v);
        } else if constexpr (std::is_same_v<T, std::string>) {
          if (field.type == data::FieldType::kBytes) {
            hex_string(json, v);
          } else {
            json.string(v);
          }
        } else if constexpr (std::is_same_v<T, std::vector<std::int64_t>>) {
          json.begin_array();
          for (std::int64_t code : v) code_element(json, field, code);
          json.end_array();
        } else {
          json.begin_array();
          for (double x : v) real(json, x);
          json.end_array();
        }
      },
      value);
}

}  // namespace

std::string_view conflict_outcome_name(ConflictOutcome outcome) {
  switch (outcome) {
    case ConflictOutcome::kRefused:
      return "refused";
    case ConflictOutcome::kApplied:
      return "applied";
    case ConflictOutcome::kDropped:
      return "dropped";
    case ConflictOutcome::kMerged:
      return "merged";
  }
  return "invalid";
}

std::string author_hex(const AuthorKey& author) {
  std::string text;
  text.reserve(64);
  for (std::uint8_t byte : author) {
    text += kHex[byte >> 4];
    text += kHex[byte & 15];
  }
  return text;
}

void ConflictLog::add(ConflictRecord record) {
  ++total_;
  ++by_strategy_[record.strategy.text()];
  ++by_outcome_[std::string(conflict_outcome_name(record.outcome))];
  if (capacity_ == 0) {
    ++dropped_;
    return;
  }
  if (records_.size() == capacity_) {
    records_.pop_front();
    ++dropped_;
  }
  records_.push_back(std::move(record));
}

std::vector<ConflictRecord> ConflictLog::query(const ConflictQuery& query) const {
  std::vector<ConflictRecord> out;
  for (const ConflictRecord& record : records_) {
    if (out.size() >= query.limit) break;
    if (record.version < query.from_version || record.version > query.to_version) continue;
    if (query.table && record.table != *query.table) continue;
    if (query.entity && record.entity != *query.entity) continue;
    out.push_back(record);
  }
  return out;
}

std::string conflict_event_json(const ConflictRecord& record, const data::DataSchema& schema,
                                std::int64_t tick) {
  const data::TableSpec& table = schema.table(record.table);
  const data::ComponentSpec& component = table.components[record.component];
  const data::FieldSpec& field = component.fields[record.field];
  std::string out;
  JsonWriter json(out);
  json.begin_object();
  json.key("author");
  json.string(author_hex(record.author));
  json.key("base");
  if (record.base) {
    value_json(json, field, *record.base);
  } else {
    json.null();
  }
  json.key("base_version");
  json.integer(record.base_version);
  json.key("entity");
  json.integer(record.entity);
  json.key("fallback");
  json.string(merge_fallback_name(record.fallback));
  json.key("field");
  json.string(component.name + "." + field.name);
  json.key("kind");
  json.string("conflict");
  json.key("lamport");
  json.integer(record.lamport);
  json.key("mine");
  value_json(json, field, record.mine);
  json.key("outcome");
  json.string(conflict_outcome_name(record.outcome));
  json.key("result");
  value_json(json, field, record.result);
  json.key("strategy");
  json.string(record.strategy.text());
  json.key("table");
  json.string(table.name);
  json.key("their_author");
  json.string(author_hex(record.their_author));
  json.key("their_lamport");
  json.integer(record.their_lamport);
  json.key("their_version");
  json.integer(record.their_version);
  json.key("theirs");
  value_json(json, field, record.theirs);
  json.key("tick");
  json.integer(tick);
  json.key("version");
  json.integer(record.version);
  json.end_object();
  return out;
}

}  // namespace theta_net::collab
