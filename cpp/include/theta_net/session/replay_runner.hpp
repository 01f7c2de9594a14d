// The replay runner (docs/replay.md): reads an input log written by a ServerWorld and runs a
// headless ServerWorld on it, tick by tick, writing the authoritative event stream again. With a
// deterministic simulation the result is the original server stream byte for byte, in every run
// and every build type; a difference is a determinism bug, and the stream diff says at which tick
// and in which part of the state it began.
//
// The input log's header carries what the world needs besides the inputs: the seed, the tick
// rate, and in its extra fields the terrain ("superflat" or "hills"), the state-hash interval,
// for a bounded world its size ([x, z] blocks), the number of mobs when there are any (mobs), and,
// when the application added data tables, their schema (data_schema: its canonical TOML).
// Lines, in tick order: join (entity, name), leave (entity, reason), chat (entity, text), input
// (entity, sequence, buttons, yaw, pitch, block?, inventory?), data_write (entity, write_id, ops,
// payload: the committed ops in hex), permission_denied and session_control (session-layer
// records, written to the stream again as they are), and one end (the first tick that was not
// simulated).
#pragma once

#include <cstdint>
#include <string>

#include "theta_net/replay/event_reader.hpp"
#include "theta_net/replay/event_writer.hpp"
#include "theta_net/replay/stream_header.hpp"
#include "theta_net/session/server_world.hpp"
#include "theta_net/world/world_bounds.hpp"

namespace theta_net::session {

struct ReplaySummary {
  std::uint32_t ticks = 0;
  std::uint64_t inputs = 0;
  std::uint64_t events_written = 0;
};

// The fields a LocalGame or server writes into both headers so that a replay can rebuild the
// world (see above).
// `user_data` is the application's data schema (before composing), if any.
replay::JsonObject world_header_extra(const std::string& terrain, std::uint32_t hash_interval,
                                      world::WorldBounds bounds = {},
                                      const data::DataSchema* user_data = nullptr,
                                      std::uint32_t mobs = 0);

struct ReplayLimits {
  // A log whose ticks go beyond this is refused before it is simulated (about 5.8 days at 20 Hz).
  std::uint32_t max_ticks = 10'000'000;
};

// Replays the input log at `input_path` into `out` (whose header the caller chose; normally the
// original server stream's, see server_header_for_replay).
// Errors: those of EventReader::open and EventReader::next; kCorrupt (file:line: a header or
// event that is not an input log's, a missing or mistyped field, an out-of-range value, a tick
// already simulated or beyond limits.max_ticks, events after `end`, a join that replays as
// another entity, a header data_schema that does not parse or compose, a data write whose
// payload does not decode or that the store refuses); and those of EventWriter::write, which
// ServerWorld::record_status keeps.
Result<ReplaySummary> replay_input_log(const std::string& input_path, replay::EventWriter& out,
                                       const ReplayLimits& limits = {});
// The same from a reader positioned after the header (fuzzing reads from memory).
// Errors: the same but those of opening the file.
Result<ReplaySummary> replay_input_log(replay::EventReader& reader, replay::EventWriter& out,
                                       const ReplayLimits& limits = {});

// The header the original server stream of this input log had.
// Errors: those of EventReader::open and StreamHeader::from_json, kInvalidArgument (the file is
// not an input log: its header names another role).
Result<replay::StreamHeader> server_header_for_replay(const std::string& input_path);

}  // namespace theta_net::session
