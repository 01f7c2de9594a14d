// The authoritative game and its record: the simulation, the world's blocks, the replicated data
// (GameData) and two streams. Everything that changes the game goes through here (a player joins
// or leaves, chats, writes data, or the tick is simulated with each player's input), so the
// input log written here is all a replay needs to rebuild the same game, and the event stream
// written here is what it must reproduce byte for byte (docs/replay.md). The network server
// drives it from the wire; the replay runner drives it from an input log.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "theta_net/data/data_host.hpp"
#include "theta_net/replay/event_writer.hpp"
#include "theta_net/session/game_commands.hpp"
#include "theta_net/session/game_data.hpp"
#include "theta_net/sim/simulation.hpp"
#include "theta_net/world/chunk_store.hpp"

namespace theta_net::session {

struct ServerWorldConfig {
  sim::Rules rules;
  // The world generator (a ChunkStore filler). It must be a pure function of the position, safe
  // to call from several threads at once: a GameServer's chunk workers call it beside the tick.
  world::ChunkFiller terrain;
  world::ChunkStoreConfig store;
  // Server-driven entities (none by default). Give them the world's seed and the default spread,
  // speed and stride: an input log records only their count, and a replay rebuilds them with
  // the header's world seed.
  sim::MobConfig mobs;
  std::uint32_t hash_interval = 20;  // a state_hash event every this many ticks (0 = never)
  // The data layer's tables: compose_game_schema's result (null: the reference tables alone).
  std::shared_ptr<const data::DataSchema> data_schema;
  data::DataHostConfig data;
  // Clients write as signed commands (GameCommands over the data host; docs/collaboration.md,
  // "In the reference game"): plain DataWrites are refused, conflicts are settled by the
  // schema's strategies, and commands, refusals and conflicts are recorded.
  bool signed_commands = false;
};

class ServerWorld {
 public:
  // `events` receives the authoritative event stream and `inputs` the input log; either may be
  // null. Both must outlive the world.
  ServerWorld(ServerWorldConfig config, replay::EventWriter* events = nullptr,
              replay::EventWriter* inputs = nullptr);

  // These take effect at the next tick (tick() + 1) and are recorded at it.
  sim::PlayerId join(const std::string& name);
  void leave(sim::PlayerId player, const std::string& reason);
  void chat(sim::PlayerId player, const std::string& text);
  // A player's data write (already normalised: GameData::normalise_write) goes to the data host
  // for `client`, its DataHost client; if the host commits it, it is recorded in the input log
  // (its ops, at the next tick). Returns whether it was committed.
  // Errors: those of DataHost::on_message.
  Result<bool> data_write(sim::PlayerId player, data::DataHost::ClientId client,
                          const protocol::DataWrite& write, Micros now);
  // The same ops committed without a client (the replay runner: a recorded write).
  // Errors: those of GameData::commit_recorded.
  Status data_write(sim::PlayerId player, std::uint32_t write_id, const std::vector<data::Op>& ops);

  // A data message for a signed-commands world (commands() set): taken at the next tick; a
  // refusal at arrival is recorded at it.
  // Errors: those of GameCommands::on_message.
  Status command_message(data::DataClientId client, const protocol::AnyMessage& message,
                         Micros now);
  // The replay runner's side of what a signed-commands world recorded during a tick's flush
  // (command_applied with its decoded ops, command_refused, conflict), in their order: the next
  // step commits and writes them where the live flush did.
  void replay_command(replay::JsonValue event, std::vector<data::Op> ops);

  // Simulates the next tick with each player's input (missing players stand still), brings the
  // players table up to date and closes the tick's data batch (stamped `now`, the server's clock:
  // for latency figures only, never recorded).
  sim::StepReport step(const std::map<sim::PlayerId, protocol::InputFrame>& inputs,
                       Micros now = Micros{0});
  // Records the end of the game in the input log: the first tick that was not simulated.
  void finish();
  // A session-layer record (a message refused for its sender's role, an admin's session
  // control; docs/replay.md), made at tick() + 1: written to the event stream and to the input
  // log, from which a replay writes it again as it was.
  void record_session(const replay::Event& event);
  // The replay runner's side of it: a recorded session record written to the event stream.
  void replay_session(const replay::JsonValue& event);

  std::uint32_t tick() const { return simulation_.tick(); }
  sim::Simulation& simulation() { return simulation_; }
  const sim::Simulation& simulation() const { return simulation_; }
  world::ChunkStore& chunks() { return store_; }
  // The data layer: clients, messages and drains go to data().host(); writes go through
  // data_write above, so that the input log holds them.
  GameData& data() { return data_; }
  const GameData& data() const { return data_; }
  // The signed commands (null unless config.signed_commands).
  GameCommands* commands() { return commands_.get(); }
  const GameCommands* commands() const { return commands_.get(); }
  // The first error of either stream (a full disk, a closed writer), if any.
  const Status& record_status() const { return record_status_; }

 private:
  void record(replay::EventWriter* writer, const replay::Event& event);
  void record(replay::EventWriter* writer, const replay::JsonValue& event);
  void record_commands();
  // The tick's data: the commands (live) or what they recorded (replay), then the flush.
  std::optional<DataBatchRecord> flush_data(Micros now);

  struct ReplayedCommand {
    replay::JsonValue event;
    std::vector<data::Op> ops;
  };

  ServerWorldConfig config_;
  world::ChunkStore store_;
  sim::Simulation simulation_;
  GameData data_;
  std::unique_ptr<GameCommands> commands_;  // with config.signed_commands
  std::vector<ReplayedCommand> replayed_commands_;
  replay::EventWriter* events_;
  replay::EventWriter* inputs_;
  replay::Event scratch_{0, "scratch"};
  Status record_status_;
};

// "12,64,-3": how block and chunk positions are written as event keys.
std::string position_key(std::int64_t x, std::int64_t y, std::int64_t z);

// An input as the input log records it, and back (the replay runner reads these).
void input_to_event(sim::PlayerId player, const protocol::InputFrame& input, replay::Event& out);
// A committed data write as the input log records it: entity (the player), write_id, ops (the
// count) and payload (the ops' wire form, docs/data.md, in hex).
void data_write_to_event(std::uint32_t tick, sim::PlayerId player, std::uint32_t write_id,
                         std::uint32_t ops, ByteSpan payload, replay::Event& out);

}  // namespace theta_net::session
