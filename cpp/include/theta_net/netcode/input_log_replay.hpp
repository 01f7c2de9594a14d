// Plays an application's input log (input_log.hpp) into its own simulation, tick by tick, the
// way its server did: the application supplies an InputLogTarget (join, leave, step), and
// replay_input_log calls it in the order the log was written, stepping every tick from the
// first one through the tick before the log's end, with the inputs logged for that tick.
//
// This is the generic half of replaying a game from its inputs; the application's half is a
// target whose step runs the same simulation code its server runs, writing the same events. With
// a deterministic step, the stream it writes is the server's byte for byte.
//
// The log is checked as it is played (a border): joins of entities already present, leaves and
// inputs of entities that are not, two inputs of one entity at one tick, an input or the end at
// a tick already simulated, and ticks beyond the limit are refused with the file and line.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "theta_net/core/result.hpp"
#include "theta_net/netcode/input_log.hpp"

namespace theta_net::netcode {

struct LoggedInput {
  std::uint64_t entity = 0;
  std::span<const std::int64_t> codes;
};

class InputLogTarget {
 public:
  virtual ~InputLogTarget() = default;
  // `tick` is the last tick simulated: the player joins before tick + 1.
  // Errors: those of the application (replay_input_log stops with them).
  virtual Status join(std::uint32_t tick, std::uint64_t entity, const std::string& name) = 0;
  // The player leaves before tick + 1.
  // Errors: those of the application.
  virtual Status leave(std::uint32_t tick, std::uint64_t entity, const std::string& detail) = 0;
  // Simulates `tick` with the inputs logged for it, by ascending entity (a present player
  // without one has none here; the server logs every player's, so that is a log cut short).
  // Errors: those of the application.
  virtual Status step(std::uint32_t tick, std::span<const LoggedInput> inputs) = 0;
  // A record of the application's own, after the tick it names was simulated.
  // Errors: those of the application (none by default).
  virtual Status record(const replay::JsonValue& event) {
    (void)event;
    return {};
  }
};

struct InputLogReplayLimits {
  // A log whose ticks go beyond this is refused before they are simulated.
  std::uint32_t max_ticks = 10'000'000;
};

struct InputLogReplaySummary {
  std::uint32_t ticks = 0;  // simulated
  std::uint64_t inputs = 0;
  std::uint64_t joins = 0;
  std::uint64_t leaves = 0;
  bool ended = false;  // the log had its end record (false: it was cut short)
};

// Errors: those of InputLogReader::next and of the target's methods; kCorrupt (file:line: a join
// of an entity already present, a leave or an input of one that is not, two inputs of one
// entity for one tick, an input for a tick already simulated, an end at a tick already
// simulated); kLimitExceeded (a tick beyond limits.max_ticks, or an end after it).
Result<InputLogReplaySummary> replay_input_log(InputLogReader& log, InputLogTarget& target,
                                               const InputLogReplayLimits& limits = {});

}  // namespace theta_net::netcode
