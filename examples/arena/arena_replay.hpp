// The arena played again from its server's input log (netcode/input_log.hpp): a World (the
// same simulation the live Server runs) stepped with the logged inputs, writing the server's
// event stream again. With the arena's exact step the replay is the live stream byte for byte, on
// any machine; a difference after a change of code is where the change altered the game, and the
// stream diff names the tick.
#pragma once

#include <string>
#include <theta_net/core/result.hpp>
#include <theta_net/netcode/input_log_replay.hpp>
#include <theta_net/replay/stream_header.hpp>

#include "arena_world.hpp"

namespace arena {

// The fields both headers (the input log's and the server stream's) carry so that a replay
// builds the same World: hash_interval, fire_cooldown_ticks, max_rewind_us.
theta_net::replay::JsonObject world_header_extra(const WorldConfig& config);
// The World a header describes (its tick rate and world_header_extra's fields).
// Errors: kCorrupt (a missing field, or one that is not an integer in its range).
theta_net::Result<WorldConfig> world_config_from(const theta_net::replay::StreamHeader& header);

struct ReplayReport {
  theta_net::netcode::InputLogReplaySummary log;
  WorldStats world;
  std::uint64_t state_digest = 0;
};

// Replays the input log at `input_log` and writes the server stream to `events_path` (its
// header: the log's, as the server's).
// Errors: those of InputLogReader::open, netcode::replay_input_log, world_config_from and
// EventWriter::open and close; kCorrupt (a join that replays as another entity).
theta_net::Result<ReplayReport> replay_match(const std::string& input_log,
                                             const std::string& events_path);

}  // namespace arena
