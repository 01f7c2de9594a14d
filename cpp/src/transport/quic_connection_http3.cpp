// QuicConnection's HTTP/3 side: a connection that chose ALPN h3 hands its streams to an
// Http3Session (http3_session.hpp) instead of the lanes, and its write loop takes stream data
// from it.
#include <nghttp3/nghttp3.h>

#include "quic_connection.hpp"

namespace theta_net::transport {

bool QuicConnection::ensure_http3() {
  if (h3_) return true;
  if (pending_close_ || !http3_) return false;
  if (!setup_.server) {
    auto session = Http3ClientSession::create(conn_);
    if (!session.ok()) {
      protocol_error(NGHTTP3_H3_INTERNAL_ERROR, session.error().message);
      return false;
    }
    h3_client_ = session->get();
    h3_ = std::move(*session);
    return true;
  }
  auto session = Http3Session::create(
      conn_, id_, Http3Routes{setup_.http, setup_.http_check, setup_.http_sink}, setup_.http_limits,
      setup_.http_limits.max_requests_open, setup_.http_shared);
  if (!session.ok()) {
    protocol_error(NGHTTP3_H3_INTERNAL_ERROR, session.error().message);
    return false;
  }
  h3_ = std::move(*session);
  return true;
}

Http3ClientSession* QuicConnection::http3_client() {
  if (setup_.server || phase_ != Phase::kOpen || !ensure_http3()) return nullptr;
  return h3_client_;
}

void QuicConnection::http3_failed(int rv) {
  protocol_error(nghttp3_err_infer_quic_app_error_code(rv),
                 str_cat("HTTP/3: ", nghttp3_strerror(rv)));
}

Http3Streams::Write QuicConnection::http3_next(ngtcp2_vec* vecs, std::size_t max_vecs) {
  Http3Streams::Write w;
  if (pending_close_) return w;
  if (const int rv = h3_->next_write(w, vecs, max_vecs); rv < 0) {
    http3_failed(rv);
    w = {};
  }
  return w;
}

void QuicConnection::http3_written(const Http3Streams::Write& w, ngtcp2_ssize n,
                                   ngtcp2_ssize accepted) {
  if (w.stream_id < 0) return;
  if (n == NGTCP2_ERR_STREAM_DATA_BLOCKED) {
    h3_->blocked(w.stream_id);
    return;
  }
  if (n == NGTCP2_ERR_STREAM_SHUT_WR) {
    h3_->write_shut(w.stream_id);
    return;
  }
  if (accepted >= 0) {
    if (const int rv = h3_->wrote(w.stream_id, static_cast<std::size_t>(accepted)); rv != 0) {
      http3_failed(rv);
    }
  }
}

}  // namespace theta_net::transport
