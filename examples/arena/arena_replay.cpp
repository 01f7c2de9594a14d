#include "arena_replay.hpp"

#include <theta_net/replay/event_writer.hpp>
#include <vector>

namespace arena {

namespace replay = theta_net::replay;
using theta_net::ErrorCode;
using theta_net::make_error;
using theta_net::Status;

namespace {

// Plays each logged record into the World.
class WorldTarget : public theta_net::netcode::InputLogTarget {
 public:
  WorldTarget(World& world, const theta_net::netcode::InputLogReader& log)
      : world_(world), log_(log) {}

  Status join(std::uint32_t, std::uint64_t entity, const std::string& name) override {
    const std::uint64_t joined = world_.join(name);
    if (joined == entity) return {};
    return make_error(ErrorCode::kCorrupt, log_.name(), ":", log_.line_number(), ": entity ",
                      entity, " joins as entity ", joined, " in the replay");
  }
  Status leave(std::uint32_t, std::uint64_t entity, const std::string& detail) override {
    world_.leave(entity, detail);
    return {};
  }
  Status step(std::uint32_t, std::span<const theta_net::netcode::LoggedInput> inputs) override {
    std::vector<TickInput> tick;
    tick.reserve(inputs.size());
    for (const auto& in : inputs) tick.push_back({in.entity, input_from_codes(in.codes)});
    world_.step(tick);
    return {};
  }

 private:
  World& world_;
  const theta_net::netcode::InputLogReader& log_;
};

theta_net::Result<std::int64_t> header_int(const replay::StreamHeader& header, const char* key,
                                           std::int64_t max) {
  for (const auto& [name, value] : header.extra) {
    if (name != key) continue;
    if (value.type() != replay::JsonValue::Type::kInt || value.as_int() < 0 ||
        value.as_int() > max) {
      break;
    }
    return value.as_int();
  }
  return make_error(ErrorCode::kCorrupt, "the header has no integer '", key, "' in 0..", max);
}

}  // namespace

replay::JsonObject world_header_extra(const WorldConfig& config) {
  return {{"hash_interval", config.hash_interval},
          {"fire_cooldown_ticks", config.fire_cooldown_ticks},
          {"max_rewind_us", config.max_rewind.count()}};
}

theta_net::Result<WorldConfig> world_config_from(const replay::StreamHeader& header) {
  WorldConfig c;
  c.tick_rate = header.tick_rate;
  THETA_TRY_ASSIGN(std::int64_t hash, header_int(header, "hash_interval", 1'000'000));
  THETA_TRY_ASSIGN(std::int64_t cooldown, header_int(header, "fire_cooldown_ticks", 1'000'000));
  THETA_TRY_ASSIGN(std::int64_t rewind, header_int(header, "max_rewind_us", 60'000'000));
  c.hash_interval = static_cast<std::uint32_t>(hash);
  c.fire_cooldown_ticks = static_cast<std::uint32_t>(cooldown);
  c.max_rewind = Micros(rewind);
  return c;
}

theta_net::Result<ReplayReport> replay_match(const std::string& input_log,
                                             const std::string& events_path) {
  THETA_TRY_ASSIGN(auto log, theta_net::netcode::InputLogReader::open(input_log, input_schema()));
  THETA_TRY_ASSIGN(WorldConfig config, world_config_from(log.header()));
  replay::StreamHeader server = log.header();
  server.role = "server";
  std::erase_if(server.extra, [](const auto& m) { return m.first == "input_schema"; });
  THETA_TRY_ASSIGN(auto events, replay::EventWriter::open(events_path, server));
  World world(config, &events);
  WorldTarget target(world, log);
  ReplayReport report;
  THETA_TRY_ASSIGN(report.log, theta_net::netcode::replay_input_log(log, target));
  THETA_TRY(events.close());
  report.world = world.stats();
  report.state_digest = world.digest();
  return report;
}

}  // namespace arena
