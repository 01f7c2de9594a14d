// GameClient's side of roles and session control: what its role lets it stream (a viewer sends
// no inputs, only the actions its application asks for), the session layer's refusals and
// controls, and the admin's own controls (game_client.hpp describes them).
#include "theta_net/protocol/message_codec.hpp"
#include "theta_net/session/game_client.hpp"

namespace theta_net::session {

using protocol::AnyMessage;

Result<std::uint64_t> GameClient::control(protocol::ControlAction action, std::uint64_t target,
                                          std::optional<protocol::Role> role, std::string reason,
                                          std::uint32_t ban_seconds) {
  return session_.send_control(action, target, role, std::move(reason), ban_seconds);
}

std::vector<protocol::SessionControlResult> GameClient::take_control_results() {
  return std::exchange(control_results_, {});
}

std::vector<protocol::PermissionDenied> GameClient::take_permission_denials() {
  return std::exchange(permission_denials_, {});
}

bool GameClient::may_play() const {
  return protocol::role_may_send(session_.role(), protocol::MessageType::kInputBundle);
}

void GameClient::on_session_message(const AnyMessage& message, Micros now) {
  if (const auto* denied = std::get_if<protocol::PermissionDenied>(&message)) {
    ++metrics_.permission_denied;
    permission_denials_.push_back(*denied);
    // A write refused for the role (sent before this client learned of a role change): which of
    // the pending writes it was is not said, so the mirror rolls them all back and catches up
    // from the version it holds; the server's batches carry those that were committed.
    if (denied->message_type == static_cast<std::uint16_t>(protocol::MessageType::kDataWrite))
      data_.on_reconnect(now);
    begin_event(last_own_tick_, "permission_denied");
    scratch_
        .set("message", std::string(protocol::message_name(
                            static_cast<protocol::MessageType>(denied->message_type))))
        .set("role", std::string(protocol::enum_name(denied->role).value_or("unknown")));
    record(scratch_);
  } else if (const auto* result = std::get_if<protocol::SessionControlResult>(&message)) {
    control_results_.push_back(*result);
    begin_event(last_own_tick_, "control_result");
    scratch_.set("sequence", static_cast<std::int64_t>(result->sequence))
        .set("accepted", result->accepted)
        .set("text", result->text);
    record(scratch_);
  } else if (const auto* control = std::get_if<protocol::SessionControl>(&message)) {
    // SessionClient applied it (a new role, or the end of the session); inputs restart from
    // the server's tick under the new role.
    if (control->action == protocol::ControlAction::kRoleChange) next_input_tick_ = 0;
    begin_event(last_own_tick_, "session_control");
    scratch_.set("action", std::string(protocol::enum_name(control->action).value_or("unknown")))
        .set("reason", control->reason);
    if (control->role)
      scratch_.set("role", std::string(protocol::enum_name(*control->role).value_or("unknown")));
    record(scratch_);
  }
}

bool GameClient::refuse_write_locally(const AnyMessage& message, Micros now) {
  const auto* write = std::get_if<protocol::DataWrite>(&message);
  if (!write || protocol::role_may_send(session_.role(), protocol::MessageType::kDataWrite))
    return false;
  // Sent, it would be refused and its optimistic effect left standing: the mirror is told at
  // once, as the server would (not_allowed), and rolls the write back.
  protocol::DataWriteResult refused;
  refused.write_id = write->write_id;
  refused.accepted = false;
  refused.reason = protocol::DataRefuseReason::kNotAllowed;
  refused.text = str_cat("the role ", protocol::enum_name(session_.role()).value_or("unknown"),
                         " may not send DataWrite");
  if (!data_.on_message(refused, now).ok()) ++metrics_.data_errors;
  return true;
}

void GameClient::send_action_only(Micros now) {
  if (!intent_.block && !intent_.inventory) return;
  protocol::InputFrame input;
  input.tick = clock_.input_tick_at(now, session_.rtt(), session_.jitter());
  input.sequence = ++sequence_;
  input.yaw = intent_.yaw;
  input.pitch = intent_.pitch;
  input.block = std::exchange(intent_.block, std::nullopt);
  input.inventory = std::exchange(intent_.inventory, std::nullopt);
  protocol::InputBundle bundle;
  bundle.last_server_tick = replication_.ack_tick();
  bundle.inputs.push_back(input);
  if (session_.send(bundle).ok()) {
    ++metrics_.inputs_sent;
    ++metrics_.bundles_sent;
  } else {
    ++metrics_.messages_not_sent;
  }
}

}  // namespace theta_net::session
