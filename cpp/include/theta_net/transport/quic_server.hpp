// The QUIC server endpoint: one UDP socket, many clients, routed by connection id. Garbage
// datagrams, unknown connection ids and refused handshakes (wrong ALPN) are dropped or closed
// without touching other connections. The session layer drives it like any Endpoint; to refuse
// a peer (a garbage first frame) it calls close(conn, code_value(CloseCode::kProtocolError), ..).
#pragma once

#include <memory>
#include <string>

#include "theta_net/transport/endpoint.hpp"
#include "theta_net/transport/quic_config.hpp"

namespace theta_net::transport {

struct QuicServerCounters {
  std::uint64_t accepted = 0;         // connections whose handshake completed
  std::uint64_t refused = 0;          // handshakes that failed (wrong ALPN, TLS errors)
  std::uint64_t garbage_packets = 0;  // datagrams that are not QUIC, or not for us
  std::uint64_t version_negotiations = 0;
  std::uint64_t http3_connections = 0;  // connections that chose ALPN h3 (open or closed)
  std::uint64_t http3_requests = 0;     // requests they answered
};

class QuicServer final : public Endpoint {
 public:
  // Binds the UDP socket and loads (or makes) the certificate.
  // Errors: kInvalidArgument (a host that does not resolve, or only one of cert_file and
  // key_file given), kIo (the socket cannot be opened or bound, or GnuTLS cannot read, parse,
  // generate or install the certificate, or qlog_dir cannot be created as a folder).
  static Result<std::unique_ptr<QuicServer>> create(QuicServerConfig config);
  // Closes every connection with CloseCode::kShutdown (clients may reconnect).
  ~QuicServer() override;

  std::uint16_t port() const;
  std::string local_address() const;  // "127.0.0.1:4433"
  // Lower-case hex SHA-256 of the certificate presented (for QuicClientConfig::pinned_sha256).
  const std::string& certificate_sha256() const;
  QuicServerCounters counters() const;
  // HTTP/3 upload bodies held now, all connections together (Http3Limits::
  // max_upload_bytes_total). Unlike the rest, safe to read from any thread.
  std::uint64_t http_upload_bytes() const;

  // Errors: kClosed (no such connection, or it is not open yet or any more), kInvalidArgument (a
  // message the lane rules refuse, see check_message).
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
  explicit QuicServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace theta_net::transport
