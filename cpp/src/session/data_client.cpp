#include "theta_net/session/data_client.hpp"

#include "theta_net/protocol/message_codec.hpp"

namespace theta_net::session {

namespace {

SessionClientConfig session_config(const DataClientConfig& config) {
  SessionClientConfig c;
  c.handshake.client_name = config.name;
  c.handshake.auth_token = config.token;
  c.heartbeat_interval = config.heartbeat_interval;
  return c;
}

}  // namespace

DataClient::DataClient(std::shared_ptr<const data::DataSchema> expected, DataClientConfig config,
                       Ed25519KeyPair key, Rng rng)
    : config_(std::move(config)),
      session_(session_config(config_), key, rng),
      db_(std::move(expected), config_.db) {}

DataClient::~DataClient() = default;

void DataClient::step(Micros now) {
  while (auto event = session_.next_event()) on_session_event(*event, now);
  if (!established()) return;
  if (resubscribe_) resubscribe(now);
  db_.handle_timeout(now);
  for (const protocol::AnyMessage& message : db_.take_outgoing()) {
    if (!session_.send(message).ok()) ++counters_.messages_not_sent;
  }
}

void DataClient::on_pause(Micros, Micros) {
  ++counters_.pauses;
  // Handled in step: the pause may also have cost the connection (then the next session
  // resubscribes anyway).
  if (subscribed_) resubscribe_ = true;
}

void DataClient::resubscribe(Micros now) {
  db_.on_reconnect(now);
  resubscribe_ = false;
  ++counters_.resubscribes;
}

void DataClient::on_session_event(ClientEvent& event, Micros now) {
  switch (event.kind) {
    case ClientEvent::Kind::kEstablished:
      ++counters_.connections;
      if (event.ack && event.ack->resumed) ++counters_.resumes;
      if (!subscribed_) {
        db_.subscribe(now);
        subscribed_ = true;
      } else {
        resubscribe(now);
      }
      break;
    case ClientEvent::Kind::kLost:
      // The server forgot this connection's sync: what was queued for it means nothing there.
      counters_.messages_dropped += db_.take_outgoing().size();
      break;
    case ClientEvent::Kind::kRejected:
      break;
    case ClientEvent::Kind::kMessage: {
      if (!event.message) break;
      const protocol::MessageType type = protocol::type_of(*event.message);
      if (protocol::lane_of(type) != protocol::LaneId::kReplication) {
        ++counters_.unexpected_messages;
        break;
      }
      if (!db_.on_message(*event.message, now).ok()) ++counters_.message_errors;
      break;
    }
  }
}

}  // namespace theta_net::session
