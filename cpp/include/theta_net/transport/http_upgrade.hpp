// The HTTP/1.1 half of a WebSocket connection (RFC 6455, section 4): parsing a request or
// response head with every size bounded, the server's verdict on an upgrade request (path,
// version, key, subprotocol theta.v1, Origin), and the client's request and its check of the
// answer. Sans-I/O: text in, text out; WsLink drives it.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "theta_net/core/byte_io.hpp"
#include "theta_net/core/result.hpp"

namespace theta_net::transport {

// The WebSocket subprotocol theta_net speaks (Sec-WebSocket-Protocol). Not "theta/1" as in
// QUIC's ALPN: a subprotocol must be an HTTP token, which has no '/' (browsers refuse it).
inline constexpr std::string_view kWebSocketProtocol = "theta.v1";
// A head longer than this (request line and headers) is refused: browsers send under 2 KiB.
inline constexpr std::size_t kMaxHttpHead = 8192;
inline constexpr std::size_t kMaxHttpHeaders = 64;

struct HttpHead {
  // Request: method, target, "HTTP/1.1". Response: "HTTP/1.1", status code, reason phrase.
  std::string first, second, third;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, values trimmed

  // The value of the first header with this (lower-case) name.
  std::optional<std::string_view> header(std::string_view name) const;
  // Whether a comma-separated header holds this token, ignoring case (Connection: keep-alive,
  // Upgrade).
  bool header_has_token(std::string_view name, std::string_view token) const;
};

// The length of the head at the start of `buffered` (through the blank line), or nothing while
// it is incomplete.
// Errors: kLimitExceeded (no end of head within kMaxHttpHead bytes).
Result<std::optional<std::size_t>> find_http_head_end(ByteSpan buffered);

// Parses a head (as found by find_http_head_end).
// Errors: kCorrupt (a start line without three parts, a header line without a colon, a
// character that is not visible ASCII or a space, a version that is not HTTP/1.1 where it
// matters), kLimitExceeded (more than kMaxHttpHeaders headers).
Result<HttpHead> parse_http_head(std::string_view head);

// base64(SHA-1(key + RFC 6455's GUID)): the Sec-WebSocket-Accept for a Sec-WebSocket-Key.
std::string websocket_accept(std::string_view key);

struct UpgradePolicy {
  std::string path = "/";
  // Origins whose pages may connect ("http://127.0.0.1:8080"); "*" allows any. A request
  // without an Origin header (a native client) is always allowed: Origin is how browsers
  // say which page is asking, and only a browser sends it.
  std::vector<std::string> allowed_origins;
};

struct UpgradeVerdict {
  bool accepted = false;
  int status = 0;        // 101, or the refusal's (400, 403, 404, 426)
  std::string reason;    // why, for logs and the refusal's body
  std::string response;  // the whole HTTP response to send
};

// The server's answer to a request head.
UpgradeVerdict answer_upgrade(const HttpHead& request, const UpgradePolicy& policy);

// The client's request; `key` is 16 random bytes in base64.
std::string upgrade_request(std::string_view host, std::string_view path, std::string_view key);
// Checks the server's answer to our request.
// Errors: kRejected (not 101 Switching Protocols: the status and reason are named), kCorrupt
// (a 101 without the upgrade headers, with the wrong Sec-WebSocket-Accept, or without the
// theta.v1 subprotocol).
Status check_upgrade_response(const HttpHead& response, std::string_view key);

}  // namespace theta_net::transport
