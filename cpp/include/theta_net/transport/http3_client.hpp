// Http3Client: HTTP/3 requests to a theta_net server (or any HTTP/3 server) over one QUIC
// connection, on the same ngtcp2 + GnuTLS stack as the game's connections. Tools use it to
// scrape /metrics, read /status, fetch assets with ranges (into memory or straight into a file)
// and upload them (PUT /assets with an editor's token); the benchmarks use it to measure the
// server's HTTP/3 side without a foreign client's costs.
//
// Requests are multiplexed: submit() several, poll(), take() each outcome. fetch() does the three
// for one request. A response body in memory is bounded (max_body_bytes); one written to a file
// goes to "<save_to>.part" and is renamed to save_to only once it is complete, so a broken
// download never leaves a file that looks whole. The client does not reconnect: once the
// connection is gone, every request still open fails with kClosed and new ones are refused.
// Not thread-safe: one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "theta_net/core/result.hpp"
#include "theta_net/transport/event.hpp"
#include "theta_net/transport/http.hpp"
#include "theta_net/transport/quic_config.hpp"

namespace theta_net::transport {

struct Http3ClientConfig : QuicCommonConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string pinned_sha256;  // the server certificate's SHA-256 (hex); empty = accept any
  std::string server_name = "localhost";     // SNI, and :authority with the port
  std::size_t max_body_bytes = 64u << 20;    // a response body held in memory
  std::size_t max_header_bytes = 16u << 10;  // a response's names and values together
  // A body saved to a file whose content-length is at least this is written with O_DIRECT,
  // past the page cache (FileWriter::direct), where the file system has it; 0 = never.
  std::uint64_t direct_io_min_bytes = 8u << 20;
};

struct HttpClientRequest {
  std::string method = "GET";
  std::string path = "/";           // absolute path and query: "/assets/ab12..."
  std::vector<HttpHeader> headers;  // regular fields ("range", "authorization"); lower case
  Bytes body;                       // sent with content-length when non-empty or a PUT/POST
  // More body follows through Http3Client::send_body (then no content-length is sent): an
  // upload larger than memory, or one produced while it is sent.
  bool body_follows = false;
  std::string save_to;  // non-empty: the body goes to this file instead of memory
};

struct HttpClientResponse {
  int status = 0;
  std::vector<HttpHeader> headers;  // regular fields, names lower case
  Bytes body;                       // empty when saved to a file
  std::uint64_t body_bytes = 0;     // bytes received, in memory or in the file
  std::string saved_to;             // the complete file, when the request named one

  // The value of the first field with that (lower-case) name.
  std::optional<std::string_view> header(std::string_view name) const;
};

class Http3ClientSession;
class QuicClient;

class Http3Client {
 public:
  // Connects with ALPN h3 and waits for the handshake (config.handshake_timeout).
  // Errors: kInvalidArgument (a host that does not resolve, a pin that is not 64 hex digits),
  // kIo (no socket, no credentials, a qlog_dir that cannot be made), kRejected (the certificate
  // did not match the pin, or the server does not speak h3), kTimeout (no handshake in time),
  // kClosed (the server closed the connection during the handshake).
  static Result<std::unique_ptr<Http3Client>> connect(Http3ClientConfig config);
  ~Http3Client();
  Http3Client(const Http3Client&) = delete;
  Http3Client& operator=(const Http3Client&) = delete;

  // Queues a request; it goes out at the next poll (at once if the server allows another stream,
  // else when it does). Returns the request's id for take().
  // Errors: kInvalidArgument (an empty or malformed method, a path that does not start with '/',
  // a header name that is not lower-case token characters, a name or value with CR, LF or NUL),
  // kClosed (the connection is gone).
  Result<std::uint64_t> submit(HttpClientRequest request);
  // Sends, receives and runs timers, waiting at most max_wait for something to happen.
  void poll(std::chrono::nanoseconds max_wait);
  // The outcome of request `id` once it is known, handed over once (nullopt while it is under
  // way, and for an id that is unknown or was taken already).
  // Errors (in the outcome): kLimitExceeded (a body over max_body_bytes, headers over
  // max_header_bytes), kClosed (the server reset the request, or the connection ended before the
  // response was complete), kIo (save_to could not be written), kCorrupt (a response without a
  // valid :status).
  std::optional<Result<HttpClientResponse>> take(std::uint64_t id);
  // submit(), then poll() until the request's outcome or the timeout.
  // Errors: those of submit and take, and kTimeout (no outcome in time; the request is cancelled).
  Result<HttpClientResponse> fetch(HttpClientRequest request, std::chrono::nanoseconds timeout);
  // Cancels a request still under way (its outcome becomes kClosed "cancelled").
  void cancel(std::uint64_t id);
  // Appends to the body of a request submitted with body_follows; fin ends it. The bytes stay in
  // memory until the server acknowledges them (body_bytes_unacked tells how many that is).
  // Errors: kState (the request was not submitted with body_follows, or its body has ended),
  // kClosed (the request is over: answered, refused early, failed, or cancelled).
  Status send_body(std::uint64_t id, ByteSpan bytes, bool fin);
  // Body bytes of request `id` given but not yet acknowledged by the server (0 if unknown).
  std::uint64_t body_bytes_unacked(std::uint64_t id) const;

  bool connected() const;
  // Closes the connection (HTTP/3 NO_ERROR); requests still open fail with kClosed.
  void close();
  std::optional<ConnectionStats> stats() const;

  struct Impl;

 private:
  explicit Http3Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace theta_net::transport
