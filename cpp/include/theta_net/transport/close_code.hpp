// Application close codes carried in QUIC CONNECTION_CLOSE (type 0x1d) and in SimNet closes.
// The session layer may define more above kFirstSessionCode.
#pragma once

#include <cstdint>
#include <string_view>

namespace theta_net::transport {

enum class CloseCode : std::uint64_t {
  kNormal = 0,             // an orderly goodbye
  kShutdown = 1,           // the server is going away; clients may reconnect
  kProtocolError = 2,      // the peer broke the wire protocol (bad frame, bad lane byte)
  kMessageTooLarge = 3,    // a reliable message declared a length over the configured limit
  kResourceLimit = 4,      // the peer made us buffer more than a connection may
  kHandshakeRejected = 5,  // the session layer refused the hello (version, schema, auth)
  kKicked = 6,             // removed by the server
  kFirstSessionCode = 0x100,
};

constexpr std::uint64_t code_value(CloseCode code) {
  return static_cast<std::uint64_t>(code);
}
std::string_view close_code_name(std::uint64_t code);

// Whether a client should reconnect after the server closed with this application code: yes
// for a shutdown, no for codes that say "you did something wrong" (reconnecting would loop).
constexpr bool close_code_allows_reconnect(std::uint64_t code) {
  return code == code_value(CloseCode::kShutdown);
}

}  // namespace theta_net::transport
