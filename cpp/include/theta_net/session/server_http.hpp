// The HTTP/3 routes of a theta_net server (QuicServerConfig::http, on the game's own UDP port):
//   GET  /metrics          the status in Prometheus text (server_status_prometheus.hpp)
//   GET  /status           the status as JSON (server_status_json.hpp, the dashboard's form)
//   GET  /assets/<sha256>  an asset, with Range and HEAD (assets/asset_http.hpp)
//   PUT  /assets[/<sha256>] a new asset, for a role that may send AssetTransfer (editor, admin),
//                          named by `Authorization: Bearer <token>` under the handshake's rule
//                          (always with a token: a server without tokens takes no uploads)
// Generic: any server that can make a ServerStatus gets them (the reference GameServer does).
#pragma once

#include <functional>
#include <optional>

#include "theta_net/assets/asset_store.hpp"
#include "theta_net/core/file_writer.hpp"
#include "theta_net/protocol/handshake.hpp"
#include "theta_net/session/server_status.hpp"
#include "theta_net/transport/http.hpp"

namespace theta_net::session {

struct ServerHttpRoutes {
  std::function<ServerStatus()> status;                        // the server's status now
  assets::AssetStore* assets = nullptr;                        // none: /assets answers 404
  const protocol::ServerHandshakeConfig* handshake = nullptr;  // tokens for PUT; none: no PUT
  // Set: an upload that announces its content-length streams into the store as it comes
  // (assets::AssetUpload, written on this thread); others are held in memory.
  FileWriter* upload_writer = nullptr;

  transport::HttpResponse operator()(const transport::HttpRequest& request) const;
  // The answer that does not depend on the body: every refusal the header fields decide (404,
  // 405, 401, 403, 400 for a name that is not a SHA-256, and 413 for an announced
  // content-length over the store's max_asset_bytes), or nullopt when the request is to be read
  // and answered whole (a wrong hash can only be told from the body). operator() starts with it; as
  // the server's QuicServerConfig::http_check it refuses an upload before its body arrives.
  std::optional<transport::HttpResponse> answer_before_body(
      const transport::HttpRequest& request) const;
  // Where an upload's body goes (QuicServerConfig::http_sink): an AssetUpload for a PUT to
  // /assets that announces its length and that answer_before_body lets through, with an
  // upload_writer; nullptr (memory) otherwise.
  // Errors: those of AssetUpload::begin (kLimitExceeded, kIo).
  Result<std::unique_ptr<transport::HttpBodySink>> body_sink(
      const transport::HttpRequest& request) const;
};

}  // namespace theta_net::session
