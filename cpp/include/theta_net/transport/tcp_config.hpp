// Configuration of the TCP endpoints: theta_net's lanes over one TCP connection, as records
// (RecordLink: native clients on networks that block UDP) or as WebSocket messages (WsLink:
// browsers); docs/transport.md, "Byte-stream transports".
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "theta_net/transport/stream_link.hpp"
#include "theta_net/transport/ws_link.hpp"

namespace theta_net::transport {

// How a connection's lanes are framed on the stream: theta_net's own records (RecordLink), or
// WebSocket (WsLink), which browsers speak. A server can also tell them apart by the client's
// first byte (kDetect): 'G' starts an HTTP GET, so WebSocket; anything else, records (whose
// preface starts with 't'). Clients must pick one.
enum class StreamFraming : std::uint8_t { kRecords, kWebSocket, kDetect };

struct TcpCommonConfig {
  StreamFraming framing = StreamFraming::kRecords;
  StreamLinkConfig link;      // message bounds, backlogs, idle timeout, ping interval
  WebSocketConfig websocket;  // with kWebSocket: the upgrade's path, origins, Host
  // TLS 1.3 (GnuTLS) under the framing: theta/1 records over TLS, or wss://.
  bool tls = false;
  // After close(), queued records are flushed and the peer's end awaited for at most this long.
  std::chrono::nanoseconds close_linger{std::chrono::seconds(1)};
};

struct TcpServerConfig : TcpCommonConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;              // 0 = an ephemeral port (TcpServer::port() tells which)
  std::size_t max_connections = 4096;  // past it, new connections are closed at once
  // With tls: PEM files; both empty = a self-signed ECDSA P-256 certificate made at start.
  std::string cert_file;
  std::string key_file;
};

struct TcpClientConfig : TcpCommonConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  // With tls: the server certificate's SHA-256 (hex, colons allowed); empty = any certificate
  // (theta_net is a LAN tool and servers default to self-signed certificates), and the SNI.
  std::string pinned_sha256;
  std::string server_name = "localhost";
};

}  // namespace theta_net::transport
