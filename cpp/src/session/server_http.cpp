#include "theta_net/session/server_http.hpp"

#include <algorithm>

#include "theta_net/assets/asset_http.hpp"
#include "theta_net/assets/asset_upload.hpp"
#include "theta_net/session/server_status_json.hpp"
#include "theta_net/session/server_status_prometheus.hpp"

namespace theta_net::session {
namespace {

using transport::http_text;
using transport::HttpResponse;

HttpResponse not_allowed(std::string_view allow) {
  HttpResponse r = http_text(405, "method not allowed here\n");
  r.add_header("allow", std::string(allow));
  return r;
}

// The role of the request's bearer token, under the same rule as a hello's token. Unlike a
// hello, an upload always needs a token: without one (or on a server with no tokens) nothing.
std::optional<protocol::Role> request_role(const protocol::ServerHandshakeConfig& handshake,
                                           const transport::HttpRequest& request) {
  const auto auth = request.header("authorization");
  constexpr std::string_view kBearer = "bearer ";  // the scheme is case-insensitive
  if (!auth || auth->size() <= kBearer.size() || handshake.tokens.empty() ||
      !transport::http_istarts_with(*auth, kBearer)) {
    return std::nullopt;
  }
  return protocol::role_for_token(handshake, std::string(auth->substr(kBearer.size()))).role;
}

// A request's content-length, when it is a plain decimal number.
std::optional<std::uint64_t> announced_length(const transport::HttpRequest& request) {
  const auto v = request.header("content-length");
  if (!v || v->empty() || v->size() > 19 || v->find_first_not_of("0123456789") != v->npos) {
    return std::nullopt;
  }
  return std::stoull(std::string(*v));
}

}  // namespace

std::optional<HttpResponse> ServerHttpRoutes::answer_before_body(
    const transport::HttpRequest& request) const {
  const std::string_view route = request.route();
  const bool get = request.method == "GET" || request.method == "HEAD";
  if (route == "/metrics" || route == "/status") {
    if (!get) return not_allowed("GET, HEAD");
    return std::nullopt;
  }
  constexpr std::string_view kAssets = "/assets";
  if (route != kAssets && route.substr(0, kAssets.size() + 1) != "/assets/") {
    return http_text(404, "no route; try /metrics, /status or /assets/<sha256>\n");
  }
  if (!assets) return http_text(404, "this server has no asset store (--assets DIR)\n");
  if (get) {
    if (route.size() <= kAssets.size() + 1) return http_text(404, "GET /assets/<sha256>\n");
    return std::nullopt;
  }
  if (request.method != "PUT") return not_allowed("GET, HEAD, PUT");
  const auto role = handshake ? request_role(*handshake, request) : std::nullopt;
  if (!role) {
    HttpResponse r = http_text(401, "uploads need an editor's token: Authorization: Bearer T\n");
    r.add_header("www-authenticate", "Bearer");
    return r;
  }
  if (!protocol::role_may_send(*role, protocol::MessageType::kAssetTransfer)) {
    return http_text(403, "this token's role may not upload assets\n");
  }
  if (const std::string_view name = route.substr(std::min(route.size(), kAssets.size() + 1));
      !name.empty() && !assets::AssetStore::is_asset_name(name)) {
    return http_text(400, "an asset name is 64 lower-case hex digits (its SHA-256)\n");
  }
  // An announced length over the store's limit for one asset, or past its free space, is refused
  // before it is sent.
  if (const auto length = announced_length(request)) {
    const auto& limits = assets->limits();
    if (*length > limits.max_asset_bytes) {
      return http_text(
          413, "an asset may be at most " + std::to_string(limits.max_asset_bytes) + " bytes\n");
    }
    // Past the store's free space; not for a body streamed into it, whose reservation (taken at
    // its header fields) is among the reserved bytes already.
    const std::uint64_t used = assets->stored_bytes() + assets->reserved_bytes();
    if (!request.body_sink && used + *length > limits.max_store_bytes) {
      return http_text(
          413, "the asset store is full (" + std::to_string(limits.max_store_bytes) + " bytes)\n");
    }
  }
  return std::nullopt;
}

Result<std::unique_ptr<transport::HttpBodySink>> ServerHttpRoutes::body_sink(
    const transport::HttpRequest& request) const {
  std::unique_ptr<transport::HttpBodySink> none;
  if (!assets || !upload_writer || request.method != "PUT") return none;
  if (answer_before_body(request)) return none;  // refused: no file is made for it
  const auto length = announced_length(request);
  if (!length) return none;  // an unknown length cannot be reserved: held in memory
  THETA_TRY_ASSIGN(auto upload, assets::AssetUpload::begin(*assets, *upload_writer, *length));
  return std::unique_ptr<transport::HttpBodySink>(std::move(upload));
}

HttpResponse ServerHttpRoutes::operator()(const transport::HttpRequest& request) const {
  if (auto refused = answer_before_body(request)) return std::move(*refused);
  const std::string_view route = request.route();
  if (route == "/metrics" || route == "/status") {
    const ServerStatus now = status();
    HttpResponse r = route == "/metrics"
                         ? http_text(200, server_status_prometheus(now), kPrometheusContentType)
                         : http_text(200, server_status_json(now), "application/json");
    r.add_header("cache-control", "no-store");
    r.head = request.method == "HEAD";
    return r;
  }
  constexpr std::string_view kAssets = "/assets";
  const std::string_view name =
      route.size() > kAssets.size() ? route.substr(kAssets.size() + 1) : std::string_view{};
  if (request.method == "GET" || request.method == "HEAD") {
    return assets::asset_get(*assets, request, name);
  }
  return assets::asset_put(*assets, request, name);
}

}  // namespace theta_net::session
