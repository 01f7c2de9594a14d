#include "theta_net/transport/http_upgrade.hpp"

#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "theta_net/core/base64.hpp"
#include "theta_net/transport/http.hpp"

namespace theta_net::transport {

namespace {

constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

// Visible ASCII, spaces and tabs: header text is not the place for control bytes or UTF-8.
bool plain_text(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u == '\t' || (u >= 0x20 && u < 0x7F);
  });
}

std::string refusal(int status, std::string_view phrase, std::string_view why,
                    std::string_view extra_headers = "") {
  return str_cat("HTTP/1.1 ", status, " ", phrase, "\r\nContent-Type: text/plain\r\n",
                 "Content-Length: ", why.size() + 1, "\r\nConnection: close\r\n", extra_headers,
                 "\r\n", why, "\n");
}

UpgradeVerdict refuse(int status, std::string_view phrase, std::string why,
                      std::string_view extra_headers = "") {
  UpgradeVerdict v;
  v.status = status;
  v.response = refusal(status, phrase, why, extra_headers);
  v.reason = std::move(why);
  return v;
}

}  // namespace

std::optional<std::string_view> HttpHead::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

bool HttpHead::header_has_token(std::string_view name, std::string_view token) const {
  for (const auto& [k, v] : headers) {
    if (k != name) continue;
    std::string_view rest = v;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      if (http_iequals(http_trim(rest.substr(0, comma)), token)) return true;
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return false;
}

Result<std::optional<std::size_t>> find_http_head_end(ByteSpan buffered) {
  const std::string_view text(reinterpret_cast<const char*>(buffered.data()),
                              std::min(buffered.size(), kMaxHttpHead));
  if (const auto end = text.find("\r\n\r\n"); end != std::string_view::npos) {
    return std::optional<std::size_t>(end + 4);
  }
  if (buffered.size() >= kMaxHttpHead) {
    return make_error(ErrorCode::kLimitExceeded, "an HTTP head longer than ", kMaxHttpHead,
                      " bytes");
  }
  return std::optional<std::size_t>();
}

Result<HttpHead> parse_http_head(std::string_view head) {
  HttpHead out;
  std::size_t line_no = 0;
  while (!head.empty()) {
    const auto eol = head.find("\r\n");
    const std::string_view line = head.substr(0, eol);
    head.remove_prefix(eol == std::string_view::npos ? head.size() : eol + 2);
    if (line.empty()) break;  // the blank line ends the head
    if (!plain_text(line)) {
      return make_error(ErrorCode::kCorrupt, "HTTP line ", line_no + 1,
                        " holds a byte that is not plain ASCII text");
    }
    if (line_no++ == 0) {
      const auto a = line.find(' ');
      const auto b = a == std::string_view::npos ? a : line.find(' ', a + 1);
      if (b == std::string_view::npos) {
        return make_error(ErrorCode::kCorrupt, "an HTTP start line without three parts");
      }
      out.first = std::string(line.substr(0, a));
      out.second = std::string(line.substr(a + 1, b - a - 1));
      out.third = std::string(line.substr(b + 1));
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return make_error(ErrorCode::kCorrupt, "HTTP header line ", line_no, " has no name");
    }
    if (out.headers.size() == kMaxHttpHeaders) {
      return make_error(ErrorCode::kLimitExceeded, "more than ", kMaxHttpHeaders, " HTTP headers");
    }
    std::string name(http_trim(line.substr(0, colon)));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    out.headers.emplace_back(std::move(name), std::string(http_trim(line.substr(colon + 1))));
  }
  if (line_no == 0) return make_error(ErrorCode::kCorrupt, "an empty HTTP head");
  return out;
}

std::string websocket_accept(std::string_view key) {
  const std::string joined = str_cat(key, kGuid);
  std::uint8_t digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(joined.data()), joined.size(), digest);
  return base64(ByteSpan(digest, sizeof digest));
}

UpgradeVerdict answer_upgrade(const HttpHead& request, const UpgradePolicy& policy) {
  if (request.first != "GET" || request.third != "HTTP/1.1") {
    return refuse(400, "Bad Request", "a WebSocket upgrade is a GET over HTTP/1.1");
  }
  const std::string_view path =
      std::string_view(request.second).substr(0, std::string_view(request.second).find('?'));
  if (path != policy.path) {
    return refuse(404, "Not Found", str_cat("no WebSocket endpoint at ", path));
  }
  if (!request.header_has_token("upgrade", "websocket") ||
      !request.header_has_token("connection", "upgrade")) {
    return refuse(426, "Upgrade Required", "this endpoint speaks WebSocket only",
                  "Upgrade: websocket\r\n");
  }
  if (request.header("sec-websocket-version") != std::optional<std::string_view>("13")) {
    return refuse(426, "Upgrade Required", "only WebSocket version 13 is spoken",
                  "Sec-WebSocket-Version: 13\r\n");
  }
  const auto key = request.header("sec-websocket-key");
  // 16 bytes in base64 are 24 characters ending in "==".
  if (!key || key->size() != 24 || key->substr(22) != "==") {
    return refuse(400, "Bad Request", "a missing or malformed Sec-WebSocket-Key");
  }
  if (const auto origin = request.header("origin")) {
    const bool allowed =
        std::any_of(policy.allowed_origins.begin(), policy.allowed_origins.end(),
                    [&](const std::string& o) { return o == "*" || http_iequals(o, *origin); });
    if (!allowed) return refuse(403, "Forbidden", str_cat("origin ", *origin, " is not allowed"));
  }
  if (!request.header_has_token("sec-websocket-protocol", kWebSocketProtocol)) {
    return refuse(400, "Bad Request",
                  str_cat("the client must offer the subprotocol ", kWebSocketProtocol));
  }
  UpgradeVerdict v;
  v.accepted = true;
  v.status = 101;
  v.response =
      str_cat("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n",
              "Sec-WebSocket-Accept: ", websocket_accept(*key),
              "\r\nSec-WebSocket-Protocol: ", kWebSocketProtocol, "\r\n\r\n");
  return v;
}

std::string upgrade_request(std::string_view host, std::string_view path, std::string_view key) {
  return str_cat("GET ", path, " HTTP/1.1\r\nHost: ", host,
                 "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ", key,
                 "\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ", kWebSocketProtocol,
                 "\r\n\r\n");
}

Status check_upgrade_response(const HttpHead& response, std::string_view key) {
  if (response.second != "101") {
    return make_error(ErrorCode::kRejected,
                      "the server refused the WebSocket upgrade: ", response.second, " ",
                      response.third);
  }
  if (!response.header_has_token("upgrade", "websocket") ||
      !response.header_has_token("connection", "upgrade")) {
    return make_error(ErrorCode::kCorrupt, "a 101 response without the upgrade headers");
  }
  if (response.header("sec-websocket-accept") !=
      std::optional<std::string_view>(websocket_accept(key))) {
    return make_error(ErrorCode::kCorrupt, "a wrong Sec-WebSocket-Accept");
  }
  if (response.header("sec-websocket-protocol") !=
      std::optional<std::string_view>(kWebSocketProtocol)) {
    return make_error(ErrorCode::kCorrupt, "the server did not choose the subprotocol ",
                      kWebSocketProtocol);
  }
  return {};
}

}  // namespace theta_net::transport
