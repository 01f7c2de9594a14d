// Configuration of the QUIC endpoints (ngtcp2 0.12 + GnuTLS underneath; docs/transport.md).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "theta_net/transport/http.hpp"
#include "theta_net/transport/lane.hpp"

namespace theta_net::transport {

// The only ALPN theta_net speaks; a peer offering anything else is refused in the handshake.
inline constexpr std::string_view kAlpn = "theta/1";
// The ALPN of HTTP/3 (RFC 9114): a server with HTTP routes accepts it beside kAlpn, and
// Http3Client offers it.
inline constexpr std::string_view kHttp3Alpn = "h3";

// BBR keeps throughput up under random (non-congestion) loss, which loss-based CUBIC reads as
// congestion: at 100 ms RTT and 2% loss CUBIC moves ~100 kB/s, BBR several MB/s.
enum class CongestionControl : std::uint8_t { kCubic, kBbr, kReno };

struct QuicCommonConfig {
  CongestionControl congestion_control = CongestionControl::kCubic;
  std::chrono::nanoseconds idle_timeout{std::chrono::seconds(10)};
  std::chrono::nanoseconds keep_alive{0};  // PING after this much quiet; 0 = off
  std::chrono::nanoseconds handshake_timeout{std::chrono::seconds(5)};
  // close() first flushes queued reliable data for at most this long, then sends the close.
  std::chrono::nanoseconds close_linger{std::chrono::seconds(1)};
  std::size_t max_message_size = kDefaultMaxMessageSize;
  std::string qlog_dir;     // non-empty: one qlog file (JSON-SEQ) per connection in this folder
  std::string keylog_file;  // NSS key log; empty = $SSLKEYLOGFILE when set
  bool use_gso = true;      // UDP generic segmentation offload when the kernel has it
};

struct QuicServerConfig : QuicCommonConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  // 0 = an ephemeral port (QuicServer::port() tells which)
  // PEM files; both empty = a self-signed ECDSA P-256 certificate generated at start.
  std::string cert_file;
  std::string key_file;
  std::size_t max_connections = 4096;
  // Set: the server also speaks HTTP/3 (ALPN h3) on its port and answers every request with
  // this handler, on the thread that polls the server (transport/http.hpp). Unset: only theta/1.
  HttpHandler http;
  HttpHeaderCheck http_check;     // optional: refuses a request's body before it arrives
  HttpBodySinkFactory http_sink;  // optional: where a body goes instead of memory
  Http3Limits http_limits;
};

struct ReconnectPolicy {
  bool enabled = true;
  std::chrono::nanoseconds initial_delay{std::chrono::milliseconds(250)};
  std::chrono::nanoseconds max_delay{std::chrono::seconds(10)};
  double multiplier = 2.0;
  double jitter = 0.25;            // each delay is scaled by a uniform factor in [1 - j, 1 + j]
  std::uint32_t max_attempts = 0;  // consecutive failed attempts before giving up; 0 = never
};

struct QuicClientConfig : QuicCommonConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  // SHA-256 of the server certificate (DER), hex with or without colons. Empty = accept any
  // certificate: theta_net is a LAN tool and servers default to self-signed certificates.
  std::string pinned_sha256;
  std::string server_name = "localhost";  // SNI
  std::string alpn = std::string(kAlpn);  // tests set another to check the server refuses it
  ReconnectPolicy reconnect;
  std::uint64_t seed = 0;  // backoff jitter; 0 = from the OS
};

}  // namespace theta_net::transport
