#include "theta_net/session/data_client.hpp"

#include "theta_net/protocol/message_codec.hpp"

namespace theta_net::session {

namespace {

SessionClientConfig session_config(const DataClientConfig& config) {
  SessionClientConfig c;
  c.handshake.client_name = config.name;
  c.handshake.auth_token = config.token;
  c.heartbeat_interval = config.heartbeat_interval;
  if (!config.signed_commands) {
    c.handshake.capabilities &= ~protocol::capabilities_bits::kSignedCommands;
  }
  return c;
}

// The first protocol minor with CommandResult.
constexpr std::uint16_t kSignedCommandsMinor = 3;

}  // namespace

DataClient::DataClient(std::shared_ptr<const data::DataSchema> expected, DataClientConfig config,
                       Ed25519KeyPair key, Rng rng)
    : config_(std::move(config)),
      session_(session_config(config_), key, rng),
      db_(std::move(expected), config_.db) {
  if (config_.signed_commands) {
    collab_ = std::make_unique<collab::CollabClient>(db_, key, config_.collab);
  }
}

DataClient::~DataClient() = default;

void DataClient::step(Micros now) {
  while (auto event = session_.next_event()) on_session_event(*event, now);
  if (!established()) return;
  if (resubscribe_) resubscribe(now);
  db_.handle_timeout(now);
  for (const protocol::AnyMessage& message :
       signing_ ? collab_->take_outgoing() : db_.take_outgoing()) {
    if (!session_.send(message).ok()) ++counters_.messages_not_sent;
  }
}

Result<std::uint64_t> DataClient::send_command(std::uint16_t command, Bytes payload) {
  if (!collab_) {
    return make_error(ErrorCode::kState, "commands need a client made with signed_commands");
  }
  return collab_->send_command(command, std::move(payload));
}

void DataClient::on_pause(Micros, Micros) {
  ++counters_.pauses;
  // Handled in step: the pause may also have cost the connection (then the next session
  // resubscribes anyway).
  if (subscribed_) resubscribe_ = true;
}

void DataClient::resubscribe(Micros now) {
  if (signing_) {
    collab_->on_reconnect(now);  // the ClientDB's, and the unanswered commands go again
  } else {
    db_.on_reconnect(now);
  }
  resubscribe_ = false;
  ++counters_.resubscribes;
}

void DataClient::on_session_event(ClientEvent& event, Micros now) {
  switch (event.kind) {
    case ClientEvent::Kind::kEstablished:
      ++counters_.connections;
      if (event.ack && event.ack->resumed) ++counters_.resumes;
      signing_ = collab_ && event.ack &&
                 (event.ack->capabilities & protocol::capabilities_bits::kSignedCommands) != 0 &&
                 event.ack->protocol_minor >= kSignedCommandsMinor;
      if (event.ack) db_.set_protocol_minor(event.ack->protocol_minor);  // how it asks for gaps
      if (!subscribed_) {
        db_.subscribe(now);
        subscribed_ = true;
      } else {
        resubscribe(now);
      }
      break;
    case ClientEvent::Kind::kLost:
      // The server forgot this connection's sync: what was queued for it means nothing there.
      counters_.messages_dropped +=
          signing_ ? collab_->drop_outgoing() : db_.take_outgoing().size();
      break;
    case ClientEvent::Kind::kRejected:
      break;
    case ClientEvent::Kind::kMessage: {
      if (!event.message) break;
      const protocol::MessageType type = protocol::type_of(*event.message);
      // The server's notices (a role change, a migration intent) were acted on by the session.
      if (type == protocol::MessageType::kSessionControl) break;
      if (protocol::lane_of(type) != protocol::LaneId::kReplication) {
        ++counters_.unexpected_messages;
        break;
      }
      const Status taken =
          signing_ ? collab_->on_message(*event.message, now) : db_.on_message(*event.message, now);
      if (!taken.ok()) ++counters_.message_errors;
      break;
    }
  }
}

}  // namespace theta_net::session
