// Http3Session: HTTP/3 (nghttp3 0.8) on one server-side QUIC connection that chose ALPN "h3".
// QuicConnection owns it and forwards what ngtcp2 reports (stream data, acks, closes, credit);
// the session parses requests, calls the application's HttpHandler once a request is complete,
// and hands the response back to the connection's write loop through next_write()/wrote().
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

#include "theta_net/core/result.hpp"
#include "theta_net/transport/http.hpp"

namespace theta_net::transport {

class Http3Session {
 public:
  // Binds the server's control and QPACK streams on `quic` (its handshake complete).
  // Errors: kState (nghttp3 cannot be created, or ngtcp2 refuses the three streams).
  static Result<std::unique_ptr<Http3Session>> create(ngtcp2_conn* quic, ConnectionId id,
                                                      const HttpHandler& handler,
                                                      const Http3Limits& limits,
                                                      std::uint64_t max_client_bidi_streams,
                                                      std::size_t* open_files);
  ~Http3Session();
  Http3Session(const Http3Session&) = delete;
  Http3Session& operator=(const Http3Session&) = delete;

  // What ngtcp2 reported. A negative result is an nghttp3 error: the connection must close with
  // error_code() (nghttp3_err_infer_quic_app_error_code).
  int on_stream_data(std::int64_t stream_id, const std::uint8_t* data, std::size_t len, bool fin);
  int on_acked(std::int64_t stream_id, std::uint64_t len);
  int on_stream_close(std::int64_t stream_id, std::uint64_t app_error_code);
  int on_stream_reset(std::int64_t stream_id);
  int on_stream_credit(std::int64_t stream_id);
  void on_max_client_streams(std::uint64_t max_streams);

  // The write loop: the next stream data to hand to ngtcp2 (count vectors in vecs, at most
  // max_vecs; stream_id -1 when there is none), then what ngtcp2 did with it.
  struct Write {
    std::int64_t stream_id = -1;
    bool fin = false;
    std::size_t count = 0;
  };
  int next_write(Write& out, ngtcp2_vec* vecs, std::size_t max_vecs);
  int wrote(std::int64_t stream_id, std::size_t accepted);
  void blocked(std::int64_t stream_id);
  void write_shut(std::int64_t stream_id);
  // Resets the streams whose file body failed while a packet was being built (call between
  // packets).
  void reset_failed_streams();

  std::uint64_t requests() const { return requests_; }

 private:
  struct Stream;
  struct Callbacks;
  Http3Session(ngtcp2_conn* quic, ConnectionId id, const HttpHandler& handler,
               const Http3Limits& limits);
  void consume(std::int64_t stream_id, std::size_t n);
  int respond(std::int64_t stream_id, Stream& s);

  ngtcp2_conn* quic_;
  ConnectionId id_;
  const HttpHandler& handler_;
  Http3Limits limits_;
  nghttp3_conn* h3_ = nullptr;
  std::map<std::int64_t, std::unique_ptr<Stream>> streams_;
  std::uint64_t requests_ = 0;
  std::vector<std::int64_t> to_reset_;
  std::uint64_t body_bytes_ = 0;       // upload bodies held, all streams together
  std::size_t* open_files_ = nullptr;  // file bodies being sent by the whole server
};

}  // namespace theta_net::transport
