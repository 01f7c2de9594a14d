// The TCP client endpoint: one connection to one server at a time. It does not reconnect by
// itself: the session's ClientDriver calls dial() when it wants a new attempt (as with
// QuicClient). A failed attempt (refused, reset, no preface in time) is a Disconnected or
// TimedOut event for that attempt's ConnectionId.
#pragma once

#include <memory>

#include "theta_net/transport/endpoint.hpp"
#include "theta_net/transport/tcp_config.hpp"

namespace theta_net::transport {

class TcpClient final : public Endpoint {
 public:
  // Starts the first attempt at once; Connected follows from poll().
  // Errors: kInvalidArgument (a host that does not resolve, a pinned_sha256 that is not 64 hex
  // digits), kIo (the wake-up eventfd or, with tls, GnuTLS's credentials cannot be made).
  static Result<std::unique_ptr<TcpClient>> create(TcpClientConfig config);
  ~TcpClient() override;  // closes the connection with code normal

  std::optional<ConnectionId> current() const;  // the open connection, if any
  std::uint32_t failed_attempts() const;        // consecutive, reset by a successful open

  // Starts a new attempt unless one is open or under way. Never fails: an attempt that cannot
  // start is reported as a Disconnected event.
  // Errors: none.
  Status dial() override;
  // The next dial() goes to "host:port" (host migration); an open connection is closed at once
  // with code normal. With WebSocket framing the Host header follows the new address.
  // Errors: kInvalidArgument (an address that does not parse or resolve).
  Status redirect(std::string_view address) override;
  // Errors: kClosed (`conn` is not the open connection), kInvalidArgument (the lane rules
  // refuse the message), kLimitExceeded (max_send_backlog bytes already wait).
  Status send(ConnectionId conn, Lane lane, ByteSpan message) override;
  void poll(std::chrono::nanoseconds max_wait) override;
  std::optional<Event> next_event() override;
  void close(ConnectionId conn, std::uint64_t app_error_code, std::string_view reason) override;
  std::optional<ConnectionStats> stats(ConnectionId conn) const override;
  std::string_view transport_kind(ConnectionId conn) const override;
  std::vector<ConnectionId> connections() const override;
  void interrupt() override;
  std::optional<WaitSet> wait_set() override;

  struct Impl;

 private:
  explicit TcpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace theta_net::transport
