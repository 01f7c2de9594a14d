// GameCommands: signed commands in the reference game (ServerWorldConfig::signed_commands;
// docs/collaboration.md, "In the reference game"). A collab::CollabHost and a
// collab::ConflictResolver (the schema's strategies) over GameData's DataHost, and the records
// the server's two streams keep of them, so that a replay of the input log writes the same event
// stream without the keys or the sessions:
//   command_refused   a command the CollabHost refused (author, sequence, reason, text); made
//                     when it arrives ("stage": "arrival", between ticks) or when the tick's
//                     flush applies the waiting commands ("stage": "flush", a conflict)
//   command_applied   input log only: a command's ops as they were committed (after the
//                     resolver dropped or merged fields), which the replay commits again
//   conflict          every conflict the resolver logged (collab::conflict_event_json)
// The records are made as things happen and taken by ServerWorld, which stamps nothing: each
// record holds the tick it was made at (at_tick).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "theta_net/collab/collab_host.hpp"
#include "theta_net/collab/conflict_resolver.hpp"
#include "theta_net/replay/json_value.hpp"
#include "theta_net/session/game_data.hpp"

namespace theta_net::session {

struct CommandRecord {
  replay::JsonValue event;
  bool to_events = true;  // false: the input log only (command_applied)
  bool flush = false;     // made by the tick's flush (the replay makes it in the step)
};

class GameCommands {
 public:
  // `data` outlives this.
  explicit GameCommands(GameData& data);
  ~GameCommands();

  // A DataHost client (added there first) with its session's proven key and role.
  // Errors: those of CollabHost::add_client.
  Status add_client(data::DataClientId id, const Ed25519PublicKey& key, protocol::Role role);
  void remove_client(data::DataClientId id);
  // Errors: those of CollabHost::set_role.
  Status set_role(data::DataClientId id, protocol::Role role);

  // The tick records are made at from now on (the next tick while between ticks, the tick
  // being simulated during its step).
  void at_tick(std::uint32_t tick) { tick_ = tick; }
  // A data message from a client (CommandLogEntry, and the data layer's others).
  // Errors: those of CollabHost::on_message.
  Status on_message(data::DataClientId id, const protocol::AnyMessage& message, Micros now);
  // Applies the waiting commands and flushes the DataHost (CollabHost::flush); counts the
  // committed ops in `data` (count_committed).
  std::optional<data::Version> flush(Micros now);
  // The client's next messages within `credit` bytes (CollabHost::drain).
  std::vector<protocol::AnyMessage> drain(data::DataClientId id, std::size_t credit) {
    return host_->drain(id, credit);
  }
  // The records made since the last call, in the order they were made.
  std::vector<CommandRecord> take_records() { return std::exchange(records_, {}); }

  collab::CollabHost& host() { return *host_; }
  const collab::CollabHost& host() const { return *host_; }
  collab::ConflictResolver& resolver() { return resolver_; }
  const collab::ConflictResolver& resolver() const { return resolver_; }

 private:
  void on_refused(data::DataClientId id, const protocol::CommandResult& refusal);
  void on_committed(const std::vector<data::Op>& ops, const collab::CommandOrigin& origin);
  void take_conflicts();

  GameData& data_;
  collab::ConflictResolver resolver_;
  std::unique_ptr<collab::CollabHost> host_;
  std::map<data::DataClientId, Ed25519PublicKey> keys_;  // for the refusals' records
  std::vector<CommandRecord> records_;
  std::uint64_t conflicts_seen_ = 0;  // the resolver's log total already recorded
  std::uint32_t tick_ = 0;
  bool flushing_ = false;
};

}  // namespace theta_net::session
