// GameClient's assets lane: the glue between its session and the generic AssetClient.
#include "theta_net/session/game_client.hpp"

namespace theta_net::session {

void GameClient::step_assets(Micros now) {
  if (!assets_) return;
  std::vector<protocol::AnyMessage> out;
  assets_->take_outgoing(session_.send_backlog(), out, now);
  for (const protocol::AnyMessage& message : out) {
    if (!session_.send(message).ok()) ++metrics_.messages_not_sent;
  }
}

void GameClient::on_asset_message(const protocol::AnyMessage& message, Micros now) {
  // A client without an asset folder asked for nothing: whatever comes is counted as an error.
  if (!assets_ || !assets_->on_message(message, now).ok()) ++metrics_.asset_errors;
}

}  // namespace theta_net::session
