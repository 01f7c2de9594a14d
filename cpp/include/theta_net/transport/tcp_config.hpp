// Configuration of the TCP endpoints: theta_net's lanes as records over one TCP connection
// (RecordLink), for native clients on networks that block UDP (docs/transport.md,
// "Byte-stream transports").
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "theta_net/transport/record_link.hpp"

namespace theta_net::transport {

struct TcpCommonConfig {
  RecordLinkConfig link;  // message bounds, backlogs, idle timeout, ping interval
  // After close(), queued records are flushed and the peer's end awaited for at most this long.
  std::chrono::nanoseconds close_linger{std::chrono::seconds(1)};
};

struct TcpServerConfig : TcpCommonConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;              // 0 = an ephemeral port (TcpServer::port() tells which)
  std::size_t max_connections = 4096;  // past it, new connections are closed at once
};

struct TcpClientConfig : TcpCommonConfig {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
};

}  // namespace theta_net::transport
