// HTTP requests and responses as the QUIC server's HTTP/3 side (ALPN "h3" beside "theta/1" on the
// game's own UDP port) hands them to the application, and what the application answers. The
// transport knows nothing of routes: QuicServerConfig::http is one handler, called on the
// driver's thread (the server loop's), so it may read the game's state without locks.
//
// A body is either bytes in memory (metrics, status, small errors) or a range of a file, which
// the transport reads as the peer takes it, so a 64 MiB asset never sits in memory and a peer
// that reads slowly holds at most a bounded window of it (Http3Limits).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "theta_net/core/byte_io.hpp"
#include "theta_net/core/result.hpp"
#include "theta_net/transport/event.hpp"

namespace theta_net::transport {

class HttpBodySink;

struct HttpHeader {
  std::string name;  // lower case, as HTTP/3 requires
  std::string value;
};

struct HttpRequest {
  ConnectionId conn;   // the HTTP/3 connection (not a theta session)
  std::string method;  // "GET", "HEAD", "PUT", ...
  std::string path;    // ":path": the path and query, as sent ("/assets/ab12...?x=1")
  std::string authority;
  std::vector<HttpHeader> headers;  // the regular fields, names lower case
  Bytes body;                       // at most Http3Limits::max_request_body
  // Set when the body went to a sink (HttpBodySinkFactory) instead of `body`: the handler
  // finishes it. body_bytes counts what it took.
  HttpBodySink* body_sink = nullptr;
  std::uint64_t body_bytes = 0;

  // The value of the first field with that (lower-case) name.
  std::optional<std::string_view> header(std::string_view name) const;
  // The path without its query.
  std::string_view route() const;
};

struct HttpResponse {
  int status = 200;
  std::vector<HttpHeader> headers;  // content-length is added by the transport
  Bytes body;
  // A file body instead of `body` (when file_path is set): file_length bytes from file_offset.
  std::string file_path;
  std::uint64_t file_offset = 0, file_length = 0;
  bool head = false;  // answer to HEAD: the length is announced, no body is sent

  std::uint64_t content_length() const { return file_path.empty() ? body.size() : file_length; }
  void add_header(std::string name, std::string value) {
    headers.push_back({std::move(name), std::move(value)});
  }
};

// HTTP's text rules, shared by the HTTP/1.1 Upgrade (WebSocket) and the HTTP/3 routes:
// ASCII case-insensitive equality (header names, tokens, schemes, range units), and trimming
// optional whitespace (spaces and tabs) around a field or list element.
bool http_iequals(std::string_view a, std::string_view b);
std::string_view http_trim(std::string_view s);
// Whether text starts with prefix, ASCII case-insensitively.
inline bool http_istarts_with(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && http_iequals(text.substr(0, prefix.size()), prefix);
}

// A response with a text body and its content type.
HttpResponse http_text(int status, std::string_view text,
                       std::string_view content_type = "text/plain; charset=utf-8");

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;
// Where a request's body goes instead of memory: the bytes as they arrive, on the thread that
// polls the server. A sink that keeps its bytes on disk lets an upload be larger than what the
// server holds in memory, and do its work (hashing, writing) as the body comes rather than all at
// once when it is complete. The transport owns the sink until the request's stream closes; if
// the handler never finished it, its destructor gives up whatever it started.
class HttpBodySink {
 public:
  virtual ~HttpBodySink() = default;
  // The next bytes of the body. An error ends the request at once with 413 (kLimitExceeded) or
  // 500 (anything else), naming the error, and the client is asked to stop sending.
  // Errors: kLimitExceeded (more bytes than the sink was promised), kIo (the disk refused them);
  // a sink may return others, which are answered with 500.
  virtual Status write(ByteSpan bytes) = 0;
};

// Chooses a sink for a request whose header fields are complete and whose body is to come (after
// HttpHeaderCheck let it through); nullptr keeps the body in memory, within Http3Limits. An error
// answers the request at once: 413 for kLimitExceeded, 500 for anything else. Each sink counts
// as an open file against Http3Limits::max_open_files (503 past it).
using HttpBodySinkFactory =
    std::function<Result<std::unique_ptr<HttpBodySink>>(const HttpRequest&)>;

// Called when the header fields of a request that carries a body (PUT, POST) are complete, before
// any of the body is kept. A response returned here is sent at once and the rest of the body is
// not read: the server asks the client to stop sending (RFC 9114 4.1), so an upload that will be
// refused anyway (no token, the wrong role, no such route) costs neither memory nor the
// transfer. nullopt: the body is read and the HttpHandler answers the complete request.
using HttpHeaderCheck = std::function<std::optional<HttpResponse>(const HttpRequest&)>;

struct Http3Limits {
  // Upload (PUT) bodies held at once on one connection, all requests together; a PUT past it is
  // answered 413. Other requests' bodies are dropped as they arrive.
  std::size_t max_request_body = 64u << 20;
  // Upload bodies held at once by the whole server, all connections together: a PUT that would
  // pass it is answered 503 with retry-after (the bytes of the others are freed as they are
  // answered), so many connections cannot add up to more memory than this.
  std::size_t max_upload_bytes_total = 256u << 20;
  std::size_t max_header_bytes = 16u << 10;  // the sum of a request's names and values
  std::size_t max_requests_open = 64;        // per connection, at once
  std::size_t file_window_bytes = 1u << 20;  // a file body's bytes read but not yet acked
  std::size_t file_read_bytes = 64u << 10;   // one read from a file body
  // File bodies being sent at once and bodies going to sinks (HttpBodySink), all connections
  // together (each holds a file, a download up to file_window_bytes besides): past it a request
  // for a file or an upload to a sink is answered 503, so a crowd of slow readers or writers
  // cannot run the server out of memory or file descriptors.
  std::size_t max_open_files = 256;
};

}  // namespace theta_net::transport
