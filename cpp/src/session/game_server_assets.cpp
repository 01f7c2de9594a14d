// GameServer's assets lane: the glue between its clients and the generic AssetHost.
#include "game_server_client.hpp"
#include "theta_net/session/game_server.hpp"

namespace theta_net::session {

void GameServer::on_asset_message(Client& c, const protocol::AnyMessage& message) {
  const protocol::SessionRecord* record = host_.session_of(c.conn);
  if (!record) return;  // not established: the host never passes such a message on
  if (Status taken = assets_->on_message(c.session_id, record->role, message, now_); !taken.ok()) {
    host_.violation(c.conn, taken.error().message);
  }
}

void GameServer::pump_assets(Micros now) {
  assets_->expire(now);
  std::vector<protocol::AnyMessage> out;
  for (auto& [conn, c] : clients_) {
    if (!assets_->wants_to_send(c->session_id)) continue;
    out.clear();
    assets_->take_outgoing(c->session_id, host_.send_backlog(conn), out, now);
    for (const protocol::AnyMessage& message : out) send(conn, message);
  }
}

}  // namespace theta_net::session
