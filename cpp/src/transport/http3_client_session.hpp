// Http3ClientSession: the client's HTTP/3 side (nghttp3 0.8) of one QUIC connection that chose
// ALPN "h3". It sends the requests Http3Client hands it, each on its own bidirectional stream,
// and turns what comes back into outcomes: a response with its body in memory (bounded) or in a
// file (written to "<save_to>.part" by a FileWriter thread, renamed once complete), or a typed
// error. Private to the
// transport module.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <string>

#include "http3_streams.hpp"
#include "theta_net/core/file_writer.hpp"
#include "theta_net/transport/http3_client.hpp"

namespace theta_net::transport {

struct Http3Outcome {
  std::uint64_t id = 0;  // Http3Client's request id
  Result<HttpClientResponse> result;
};

class Http3ClientSession final : public Http3Streams {
 public:
  struct Limits {
    std::size_t max_body_bytes = 64u << 20;
    std::uint64_t direct_io_min_bytes = 8u << 20;  // Http3ClientConfig's
    std::size_t max_header_bytes = 16u << 10;
    std::string authority;  // ":authority" of every request
  };

  // Binds the client's control and QPACK streams on `quic` (its handshake complete).
  // Errors: kState (nghttp3 cannot be created, or the server allows too few streams).
  static Result<std::unique_ptr<Http3ClientSession>> create(ngtcp2_conn* quic);
  ~Http3ClientSession() override;

  // Where outcomes go (owned by Http3Client, which outlives any one connection) and the limits.
  void configure(Limits limits, std::deque<Http3Outcome>* outcomes);
  // Whether the server allows another request stream now.
  bool can_submit() const;
  // Opens a stream for request `id` and submits it (the request was checked by Http3Client).
  // Errors: kLimitExceeded (no stream allowed now: see can_submit), kIo (save_to's part file
  // cannot be created), kState (nghttp3 refuses the request).
  Status submit(std::uint64_t id, HttpClientRequest request);
  // Ends request `id` if it is open: the stream is reset and its outcome is kClosed.
  void cancel(std::uint64_t id);
  // More body for request `id` (submitted with body_follows); fin ends it.
  // Errors: kClosed (no such open request here), kState (its body has ended already).
  Status add_body(std::uint64_t id, Bytes bytes, bool fin);
  // Body bytes of request `id` handed over but not acknowledged yet.
  std::uint64_t body_unacked(std::uint64_t id) const;
  // The connection ended: every open request's outcome is this error.
  void fail_all(const Error& why);

  std::uint64_t requests() const override { return submitted_; }
  void on_local_reset(std::int64_t stream_id, std::uint64_t code) override;

 private:
  struct Stream;
  struct Callbacks;
  explicit Http3ClientSession(ngtcp2_conn* quic);
  // Hands the stream's outcome over once (later callbacks for it are ignored).
  void finish(Stream& s, Result<HttpClientResponse> result);
  void fail(Stream& s, Error why);

  Limits limits_;
  std::deque<Http3Outcome>* outcomes_ = nullptr;
  FileWriter writer_;  // before streams_: a stream abandons its file through it as it goes
  std::map<std::int64_t, std::unique_ptr<Stream>> streams_;
  std::uint64_t submitted_ = 0;
};

}  // namespace theta_net::transport
