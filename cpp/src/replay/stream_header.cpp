#include "theta_net/replay/stream_header.hpp"

#include <algorithm>
#include <charconv>

#include "theta_net/protocol/messages.hpp"

namespace theta_net::replay {

std::string hex_hash(std::uint64_t hash) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "0x";
  for (int shift = 60; shift >= 0; shift -= 4) out += kHex[(hash >> shift) & 15];
  return out;
}

StreamHeader StreamHeader::for_this_build(std::string scenario, std::uint64_t world_seed,
                                          std::uint32_t tick_rate, std::string role) {
  StreamHeader h;
  h.protocol_version = str_cat(protocol::kProtocolMajor, ".", protocol::kProtocolMinor);
  h.schema_hash = protocol::kSchemaHash;
  h.world_seed = world_seed;
  h.scenario = std::move(scenario);
  h.tick_rate = tick_rate;
  h.role = std::move(role);
  return h;
}

JsonValue StreamHeader::to_json() const {
  JsonObject members = extra;
  members.emplace_back("format_version", format_version);
  members.emplace_back("kind", "header");
  members.emplace_back("protocol_version", protocol_version);
  members.emplace_back("role", role);
  members.emplace_back("scenario", scenario);
  members.emplace_back("schema_hash", hex_hash(schema_hash));
  members.emplace_back("tick_rate", tick_rate);
  members.emplace_back("world_seed", world_seed);
  return JsonValue(std::move(members));
}

Status check_header(const JsonValue& value) {
  const JsonValue* kind = value.find("kind");
  if (kind == nullptr || !kind->is_string() || kind->as_string() != "header") {
    return make_error(ErrorCode::kCorrupt,
                      "the first line is not a stream header (an object with \"kind\": "
                      "\"header\"; docs/replay.md)");
  }
  const JsonValue* version = value.find("format_version");
  if (version == nullptr || version->type() != JsonValue::Type::kInt) {
    return make_error(ErrorCode::kCorrupt, "the header has no integer format_version");
  }
  if (version->as_int() != kEventStreamFormatVersion) {
    return make_error(ErrorCode::kUnsupportedVersion, "stream format version ", version->as_int(),
                      " (this build reads version ", kEventStreamFormatVersion, ")");
  }
  return {};
}

namespace {

Result<const JsonValue*> field(const JsonValue& header, const char* name, JsonValue::Type type) {
  const JsonValue* v = header.find(name);
  const bool integer_wanted = type == JsonValue::Type::kInt;
  if (v == nullptr || (integer_wanted ? !v->is_integer() : v->type() != type)) {
    return make_error(ErrorCode::kCorrupt, "the header field ", name, " is missing or not ",
                      integer_wanted ? "an integer" : "a string");
  }
  return v;
}

std::uint64_t as_u64(const JsonValue& v) {
  return v.type() == JsonValue::Type::kUint ? v.as_uint() : static_cast<std::uint64_t>(v.as_int());
}

}  // namespace

Result<StreamHeader> StreamHeader::from_json(const JsonValue& value) {
  THETA_TRY(check_header(value));
  using T = JsonValue::Type;
  StreamHeader h;
  THETA_TRY_ASSIGN(const JsonValue* protocol_version, field(value, "protocol_version", T::kString));
  THETA_TRY_ASSIGN(const JsonValue* schema_hash, field(value, "schema_hash", T::kString));
  THETA_TRY_ASSIGN(const JsonValue* world_seed, field(value, "world_seed", T::kInt));
  THETA_TRY_ASSIGN(const JsonValue* scenario, field(value, "scenario", T::kString));
  THETA_TRY_ASSIGN(const JsonValue* tick_rate, field(value, "tick_rate", T::kInt));
  THETA_TRY_ASSIGN(const JsonValue* role, field(value, "role", T::kString));

  const std::string& hash = schema_hash->as_string();
  const auto parsed = hash.size() == 18 && hash.starts_with("0x")
                          ? std::from_chars(hash.data() + 2, hash.data() + 18, h.schema_hash, 16)
                          : std::from_chars_result{nullptr, std::errc::invalid_argument};
  if (parsed.ec != std::errc() || parsed.ptr != hash.data() + 18) {
    return make_error(ErrorCode::kCorrupt, "the header's schema_hash '", hash,
                      "' is not \"0x\" and 16 hex digits");
  }
  if ((world_seed->type() == T::kInt && world_seed->as_int() < 0)) {
    return make_error(ErrorCode::kCorrupt, "the header's world_seed is negative");
  }
  if (tick_rate->type() != T::kInt || tick_rate->as_int() <= 0 || tick_rate->as_int() > 10000) {
    return make_error(ErrorCode::kCorrupt, "the header's tick_rate is not in 1..10000");
  }
  h.protocol_version = protocol_version->as_string();
  h.world_seed = as_u64(*world_seed);
  h.scenario = scenario->as_string();
  h.tick_rate = static_cast<std::uint32_t>(tick_rate->as_int());
  h.role = role->as_string();
  static constexpr std::string_view kKnown[] = {"format_version", "kind",      "protocol_version",
                                                "role",           "scenario",  "schema_hash",
                                                "tick_rate",      "world_seed"};
  for (const auto& [k, v] : value.as_object()) {
    if (std::find(std::begin(kKnown), std::end(kKnown), k) == std::end(kKnown)) {
      h.extra.emplace_back(k, v);
    }
  }
  return h;
}

}  // namespace theta_net::replay
