#include "theta_net/session/replay_runner.hpp"

#include <limits>
#include <map>
#include <optional>

#include "theta_net/core/text_list.hpp"
#include "theta_net/data/op_codec.hpp"
#include "theta_net/replay/event_reader.hpp"
#include "theta_net/sim/rules.hpp"
#include "theta_net/world/terrain_generator.hpp"

namespace theta_net::session {
namespace {

using replay::JsonValue;

Error bad(const replay::EventReader& reader, const std::string& what) {
  return make_error(ErrorCode::kCorrupt, reader.name(), ":", reader.line_number(), ": ", what);
}

Result<std::int64_t> int_field(const replay::EventReader& reader, const JsonValue& event,
                               const char* key) {
  const JsonValue* v = event.find(key);
  if (!v || !v->is_integer() || v->type() != JsonValue::Type::kInt) {
    return bad(reader, str_cat("the event has no integer '", key, "'"));
  }
  return v->as_int();
}

Result<std::string> string_field(const replay::EventReader& reader, const JsonValue& event,
                                 const char* key) {
  const JsonValue* v = event.find(key);
  if (!v || !v->is_string()) return bad(reader, str_cat("the event has no string '", key, "'"));
  return v->as_string();
}

template <class E>
Result<E> enum_field(const replay::EventReader& reader, const JsonValue& object, const char* key) {
  THETA_TRY_ASSIGN(std::string name, string_field(reader, object, key));
  auto value = protocol::enum_from_name<E>(name);
  if (!value) return bad(reader, str_cat("'", name, "' is not a ", protocol::EnumTraits<E>::kName));
  return *value;
}

template <class T>
Result<T> ranged(const replay::EventReader& reader, const JsonValue& event, const char* key) {
  THETA_TRY_ASSIGN(std::int64_t v, int_field(reader, event, key));
  if (v < std::numeric_limits<T>::min() || v > std::numeric_limits<T>::max()) {
    return bad(reader, str_cat("'", key, "' = ", v, " is out of range"));
  }
  return static_cast<T>(v);
}

Result<protocol::InputFrame> input_of(const replay::EventReader& reader, const JsonValue& e,
                                      std::uint32_t tick) {
  protocol::InputFrame in;
  in.tick = tick;
  THETA_TRY_ASSIGN(in.sequence, ranged<std::uint32_t>(reader, e, "sequence"));
  THETA_TRY_ASSIGN(in.buttons, ranged<std::uint8_t>(reader, e, "buttons"));
  THETA_TRY_ASSIGN(in.yaw, ranged<std::uint16_t>(reader, e, "yaw"));
  THETA_TRY_ASSIGN(in.pitch, ranged<std::int16_t>(reader, e, "pitch"));
  if (const JsonValue* block = e.find("block")) {
    protocol::BlockAction action;
    THETA_TRY_ASSIGN(action.kind, enum_field<protocol::BlockActionKind>(reader, *block, "kind"));
    THETA_TRY_ASSIGN(action.face, enum_field<protocol::BlockFace>(reader, *block, "face"));
    THETA_TRY_ASSIGN(action.block, ranged<std::uint16_t>(reader, *block, "block"));
    const JsonValue* at = block->find("at");
    if (!at || !at->is_array() || at->as_array().size() != 3)
      return bad(reader, "block.at is not [x, y, z]");
    std::int32_t xyz[3];
    for (int i = 0; i < 3; ++i) {
      const JsonValue& c = at->as_array()[static_cast<std::size_t>(i)];
      if (c.type() != JsonValue::Type::kInt || c.as_int() < INT32_MIN || c.as_int() > INT32_MAX) {
        return bad(reader, "block.at holds a non-integer");
      }
      xyz[i] = static_cast<std::int32_t>(c.as_int());
    }
    action.target = {xyz[0], xyz[1], xyz[2]};
    in.block = action;
  }
  if (const JsonValue* inv = e.find("inventory")) {
    protocol::InventoryOp op;
    THETA_TRY_ASSIGN(op.kind, enum_field<protocol::InventoryOpKind>(reader, *inv, "kind"));
    THETA_TRY_ASSIGN(op.slot, ranged<std::uint8_t>(reader, *inv, "slot"));
    THETA_TRY_ASSIGN(op.to_slot, ranged<std::uint8_t>(reader, *inv, "to_slot"));
    THETA_TRY_ASSIGN(op.count, ranged<std::uint8_t>(reader, *inv, "count"));
    in.inventory = op;
  }
  return in;
}

struct WorldSetup {
  world::TerrainKind terrain = world::TerrainKind::kSuperflat;
  std::uint32_t hash_interval = 20;
  world::WorldBounds bounds;
  std::uint32_t mobs = 0;
  std::shared_ptr<const data::DataSchema> data_schema;  // composed; null: the reference tables
};

// A recorded data write's ops, decoded against the world's data schema.
Result<std::vector<data::Op>> data_write_of(const replay::EventReader& reader, const JsonValue& e,
                                            const data::DataSchema& schema) {
  THETA_TRY_ASSIGN(std::uint32_t count, ranged<std::uint32_t>(reader, e, "ops"));
  THETA_TRY_ASSIGN(std::string hex, string_field(reader, e, "payload"));
  auto payload = hex_to_bytes(hex);
  if (!payload.ok()) return bad(reader, "payload: " + payload.error().message);
  auto ops = data::decode_ops(schema, *payload, count);
  if (!ops.ok()) return bad(reader, "payload: " + ops.error().describe());
  return std::move(*ops);
}

Result<WorldSetup> setup_from(const replay::EventReader& reader,
                              const replay::StreamHeader& header) {
  WorldSetup setup;
  for (const auto& [key, value] : header.extra) {
    if (key == "terrain") {
      const auto kind = value.is_string() ? world::terrain_named(value.as_string()) : std::nullopt;
      if (!kind) return bad(reader, "header terrain must be " + or_list(world::kTerrainNames));
      setup.terrain = *kind;
    } else if (key == "hash_interval") {
      if (value.type() != JsonValue::Type::kInt || value.as_int() < 0 ||
          value.as_int() > 1'000'000) {
        return bad(reader, "header hash_interval must be an integer 0..1000000");
      }
      setup.hash_interval = static_cast<std::uint32_t>(value.as_int());
    } else if (key == "mobs") {
      if (value.type() != JsonValue::Type::kInt || value.as_int() < 0 ||
          value.as_int() > sim::kMaxMobs) {
        return bad(reader, str_cat("header mobs must be an integer 0..", sim::kMaxMobs));
      }
      setup.mobs = static_cast<std::uint32_t>(value.as_int());
    } else if (key == "size") {
      const bool pair = value.is_array() && value.as_array().size() == 2;
      for (std::size_t i = 0; pair && i < 2; ++i) {
        const JsonValue& side = value.as_array()[i];
        if (side.type() != JsonValue::Type::kInt || side.as_int() < 1 ||
            side.as_int() > world::WorldBounds::kMaxSize) {
          return bad(reader, "header size must be [x, z] blocks, each 1..16777216");
        }
      }
      if (!pair) return bad(reader, "header size must be [x, z] blocks, each 1..16777216");
      setup.bounds = {static_cast<std::int32_t>(value.as_array()[0].as_int()),
                      static_cast<std::int32_t>(value.as_array()[1].as_int())};
    } else if (key == "data_schema") {
      if (!value.is_string()) return bad(reader, "header data_schema must be schema TOML text");
      auto user = data::DataSchema::from_toml(value.as_string());
      if (!user.ok()) return bad(reader, "header data_schema: " + user.error().describe());
      auto composed = compose_game_schema(*user);
      if (!composed.ok()) return bad(reader, "header data_schema: " + composed.error().message);
      setup.data_schema = std::move(*composed);
    }
  }
  return setup;
}

}  // namespace

replay::JsonObject world_header_extra(const std::string& terrain, std::uint32_t hash_interval,
                                      world::WorldBounds bounds, const data::DataSchema* user_data,
                                      std::uint32_t mobs) {
  replay::JsonObject extra;
  if (user_data) extra.emplace_back("data_schema", user_data->to_toml());
  extra.emplace_back("hash_interval", std::int64_t{hash_interval});
  if (mobs > 0) extra.emplace_back("mobs", std::int64_t{mobs});
  if (bounds.bounded()) {
    extra.emplace_back("size", replay::JsonArray{JsonValue(std::int64_t{bounds.size_x}),
                                                 JsonValue(std::int64_t{bounds.size_z})});
  }
  extra.emplace_back("terrain", terrain);
  return extra;
}

Result<replay::StreamHeader> server_header_for_replay(const std::string& input_path) {
  THETA_TRY_ASSIGN(auto reader, replay::EventReader::open(input_path));
  THETA_TRY_ASSIGN(replay::StreamHeader header, replay::StreamHeader::from_json(reader.header()));
  if (header.role != "inputs") {
    return make_error(ErrorCode::kInvalidArgument, input_path, " is a '", header.role,
                      "' stream, not an input log");
  }
  header.role = "server";
  return header;
}

Result<ReplaySummary> replay_input_log(const std::string& input_path, replay::EventWriter& out,
                                       const ReplayLimits& limits) {
  THETA_TRY_ASSIGN(auto reader, replay::EventReader::open(input_path));
  return replay_input_log(reader, out, limits);
}

Result<ReplaySummary> replay_input_log(replay::EventReader& reader, replay::EventWriter& out,
                                       const ReplayLimits& limits) {
  THETA_TRY_ASSIGN(replay::StreamHeader header, replay::StreamHeader::from_json(reader.header()));
  if (header.role != "inputs")
    return bad(reader, str_cat("a '", header.role, "' stream is not an input log"));
  if (!sim::is_supported_tick_rate(header.tick_rate)) {
    return bad(reader, "header tick_rate must be " + or_list(sim::kSupportedTickRates));
  }
  THETA_TRY_ASSIGN(WorldSetup setup, setup_from(reader, header));
  ServerWorldConfig config;
  config.rules.tick_rate = header.tick_rate;
  config.terrain = world::bounded_filler(
      world::TerrainGenerator({header.world_seed, setup.terrain, 62}).filler(), setup.bounds);
  config.hash_interval = setup.hash_interval;
  config.mobs.count = setup.mobs;
  config.mobs.seed = header.world_seed;
  config.data_schema = setup.data_schema;
  ServerWorld world(config, &out, nullptr);

  ReplaySummary summary;
  std::map<sim::PlayerId, protocol::InputFrame> inputs;
  std::optional<std::int64_t> end_tick;
  JsonValue event;
  // Simulates ticks up to (not including) `tick`, applying the inputs gathered for the next one.
  auto advance_to = [&](std::int64_t tick) {
    while (static_cast<std::int64_t>(world.tick()) + 1 < tick) {
      world.step(inputs);
      inputs.clear();
    }
  };
  for (;;) {
    THETA_TRY_ASSIGN(bool more, reader.next(event));
    if (!more) break;
    if (end_tick) return bad(reader, "events after the end event");
    THETA_TRY_ASSIGN(std::int64_t tick, int_field(reader, event, "tick"));
    if (tick < static_cast<std::int64_t>(world.tick()) + 1)
      return bad(reader, "an event for a tick already simulated");
    if (tick > std::int64_t{limits.max_ticks}) {
      return bad(reader,
                 str_cat("tick ", tick, " is beyond the replay limit of ", limits.max_ticks));
    }
    const std::string& kind = event.find("kind")->as_string();
    // Everything recorded at tick T happened before T was simulated: simulate up to T - 1 first.
    if (static_cast<std::int64_t>(world.tick()) + 1 < tick) {
      advance_to(tick);
    }
    if (kind == "end") {
      end_tick = tick;
      continue;
    }
    if (kind == "permission_denied" || kind == "session_control" || kind == "slow_frame") {
      // Session-layer records: the replay writes them again as the server did.
      world.replay_session(event);
      continue;
    }
    if (kind == "command_applied" || kind == "command_refused" || kind == "conflict") {
      // Signed commands (GameCommands): a refusal on arrival is written again now; what the
      // tick's flush did (ops committed, refusals, conflicts) is done again in its step.
      const JsonValue* stage = event.find("stage");
      if (kind == "command_refused" && stage && stage->is_string() &&
          stage->as_string() == "arrival") {
        world.replay_session(event);
        continue;
      }
      std::vector<data::Op> ops;
      if (kind == "command_applied") {
        THETA_TRY_ASSIGN(ops, data_write_of(reader, event, world.data().host().schema()));
      }
      world.replay_command(event, std::move(ops));
      continue;
    }
    THETA_TRY_ASSIGN(std::int64_t entity, int_field(reader, event, "entity"));
    if (kind == "input") {
      THETA_TRY_ASSIGN(protocol::InputFrame in,
                       input_of(reader, event, static_cast<std::uint32_t>(tick)));
      inputs[static_cast<sim::PlayerId>(entity)] = in;
      ++summary.inputs;
    } else if (kind == "join") {
      THETA_TRY_ASSIGN(std::string name, string_field(reader, event, "name"));
      const sim::PlayerId id = world.join(name);
      if (static_cast<std::int64_t>(id) != entity) {
        return bad(reader, str_cat("join of entity ", entity, " replays as entity ", id,
                                   ": the log is not from this game"));
      }
    } else if (kind == "leave") {
      THETA_TRY_ASSIGN(std::string reason, string_field(reader, event, "reason"));
      world.leave(static_cast<sim::PlayerId>(entity), reason);
    } else if (kind == "chat") {
      THETA_TRY_ASSIGN(std::string text, string_field(reader, event, "text"));
      world.chat(static_cast<sim::PlayerId>(entity), text);
    } else if (kind == "data_write") {
      THETA_TRY_ASSIGN(std::uint32_t write_id, ranged<std::uint32_t>(reader, event, "write_id"));
      THETA_TRY_ASSIGN(std::vector<data::Op> ops,
                       data_write_of(reader, event, world.data().host().schema()));
      if (Status committed = world.data_write(static_cast<sim::PlayerId>(entity), write_id, ops);
          !committed.ok()) {
        return bad(reader, "a data write the store refuses: " + committed.error().describe());
      }
    } else {
      return bad(reader, str_cat("unknown input-log event kind '", kind, "'"));
    }
  }
  if (!end_tick) return bad(reader, "the input log has no end event (was it cut short?)");
  // Every tick before the end one, the last with its inputs.
  advance_to(*end_tick);
  THETA_TRY(world.record_status());
  summary.ticks = world.tick();
  summary.events_written = out.events_written();
  return summary;
}

}  // namespace theta_net::session
