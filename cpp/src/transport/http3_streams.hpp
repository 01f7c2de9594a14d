// Http3Streams: what the server's and the client's HTTP/3 sides share on one QUIC connection.
// QuicConnection forwards what ngtcp2 reports (stream data, acks, closes, credit) to it, and its
// write loop asks it for the next stream data (next_write) and tells it what ngtcp2 took (wrote).
// The two sides differ only in nghttp3's callbacks: Http3Session answers requests,
// Http3ClientSession sends them and collects the responses. Private to the transport module.
#pragma once

#include <nghttp3/nghttp3.h>
#include <ngtcp2/ngtcp2.h>

#include <cstdint>
#include <utility>
#include <vector>

#include "theta_net/core/result.hpp"

namespace theta_net::transport {

class Http3Streams {
 public:
  virtual ~Http3Streams();
  Http3Streams(const Http3Streams&) = delete;
  Http3Streams& operator=(const Http3Streams&) = delete;

  // What ngtcp2 reported. A negative result is an nghttp3 error: the connection must close with
  // its HTTP/3 code (nghttp3_err_infer_quic_app_error_code).
  int on_stream_data(std::int64_t stream_id, const std::uint8_t* data, std::size_t len, bool fin);
  int on_acked(std::int64_t stream_id, std::uint64_t len);
  int on_stream_close(std::int64_t stream_id, std::uint64_t app_error_code);
  int on_stream_reset(std::int64_t stream_id);
  int on_stream_credit(std::int64_t stream_id);
  // The peer allows more bidirectional streams of its own (only a server cares).
  virtual void on_max_client_streams(std::uint64_t) {}
  // nghttp3 itself resets a stream with this HTTP/3 code (a message it found malformed).
  virtual void on_local_reset(std::int64_t, std::uint64_t) {}

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
  // Resets the streams that failed while a packet was being built (call between packets: no
  // ngtcp2 call may come in the middle of one).
  void reset_failed_streams();

  // Requests answered (server) or sent (client).
  virtual std::uint64_t requests() const = 0;

 protected:
  explicit Http3Streams(ngtcp2_conn* quic) : quic_(quic) {}
  // Opens this side's control and QPACK encoder/decoder streams and binds them to h3_.
  // Errors: kState (the peer allows too few unidirectional streams, or nghttp3 refuses them).
  Status bind_local_streams();
  // Gives the peer credit back for n bytes of a stream that were taken.
  void consume(std::int64_t stream_id, std::size_t n);
  // Ends a stream with an HTTP/3 error code after the packet being built.
  void reset_later(std::int64_t stream_id, std::uint64_t code = NGHTTP3_H3_INTERNAL_ERROR) {
    to_reset_.push_back({stream_id, code});
  }
  // The callbacks both sides set the same way (credit for deferred bytes, STOP_SENDING and
  // RESET_STREAM the peer asked for); nghttp3's user_data is the Http3Streams.
  static void add_shared_callbacks(nghttp3_callbacks& cb);

  ngtcp2_conn* quic_;
  nghttp3_conn* h3_ = nullptr;

 private:
  struct SharedCallbacks;
  std::vector<std::pair<std::int64_t, std::uint64_t>> to_reset_;  // stream, code
};

}  // namespace theta_net::transport
