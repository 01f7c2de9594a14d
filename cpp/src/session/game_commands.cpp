#include "theta_net/session/game_commands.hpp"

#include "theta_net/data/op_codec.hpp"
#include "theta_net/replay/event.hpp"
#include "theta_net/replay/json_parser.hpp"

namespace theta_net::session {

namespace {

collab::CommandContext context_of(const collab::CommandOrigin& origin) {
  return {origin.author, origin.lamport, origin.base_version};
}

}  // namespace

GameCommands::GameCommands(GameData& data)
    : data_(data),
      resolver_(data.host().store().schema_ptr(), collab::ConflictResolverConfig{},
                data.host().version()) {
  collab::CollabHostConfig config;
  config.may_command = protocol::role_may_command;
  config.resolver.resolve = [this](const std::vector<data::Op>& ops,
                                   const collab::CommandOrigin& origin, const data::Store& store) {
    auto resolved = resolver_.resolve(ops, context_of(origin), store);
    // Ops the store refuses: committed as they came, the commit refuses them as malformed.
    if (!resolved.ok()) return collab::WriteResolution{ops, 0, false, {}};
    return collab::WriteResolution{std::move(resolved->ops),
                                   static_cast<std::uint32_t>(resolved->conflicts.size()),
                                   resolved->refused, std::move(resolved->text)};
  };
  config.resolver.committed = [this](const std::vector<data::Op>& ops,
                                     const collab::CommandOrigin& origin, data::Version version) {
    resolver_.committed(ops, context_of(origin), version);
    on_committed(ops, origin);
  };
  config.on_refused = [this](data::DataClientId id, const protocol::CommandResult& refusal) {
    on_refused(id, refusal);
  };
  host_ = std::make_unique<collab::CollabHost>(data_.host(), std::move(config));
}

GameCommands::~GameCommands() = default;

Status GameCommands::add_client(data::DataClientId id, const Ed25519PublicKey& key,
                                protocol::Role role) {
  THETA_TRY(host_->add_client(id, key, role));
  keys_[id] = key;
  return {};
}

void GameCommands::remove_client(data::DataClientId id) {
  host_->remove_client(id);
  keys_.erase(id);
}

Status GameCommands::set_role(data::DataClientId id, protocol::Role role) {
  return host_->set_role(id, role);
}

Status GameCommands::on_message(data::DataClientId id, const protocol::AnyMessage& message,
                                Micros now) {
  return host_->on_message(id, message, now);
}

std::optional<data::Version> GameCommands::flush(Micros now) {
  flushing_ = true;
  const std::optional<data::Version> closed = host_->flush(now);
  flushing_ = false;
  take_conflicts();
  return closed;
}

void GameCommands::on_refused(data::DataClientId id, const protocol::CommandResult& refusal) {
  replay::Event e(tick_, "command_refused");
  if (const auto key = keys_.find(id); key != keys_.end()) {
    e.set("author", collab::author_hex(key->second));
  }
  e.set("sequence", static_cast<std::int64_t>(refusal.sequence))
      .set("reason",
           std::string(refusal.reason ? protocol::enum_name(*refusal.reason).value_or("?") : "?"))
      .set("text", refusal.text)
      .set("stage", std::string(flushing_ ? "flush" : "arrival"));
  records_.push_back({e.json(), true, flushing_});
}

void GameCommands::on_committed(const std::vector<data::Op>& ops,
                                const collab::CommandOrigin& origin) {
  data_.count_committed(ops.size());
  // The ops as committed (after the resolver), for the replay to commit again.
  const Bytes payload = data::encode_ops(data_.host().schema(), ops);
  replay::Event e(tick_, "command_applied");
  e.set("author", collab::author_hex(origin.author))
      .set("sequence", static_cast<std::int64_t>(origin.sequence))
      .set("lamport", static_cast<std::int64_t>(origin.lamport))
      .set("ops", static_cast<std::int64_t>(ops.size()))
      .set("payload", bytes_to_hex(payload));
  records_.push_back({e.json(), false, true});
}

void GameCommands::take_conflicts() {
  const collab::ConflictLog& log = resolver_.log();
  const std::uint64_t fresh = log.total() - conflicts_seen_;
  conflicts_seen_ = log.total();
  const std::deque<collab::ConflictRecord>& kept = log.records();
  // The newest `fresh` records (all of them unless more came in one flush than the log keeps).
  const std::size_t first = fresh < kept.size() ? kept.size() - fresh : 0;
  for (std::size_t i = first; i < kept.size(); ++i) {
    const std::string line = collab::conflict_event_json(kept[i], data_.host().schema(), tick_);
    auto parsed = replay::parse_json(line);
    if (parsed.ok()) records_.push_back({std::move(*parsed), true, true});
  }
}

}  // namespace theta_net::session
