// GameClient's side of editor events: the tool scopes it watches go to the server in an
// InterestUpdate (the server keeps its own view distance, so only the scopes change),
// again after every reconnection since a new connection's interest starts empty; its own events
// go out as they are (the server sets the author and refuses them for a role below editor); the
// others' events the server relays are kept for the application, bounded, and counted by kind.
#include <algorithm>

#include "theta_net/protocol/message_codec.hpp"
#include "theta_net/replication/interest_grid.hpp"
#include "theta_net/session/game_client.hpp"

namespace theta_net::session {

Status GameClient::set_tool_scopes(std::vector<std::string> scopes) {
  std::sort(scopes.begin(), scopes.end());
  scopes.erase(std::unique(scopes.begin(), scopes.end()), scopes.end());
  if (scopes.size() > replication::ClientInterest::kMaxScopes) {
    return make_error(ErrorCode::kLimitExceeded, "at most ",
                      replication::ClientInterest::kMaxScopes, " tool scopes, got ", scopes.size());
  }
  tool_scopes_ = std::move(scopes);
  return established() ? send_tool_scopes() : Status{};
}

Status GameClient::send_tool_scopes() {
  protocol::InterestUpdate update;
  update.view_distance = static_cast<std::uint16_t>(config_.view.view_radius);
  update.scopes = tool_scopes_;
  return session_.send(update);
}

Status GameClient::send_editor_event(protocol::EditorEvent event) {
  event.author = 0;  // the server's to set: the sender's session
  return session_.send(event);
}

std::vector<protocol::EditorEvent> GameClient::take_editor_events() {
  std::vector<protocol::EditorEvent> out(std::make_move_iterator(editor_events_.begin()),
                                         std::make_move_iterator(editor_events_.end()));
  editor_events_.clear();
  return out;
}

void GameClient::on_editor_event(protocol::EditorEvent event) {
  const std::string_view kind = protocol::enum_name(event.kind).value_or("unknown");
  ++editor_events_received_[std::string(kind)];
  begin_event(last_own_tick_, "editor_event");
  scratch_.set("editor_kind", std::string(kind))
      .set("author", static_cast<std::int64_t>(event.author))
      .set("tool", event.tool)
      .set("entities", static_cast<std::int64_t>(event.entities.size()));
  record(scratch_);
  if (editor_events_.size() == kMaxEditorEvents) editor_events_.pop_front();
  editor_events_.push_back(std::move(event));
}

}  // namespace theta_net::session
