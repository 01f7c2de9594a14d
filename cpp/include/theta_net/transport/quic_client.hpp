// The QUIC client endpoint: one connection to one server at a time. When the connection is
// lost (timeout, transport error, the server shutting down) it reconnects with exponential
// backoff and jitter: the application sees Disconnected/TimedOut, then a new Connected with a
// new ConnectionId. It does not reconnect after close() or after the server closed it with a
// code that says "you did something wrong" (close_code_allows_reconnect), nor after a handshake
// that cannot succeed (ALPN refused, certificate pin mismatch): then a Disconnected says why.
#pragma once

#include <memory>
#include <optional>

#include "theta_net/transport/endpoint.hpp"
#include "theta_net/transport/quic_config.hpp"

namespace theta_net::transport {

class Http3ClientSession;

// Milestones of the current connection's handshake, on the steady clock (for benchmarks).
struct HandshakeTiming {
  std::chrono::nanoseconds started{0};
  std::chrono::nanoseconds completed{0};  // 0 until then
  std::chrono::nanoseconds confirmed{0};  // HANDSHAKE_DONE received
};

class QuicClient final : public Endpoint {
 public:
  // Starts the first connection attempt at once; Connected follows from poll() (a first
  // attempt that cannot start is a Disconnected event, not an error).
  // Errors: kInvalidArgument (a host that does not resolve, or a pinned_sha256 that is not 64
  // hex digits), kIo (the UDP socket cannot be opened or connected, GnuTLS cannot allocate
  // credentials, or qlog_dir cannot be created as a folder).
  static Result<std::unique_ptr<QuicClient>> create(QuicClientConfig config);
  ~QuicClient() override;

  std::optional<ConnectionId> current() const;  // the open connection, if any
  std::optional<HandshakeTiming> handshake_timing() const;
  std::uint32_t failed_attempts() const;  // consecutive, reset by a successful connect
  // The last attempt failed in a way no retry can fix (certificate pin mismatch, ALPN refused).
  bool failed_for_good() const;

  // Errors: kRejected (the last attempt failed for good: the certificate did not match the pin,
  // or ALPN was refused). Nothing happens while a connection is open or being attempted; one
  // that we closed is ended at once (no closing period) and replaced.
  Status dial() override;
  // Errors: kInvalidArgument (not "host:port", or a host that does not resolve), kIo (no socket
  // can be opened to it).
  Status redirect(std::string_view address) override;
  // Errors: kClosed (`conn` is not the current connection, or it is not open yet or any more),
  // kInvalidArgument (a message the lane rules refuse, see check_message).
  Status send(ConnectionId conn, Lane lane, ByteSpan message) override;
  void poll(std::chrono::nanoseconds max_wait) override;
  std::optional<Event> next_event() override;
  void close(ConnectionId conn, std::uint64_t app_error_code, std::string_view reason) override;
  std::optional<ConnectionStats> stats(ConnectionId conn) const override;
  std::string_view transport_kind(ConnectionId conn) const override;
  std::vector<ConnectionId> connections() const override;
  void interrupt() override;

  struct Impl;

 private:
  friend class Http3Client;  // drives a QuicClient whose connection speaks h3
  // The current connection's HTTP/3 session (config.alpn "h3"), or nullptr.
  Http3ClientSession* http3_session();
  explicit QuicClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace theta_net::transport
