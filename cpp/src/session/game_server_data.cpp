// GameServer's side of the data layer: each connection's DataHost client (and, in a world that
// takes signed commands, its CollabHost client with the session's key and role), the data
// messages it sends, and what the host has for it within its budget (game_server.hpp).
#include "game_server_client.hpp"
#include "theta_net/protocol/message_codec.hpp"
#include "theta_net/session/game_server.hpp"

namespace theta_net::session {

using protocol::AnyMessage;

namespace {

// The first protocol minor with CommandResult.
constexpr std::uint16_t kSignedCommandsMinor = 3;

// Data batches go zstd'd (above the DataHost's threshold) when the session negotiated it.
bool compression(const protocol::SessionRecord& session) {
  return (session.capabilities & protocol::capabilities_bits::kCompression) != 0;
}

}  // namespace

void GameServer::attach_data(Client& c, const HostEvent& event) {
  c.minor = event.session.minor;
  c.data_id = world_.data().host().add_client(now_, compression(event.session));
  c.data_seen = {};  // a new data client counts from zero
  world_.data().host().set_client_minor(c.data_id, c.minor);
  c.signs = false;
  GameCommands* commands = world_.commands();
  if (!commands ||
      (event.session.capabilities & protocol::capabilities_bits::kSignedCommands) == 0 ||
      c.minor < kSignedCommandsMinor) {
    return;  // it reads; its writes are refused (a DataWrite, not_allowed) or break the protocol
  }
  // A new DataHost client: the CollabHost cannot have it already.
  c.signs = commands->add_client(c.data_id, event.session.client_key, event.session.role).ok();
}

void GameServer::detach_data(Client& c) {
  if (c.data_id == 0) return;
  if (world_.commands()) world_.commands()->remove_client(c.data_id);
  world_.data().host().remove_client(c.data_id);
  c.data_id = 0;
  c.signs = false;
}

void GameServer::on_data_message(Client& c, const AnyMessage& message) {
  if (c.data_id == 0) return;  // not possible for a connected client; nothing to sync if so
  Status taken;
  const bool command = std::holds_alternative<protocol::CommandLogEntry>(message);
  if (command && !c.signs) {
    taken = make_error(ErrorCode::kState, "the session did not negotiate signed commands");
  } else if (world_.commands()) {
    // Commands (and plain DataWrites, which it refuses) go through the CollabHost.
    if (c.signs) {
      taken = world_.command_message(c.data_id, message, now_);
    } else if (std::holds_alternative<protocol::DataWrite>(message)) {
      taken = make_error(ErrorCode::kState, "writes come as signed commands in this world");
    } else {
      taken = world_.data().host().on_message(c.data_id, message, now_);
    }
  } else if (const auto* write = std::get_if<protocol::DataWrite>(&message)) {
    Result<bool> written =
        world_.data_write(c.player, c.data_id, world_.data().normalise_write(*write), now_);
    if (!written.ok()) taken = std::move(written).error();
  } else {
    taken = world_.data().host().on_message(c.data_id, message, now_);
  }
  if (!taken.ok()) {
    const std::string_view name = protocol::message_name(protocol::type_of(message));
    host_.violation(c.conn, str_cat(name, " refused: ", taken.error().describe()));
  }
}

void GameServer::drain_data(Client& c, std::uint64_t& credit) {
  std::vector<AnyMessage> drained = c.signs ? world_.commands()->drain(c.data_id, credit)
                                            : world_.data().host().drain(c.data_id, credit);
  for (AnyMessage& message : drained) {
    protocol::EncodedMessage encoded;
    encoded.type = static_cast<std::uint16_t>(protocol::type_of(message));
    if (!protocol::encode_body(message, encoded.body, c.minor).ok()) {
      ++metrics_.sends_refused;  // the host's own messages fit the schema: not expected
      continue;
    }
    const std::size_t size = encoded.body.size();
    credit = credit > size ? credit - size : 0;
    c.budget.spend(size);
    c.metrics.data_bytes += size;
    if (!host_.send_encoded(c.conn, std::move(encoded)).ok()) ++metrics_.sends_refused;
  }
}

}  // namespace theta_net::session
