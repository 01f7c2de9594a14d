// GameServer's side of roles and session control: the session layer's refusals and admins'
// controls written to the event stream (and the input log, for replays), and players whose
// session cannot come back (kicked, banned) taken out of the world at once.
#include "game_server_client.hpp"
#include "theta_net/protocol/message_codec.hpp"
#include "theta_net/session/game_server.hpp"
#include "theta_net/session/session_control.hpp"

namespace theta_net::session {

void GameServer::remove(transport::ConnectionId conn, const std::string& reason) {
  auto it = clients_.find(conn);
  if (it == clients_.end()) return;
  leave(*it->second, reason);
  clients_.erase(it);
}

void GameServer::leave(Client& c, const std::string& reason) {
  assets_->forget_session(c.session_id);
  detach_data(c);
  telemetry_.forget(c.session_id);
  editor_relay_.forget(c.session_id);
  replication_.remove_client(c.replication_id);
  world_.leave(c.player, reason);
}

std::optional<sim::PlayerId> GameServer::player_of_session(std::uint64_t session_id) const {
  for (const auto& [conn, c] : clients_) {
    if (c->session_id == session_id) return c->player;
  }
  if (auto away = detached_.find(session_id); away != detached_.end())
    return away->second.client->player;
  return std::nullopt;
}

void GameServer::record_permission_denied(const HostEvent& event) {
  const auto* denied =
      event.message ? std::get_if<protocol::PermissionDenied>(&*event.message) : nullptr;
  if (!denied) return;
  replay::Event record(world_.tick() + 1, "permission_denied");
  if (auto player = player_of_session(event.session_id)) record.entity(*player);
  record.set("session", session_hex(event.session_id))
      .set("message", std::string(protocol::message_name(
                          static_cast<protocol::MessageType>(denied->message_type))))
      .set("role", std::string(protocol::enum_name(denied->role).value_or("unknown")));
  if (denied->command != 0) record.set("command", std::int64_t{denied->command});
  world_.record_session(record);
}

void GameServer::record_session_control(const HostEvent& event) {
  const auto* control =
      event.message ? std::get_if<protocol::SessionControl>(&*event.message) : nullptr;
  if (!control) return;
  replay::Event record(world_.tick() + 1, "session_control");
  if (auto player = player_of_session(event.target_session)) record.entity(*player);
  record.set("action", std::string(protocol::enum_name(control->action).value_or("unknown")))
      .set("session", session_hex(event.target_session))
      .set("by", session_hex(event.session_id))
      .set("accepted", event.accepted)
      .set("text", event.detail);
  if (control->role)
    record.set("role", std::string(protocol::enum_name(*control->role).value_or("unknown")));
  if (!control->reason.empty()) record.set("reason", control->reason);
  if (control->action == protocol::ControlAction::kBan)
    record.set("ban_seconds", std::int64_t{control->ban_seconds});
  world_.record_session(record);
  if (!event.accepted) return;
  // The role the CollabHost checks command kinds against.
  if (control->action == protocol::ControlAction::kRoleChange && control->role &&
      world_.commands()) {
    for (auto& [conn, c] : clients_) {
      if (c->session_id == event.target_session && c->signs)
        (void)world_.commands()->set_role(c->data_id, *control->role);
    }
  }
  // A kicked or banned session that was away (detached) is gone too: its player leaves.
  for (auto it = detached_.begin(); it != detached_.end();) {
    if (!host_.handshake().session(it->first)) {
      leave(*it->second.client, event.detail);
      it = detached_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace theta_net::session
