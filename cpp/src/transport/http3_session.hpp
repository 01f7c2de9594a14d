// Http3Session: HTTP/3 (nghttp3 0.8) on one server-side QUIC connection that chose ALPN "h3".
// QuicConnection owns it and forwards what ngtcp2 reports (Http3Streams); the session parses
// requests, calls the application's HttpHandler once a request is complete, and hands the
// response back to the connection's write loop.
// Bodies from files are read as the peer acknowledges what it got, at most
// Http3Limits::file_window_bytes ahead, so a slow reader holds a bounded amount of memory.
// Private to the transport module.
#pragma once

#include <nghttp3/nghttp3.h>
#include <ngtcp2/ngtcp2.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "http3_streams.hpp"
#include "theta_net/core/result.hpp"
#include "theta_net/transport/http.hpp"

namespace theta_net::transport {

// What the HTTP/3 connections of one server share: the bounds that hold for all of them together
// (Http3Limits::max_open_files, max_upload_bytes_total). Owned by the server; every count is
// given back by the stream that took it, whichever way it ends.
struct Http3ServerShared {
  std::size_t open_files = 0;                  // file bodies being sent
  std::atomic<std::uint64_t> upload_bytes{0};  // upload bodies held (read from any thread)
};

struct Http3Routes {
  const HttpHandler* handler = nullptr;
  const HttpHeaderCheck* check = nullptr;     // may be null or empty
  const HttpBodySinkFactory* sink = nullptr;  // may be null or empty
};

class Http3Session final : public Http3Streams {
 public:
  // Binds the server's control and QPACK streams on `quic` (its handshake complete).
  // Errors: kState (nghttp3 cannot be created, or ngtcp2 refuses the three streams).
  static Result<std::unique_ptr<Http3Session>> create(ngtcp2_conn* quic, ConnectionId id,
                                                      Http3Routes routes, const Http3Limits& limits,
                                                      std::uint64_t max_client_bidi_streams,
                                                      Http3ServerShared* shared);
  ~Http3Session() override;

  void on_max_client_streams(std::uint64_t max_streams) override;
  std::uint64_t requests() const override { return requests_; }

 private:
  struct Stream;
  struct Callbacks;
  Http3Session(ngtcp2_conn* quic, ConnectionId id, Http3Routes routes, const Http3Limits& limits,
               Http3ServerShared* shared);
  int respond(std::int64_t stream_id, Stream& s);
  // The transport's own refusals, which need no handler: 431 (header fields over the bound),
  // 400 (no method or no absolute path), 413 and 503 (a body over this connection's or the
  // server's budget). nullopt: the request goes to the handler.
  std::optional<HttpResponse> refusal(const Stream& s) const;
  // Gives the request's body a sink from the factory, within max_open_files; an answer when it
  // cannot have one (503 past the bound, 413 or 500 for the factory's error).
  std::optional<HttpResponse> open_sink(Stream& s, const HttpBodySinkFactory& factory);
  // Answers before the request is complete and asks the client to stop sending its body.
  int answer_early(std::int64_t stream_id, Stream& s, HttpResponse response);
  // Sends the response now (status, headers, a body from memory or a file).
  int submit(std::int64_t stream_id, Stream& s);
  // Gives back what a stream's upload body counted against both budgets, and drops it.
  void release_body(Stream& s);

  ConnectionId id_;
  Http3Routes routes_;
  Http3Limits limits_;
  Http3ServerShared* shared_;  // may be null (then only this connection's bounds hold)
  std::map<std::int64_t, std::unique_ptr<Stream>> streams_;
  std::uint64_t requests_ = 0;
  std::uint64_t body_bytes_ = 0;  // upload bodies held, all streams together
};

}  // namespace theta_net::transport
