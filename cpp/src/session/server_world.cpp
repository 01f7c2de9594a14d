#include "theta_net/session/server_world.hpp"

#include "theta_net/data/op_codec.hpp"
#include "theta_net/replay/stream_header.hpp"

namespace theta_net::session {

std::string position_key(std::int64_t x, std::int64_t y, std::int64_t z) {
  return str_cat(x, ",", y, ",", z);
}

void input_to_event(sim::PlayerId player, const protocol::InputFrame& input, replay::Event& e) {
  e.reset(input.tick, "input");
  e.entity(player)
      .set("sequence", std::int64_t{input.sequence})
      .set("buttons", std::int64_t{input.buttons});
  e.set("yaw", std::int64_t{input.yaw}).set("pitch", std::int64_t{input.pitch});
  if (input.block) {
    replay::JsonObject block;
    block.emplace_back("kind", std::string(protocol::enum_name(input.block->kind).value_or("?")));
    block.emplace_back("at",
                       replay::JsonArray{replay::JsonValue(std::int64_t{input.block->target.x}),
                                         replay::JsonValue(std::int64_t{input.block->target.y}),
                                         replay::JsonValue(std::int64_t{input.block->target.z})});
    block.emplace_back("face", std::string(protocol::enum_name(input.block->face).value_or("?")));
    block.emplace_back("block", std::int64_t{input.block->block});
    e.set("block", replay::JsonValue(std::move(block)));
  }
  if (input.inventory) {
    replay::JsonObject inv;
    inv.emplace_back("kind", std::string(protocol::enum_name(input.inventory->kind).value_or("?")));
    inv.emplace_back("slot", std::int64_t{input.inventory->slot});
    inv.emplace_back("to_slot", std::int64_t{input.inventory->to_slot});
    inv.emplace_back("count", std::int64_t{input.inventory->count});
    e.set("inventory", replay::JsonValue(std::move(inv)));
  }
}

void data_write_to_event(std::uint32_t tick, sim::PlayerId player, std::uint32_t write_id,
                         std::uint32_t ops, ByteSpan payload, replay::Event& e) {
  e.reset(tick, "data_write");
  e.entity(player)
      .set("write_id", std::int64_t{write_id})
      .set("ops", std::int64_t{ops})
      .set("payload", bytes_to_hex(payload));
}

ServerWorld::ServerWorld(ServerWorldConfig config, replay::EventWriter* events,
                         replay::EventWriter* inputs)
    : config_(std::move(config)),
      store_(config_.terrain, config_.store),
      simulation_(config_.rules, store_, config_.mobs),
      data_(config_.data_schema, config_.data),
      commands_(config_.signed_commands ? std::make_unique<GameCommands>(data_) : nullptr),
      events_(events),
      inputs_(inputs) {}

void ServerWorld::record(replay::EventWriter* writer, const replay::Event& event) {
  if (!writer) return;
  Status written = writer->write(event);
  if (!written.ok() && record_status_.ok()) record_status_ = std::move(written);
}

void ServerWorld::record(replay::EventWriter* writer, const replay::JsonValue& event) {
  if (!writer) return;
  Status written = writer->write(event);
  if (!written.ok() && record_status_.ok()) record_status_ = std::move(written);
}

void ServerWorld::record_session(const replay::Event& event) {
  record(inputs_, event);
  record(events_, event);
}

void ServerWorld::replay_session(const replay::JsonValue& event) {
  record(events_, event);
}

sim::PlayerId ServerWorld::join(const std::string& name) {
  const sim::PlayerId id = simulation_.add_player(name);
  const std::int64_t at = simulation_.tick() + 1;
  scratch_.reset(at, "join");
  scratch_.entity(id).set("name", name);
  record(inputs_, scratch_);
  const sim::Vec3 p = simulation_.player(id)->state.position;
  scratch_.set("spawn", replay::JsonArray{replay::JsonValue(p.x.to_double()),
                                          replay::JsonValue(p.y.to_double()),
                                          replay::JsonValue(p.z.to_double())});
  record(events_, scratch_);
  return id;
}

void ServerWorld::leave(sim::PlayerId player, const std::string& reason) {
  if (!simulation_.player(player)) return;
  simulation_.remove_player(player);
  scratch_.reset(simulation_.tick() + 1, "leave");
  scratch_.entity(player).set("reason", reason);
  record(inputs_, scratch_);
  record(events_, scratch_);
}

void ServerWorld::chat(sim::PlayerId player, const std::string& text) {
  scratch_.reset(simulation_.tick() + 1, "chat");
  scratch_.entity(player).set("text", text);
  record(inputs_, scratch_);
  record(events_, scratch_);
}

Result<bool> ServerWorld::data_write(sim::PlayerId player, data::DataHost::ClientId client,
                                     const protocol::DataWrite& write, Micros now) {
  const data::DataClientStats* before = data_.host().stats(client);
  const std::uint64_t accepted = before ? before->writes_accepted : 0;
  THETA_TRY(data_.host().on_message(client, write, now));
  const data::DataClientStats* after = data_.host().stats(client);
  if (!after || after->writes_accepted == accepted) return false;
  if (write.ops == 0) return true;  // confirmed without a commit: nothing to replay
  data_.count_committed(write.ops);
  data_write_to_event(simulation_.tick() + 1, player, write.write_id, write.ops, write.payload,
                      scratch_);
  record(inputs_, scratch_);
  return true;
}

Status ServerWorld::data_write(sim::PlayerId player, std::uint32_t write_id,
                               const std::vector<data::Op>& ops) {
  THETA_TRY(data_.commit_recorded(ops));
  if (inputs_) {
    const Bytes payload = data::encode_ops(data_.host().schema(), ops);
    data_write_to_event(simulation_.tick() + 1, player, write_id,
                        static_cast<std::uint32_t>(ops.size()), payload, scratch_);
    record(inputs_, scratch_);
  }
  return {};
}

Status ServerWorld::command_message(data::DataClientId client, const protocol::AnyMessage& message,
                                    Micros now) {
  if (!commands_) return make_error(ErrorCode::kState, "this world takes no signed commands");
  commands_->at_tick(simulation_.tick() + 1);
  Status taken = commands_->on_message(client, message, now);
  record_commands();
  return taken;
}

void ServerWorld::replay_command(replay::JsonValue event, std::vector<data::Op> ops) {
  replayed_commands_.push_back({std::move(event), std::move(ops)});
}

void ServerWorld::record_commands() {
  for (const CommandRecord& r : commands_->take_records()) {
    record(inputs_, r.event);
    if (r.to_events) record(events_, r.event);
  }
}

std::optional<DataBatchRecord> ServerWorld::flush_data(Micros now) {
  if (commands_) {
    commands_->at_tick(simulation_.tick());
    const std::optional<data::Version> closed = commands_->flush(now);
    record_commands();
    return data_.closed(closed);
  }
  for (ReplayedCommand& c : std::exchange(replayed_commands_, {})) {
    const replay::JsonValue* kind = c.event.find("kind");
    if (kind && kind->is_string() && kind->as_string() == "command_applied") {
      // What the live store took, in the same batch: a refusal here is a log from elsewhere.
      if (Status committed = data_.commit_recorded(c.ops); !committed.ok() && record_status_.ok()) {
        record_status_ = std::move(committed);
      }
    } else {
      record(events_, c.event);
    }
  }
  return data_.flush(now);
}

void ServerWorld::finish() {
  scratch_.reset(simulation_.tick() + 1, "end");
  record(inputs_, scratch_);
}

sim::StepReport ServerWorld::step(const std::map<sim::PlayerId, protocol::InputFrame>& inputs,
                                  Micros now) {
  const std::uint32_t tick = simulation_.tick() + 1;
  for (const auto& [player, input] : inputs) {
    protocol::InputFrame at_tick = input;
    at_tick.tick = tick;  // the tick it is applied at, whatever the client stamped
    input_to_event(player, at_tick, scratch_);
    record(inputs_, scratch_);
  }
  sim::StepReport report = simulation_.step(inputs);
  for (const sim::BlockEdit& edit : report.edits) {
    scratch_.reset(tick, "block_edit");
    scratch_.key(position_key(edit.pos.x, edit.pos.y, edit.pos.z));
    scratch_.set("before", std::int64_t{edit.before})
        .set("after", std::int64_t{edit.after})
        .set("by", std::int64_t{edit.by});
    record(events_, scratch_);
  }
  for (const sim::RejectedAction& rejected : report.rejected) {
    scratch_.reset(tick, "action_rejected");
    scratch_.entity(rejected.player).set("reason", rejected.reason);
    record(events_, scratch_);
  }
  for (sim::PlayerId player : report.respawned) {
    scratch_.reset(tick, "respawn");
    scratch_.entity(player);
    record(events_, scratch_);
  }
  data_.update_players(simulation_, report);
  if (const std::optional<DataBatchRecord> batch = flush_data(now)) {
    scratch_.reset(tick, "data_batch");
    scratch_.set("version", static_cast<std::int64_t>(batch->version))
        .set("ops", static_cast<std::int64_t>(batch->ops))
        .set("digest", replay::hex_hash(batch->digest));
    record(events_, scratch_);
  }
  if (config_.hash_interval != 0 && tick % config_.hash_interval == 0) {
    const sim::SectionHashes h = simulation_.hashes();
    scratch_.reset(tick, "state_hash");
    scratch_.set("players", replay::hex_hash(h.players))
        .set("entities", replay::hex_hash(h.entities))
        .set("chunks", replay::hex_hash(h.chunks));
    record(events_, scratch_);
  }
  return report;
}

}  // namespace theta_net::session
