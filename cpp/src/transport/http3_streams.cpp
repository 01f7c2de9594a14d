#include "http3_streams.hpp"

#include <algorithm>
#include <array>

namespace theta_net::transport {

namespace {

Http3Streams* self(void* user_data) {
  return static_cast<Http3Streams*>(user_data);
}

}  // namespace

Http3Streams::~Http3Streams() {
  if (h3_) nghttp3_conn_del(h3_);
}

struct Http3Streams::SharedCallbacks {
  static int deferred_consume(nghttp3_conn*, std::int64_t id, std::size_t n, void* ud, void*) {
    self(ud)->consume(id, n);
    return 0;
  }
  static int stop_sending(nghttp3_conn*, std::int64_t id, std::uint64_t code, void* ud, void*) {
    ngtcp2_conn_shutdown_stream_read(self(ud)->quic_, id, code);
    return 0;
  }
  static int reset_stream(nghttp3_conn*, std::int64_t id, std::uint64_t code, void* ud, void*) {
    self(ud)->on_local_reset(id, code);
    ngtcp2_conn_shutdown_stream_write(self(ud)->quic_, id, code);
    return 0;
  }
};

void Http3Streams::add_shared_callbacks(nghttp3_callbacks& cb) {
  cb.deferred_consume = SharedCallbacks::deferred_consume;
  cb.stop_sending = SharedCallbacks::stop_sending;
  cb.reset_stream = SharedCallbacks::reset_stream;
}

Status Http3Streams::bind_local_streams() {
  std::int64_t control = -1, encoder = -1, decoder = -1;
  if (ngtcp2_conn_open_uni_stream(quic_, &control, nullptr) != 0 ||
      ngtcp2_conn_open_uni_stream(quic_, &encoder, nullptr) != 0 ||
      ngtcp2_conn_open_uni_stream(quic_, &decoder, nullptr) != 0) {
    return make_error(ErrorCode::kState, "the peer allows too few streams for HTTP/3");
  }
  if (nghttp3_conn_bind_control_stream(h3_, control) != 0 ||
      nghttp3_conn_bind_qpack_streams(h3_, encoder, decoder) != 0) {
    return make_error(ErrorCode::kState, "nghttp3 cannot bind its streams");
  }
  return {};
}

void Http3Streams::consume(std::int64_t stream_id, std::size_t n) {
  ngtcp2_conn_extend_max_stream_offset(quic_, stream_id, n);
  ngtcp2_conn_extend_max_offset(quic_, n);
}

int Http3Streams::on_stream_data(std::int64_t stream_id, const std::uint8_t* data, std::size_t len,
                                 bool fin) {
  const nghttp3_ssize consumed = nghttp3_conn_read_stream(h3_, stream_id, data, len, fin ? 1 : 0);
  if (consumed < 0) return static_cast<int>(consumed);
  consume(stream_id, static_cast<std::size_t>(consumed));
  return 0;
}

int Http3Streams::on_acked(std::int64_t stream_id, std::uint64_t len) {
  return nghttp3_conn_add_ack_offset(h3_, stream_id, len);
}

int Http3Streams::on_stream_close(std::int64_t stream_id, std::uint64_t app_error_code) {
  if (app_error_code == 0) app_error_code = NGHTTP3_H3_NO_ERROR;
  const int rv = nghttp3_conn_close_stream(h3_, stream_id, app_error_code);
  return rv == NGHTTP3_ERR_STREAM_NOT_FOUND ? 0 : rv;
}

int Http3Streams::on_stream_reset(std::int64_t stream_id) {
  return nghttp3_conn_shutdown_stream_read(h3_, stream_id);
}

int Http3Streams::on_stream_credit(std::int64_t stream_id) {
  return nghttp3_conn_unblock_stream(h3_, stream_id);
}

void Http3Streams::reset_failed_streams() {
  for (const auto& [id, code] : to_reset_) ngtcp2_conn_shutdown_stream(quic_, id, code);
  to_reset_.clear();
}

int Http3Streams::next_write(Write& out, ngtcp2_vec* vecs, std::size_t max_vecs) {
  // With the connection's window full, nghttp3 would offer the same stream again and again
  // (ngtcp2 0.12 does not report that as blocked): write only ACKs and control until credit.
  if (ngtcp2_conn_get_max_data_left(quic_) == 0) return 0;
  std::array<nghttp3_vec, 16> h3vecs;  // on the stack: this runs once per packet written
  max_vecs = std::min(max_vecs, h3vecs.size());
  int fin = 0;
  const nghttp3_ssize n =
      nghttp3_conn_writev_stream(h3_, &out.stream_id, &fin, h3vecs.data(), max_vecs);
  if (n < 0) return static_cast<int>(n);
  out.fin = fin != 0;
  out.count = static_cast<std::size_t>(n);
  for (std::size_t i = 0; i < out.count; ++i) vecs[i] = {h3vecs[i].base, h3vecs[i].len};
  return 0;
}

int Http3Streams::wrote(std::int64_t stream_id, std::size_t accepted) {
  return nghttp3_conn_add_write_offset(h3_, stream_id, accepted);
}

void Http3Streams::blocked(std::int64_t stream_id) {
  nghttp3_conn_block_stream(h3_, stream_id);
}

void Http3Streams::write_shut(std::int64_t stream_id) {
  nghttp3_conn_shutdown_stream_write(h3_, stream_id);
}

}  // namespace theta_net::transport
