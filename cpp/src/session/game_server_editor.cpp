// GameServer's side of editor events: a client's EditorEvent goes to the EditorRelay (the session
// layer has already refused it for a role below editor), and each tick the relay's events go to
// the connected clients whose interest scopes (their InterestUpdate's, kept by replication) hold
// the event's tool. Recipients are in connection order, so deliveries are deterministic; a
// recipient with more than 1 MiB unacknowledged on its connection is skipped.
#include "game_server_client.hpp"
#include "theta_net/session/game_server.hpp"

namespace theta_net::session {

namespace {
// Unacknowledged bytes past which a client is skipped by the relay (the game's budget is 1 MB/s).
constexpr std::uint64_t kEditorBacklogBound = 1u << 20;
}  // namespace

void GameServer::on_editor_event(Client& c, const protocol::EditorEvent& event) {
  (void)editor_relay_.on_event(c.session_id, event, now_);  // a refusal is counted there
}

void GameServer::relay_editor_events() {
  if (editor_relay_.pending() == 0) return;
  std::vector<EditorRecipient> recipients;
  std::map<std::uint64_t, transport::ConnectionId> conn_of;
  recipients.reserve(clients_.size());
  for (auto& [conn, c] : clients_) {
    // A client that does not read its connection gets no more: editor events are what others
    // are doing now, and queueing them for it would only grow the server's memory.
    if (host_.send_backlog(conn) > kEditorBacklogBound) continue;
    const replication::ClientInterest* interest = replication_.interest_of(c->replication_id);
    recipients.push_back({c->session_id, interest ? &interest->scopes() : nullptr});
    conn_of[c->session_id] = conn;
  }
  for (EditorDelivery& d : editor_relay_.flush(recipients)) send(conn_of.at(d.to), d.event);
}

}  // namespace theta_net::session
