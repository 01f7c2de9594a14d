// GameClient's data layer: the mirror's (or the signing client's commands') messages each step,
// its state changes in the event stream, and the catch-up after a reconnection or a pause
// (game_client.hpp describes them).
#include "theta_net/session/game_client.hpp"

namespace theta_net::session {

using protocol::AnyMessage;

void GameClient::step_data(Micros now) {
  data_.handle_timeout(now);
  // A role that may not send commands has nothing to sign: its writes go as they are.
  const bool sign =
      signing_ && protocol::role_may_send(session_.role(), protocol::MessageType::kCommandLogEntry);
  for (AnyMessage& message : sign ? collab_->take_outgoing() : data_.take_outgoing()) {
    // A write the role may not send is rolled back at once, and still sent once for the server
    // to refuse and record (as a viewer's block action is).
    (void)refuse_write_locally(message, now);
    if (!session_.send(message).ok()) ++metrics_.messages_not_sent;
  }
  const data::SyncStatus& status = data_.status();
  if (status.state != recorded_data_state_) {
    recorded_data_state_ = status.state;
    begin_event(last_own_tick_, "data_state");
    scratch_.set("state", std::string(data::sync_state_name(status.state)))
        .set("version", static_cast<std::int64_t>(data_.version()));
    record(scratch_);
  }
}

void GameClient::reconnect_data(Micros now) {
  if (signing_) {
    collab_->on_reconnect(now);  // the ClientDB's, and the unanswered commands go again
  } else {
    data_.on_reconnect(now);
  }
}

}  // namespace theta_net::session
