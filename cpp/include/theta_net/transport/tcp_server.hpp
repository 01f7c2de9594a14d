// The TCP server endpoint: accepts connections on one port and carries each as a RecordLink.
// Same lanes and events as QuicServer; the unreliable lanes arrive reliably and in order
// (record_link.hpp says what that costs and how stale messages are dropped).
#pragma once

#include <memory>

#include "theta_net/transport/endpoint.hpp"
#include "theta_net/transport/tcp_config.hpp"

namespace theta_net::transport {

class TcpServer final : public Endpoint {
 public:
  // Errors: kInvalidArgument (a host that does not resolve, or only one of cert_file and
  // key_file), kIo (the port cannot be bound or listened on, the wake-up eventfd cannot be made,
  // or, with tls, GnuTLS cannot read, make or load the certificate).
  static Result<std::unique_ptr<TcpServer>> create(TcpServerConfig config);
  ~TcpServer() override;  // closes every connection with code shutdown

  std::uint16_t port() const;
  // With tls: the lower-case hex SHA-256 of the certificate (what clients pin); else empty.
  std::string certificate_sha256() const;

  // Errors: kClosed (no such open connection), kInvalidArgument (the lane rules refuse the
  // message), kLimitExceeded (max_send_backlog bytes already wait for this connection).
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
  explicit TcpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace theta_net::transport
