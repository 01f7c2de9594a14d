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

#include <cstdint>
#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <vector>

#include "http3_streams.hpp"
#include "theta_net/core/result.hpp"
#include "theta_net/transport/http.hpp"

namespace theta_net::transport {

class Http3Session final : public Http3Streams {
 public:
  // Binds the server's control and QPACK streams on `quic` (its handshake complete).
  // Errors: kState (nghttp3 cannot be created, or ngtcp2 refuses the three streams).
  static Result<std::unique_ptr<Http3Session>> create(ngtcp2_conn* quic, ConnectionId id,
                                                      const HttpHandler& handler,
                                                      const Http3Limits& limits,
                                                      std::uint64_t max_client_bidi_streams,
                                                      std::size_t* open_files);
  ~Http3Session() override;

  void on_max_client_streams(std::uint64_t max_streams) override;
  std::uint64_t requests() const override { return requests_; }

 private:
  struct Stream;
  struct Callbacks;
  Http3Session(ngtcp2_conn* quic, ConnectionId id, const HttpHandler& handler,
               const Http3Limits& limits);
  int respond(std::int64_t stream_id, Stream& s);

  ConnectionId id_;
  const HttpHandler& handler_;
  Http3Limits limits_;
  std::map<std::int64_t, std::unique_ptr<Stream>> streams_;
  std::uint64_t requests_ = 0;
  std::uint64_t body_bytes_ = 0;       // upload bodies held, all streams together
  std::size_t* open_files_ = nullptr;  // file bodies being sent by the whole server
};

}  // namespace theta_net::transport
