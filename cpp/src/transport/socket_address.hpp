// A socket address (IPv4 or IPv6) and the parsing every socket-based transport shares: UDP for
// QUIC and the relay, TCP for the byte-stream transports.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "theta_net/core/result.hpp"

namespace theta_net::transport {

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t len = 0;

  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
  sockaddr* get() { return reinterpret_cast<sockaddr*>(&storage); }
  std::uint16_t port() const;
  std::string to_string() const;
  bool operator==(const SocketAddress& o) const;
};

// Resolves a numeric address or a name ("127.0.0.1", "::1", "localhost") and a port.
// Errors: kInvalidArgument (getaddrinfo cannot resolve it).
Result<SocketAddress> resolve_address(const std::string& host, std::uint16_t port);
// "HOST:PORT" or "[V6]:PORT".
// Errors: kInvalidArgument (no port, a port that is not a number up to 65535, or a host that
// does not resolve).
Result<SocketAddress> parse_host_port(std::string_view text);

}  // namespace theta_net::transport
