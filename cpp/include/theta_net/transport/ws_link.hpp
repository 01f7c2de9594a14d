// WsLink: a connection as a WebSocket (RFC 6455), so browsers can connect (stream_link.hpp says
// what every link does). The HTTP/1.1 upgrade is http_upgrade's; frames are wslay's (Debian's
// libwslay 1.1.1, frames without I/O), fed from and into this link's buffers.
//
// Each lane message is one binary WebSocket message: the lane id byte, then the message. Pings
// are WebSocket pings with an 8-byte token (browsers answer them by themselves), and a close
// carries the application code as WebSocket status 4000 + code (the range RFC 6455 leaves to
// applications) with a reason of at most 123 bytes. A text message is a protocol error (status
// 4002): theta/1 is binary.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "theta_net/core/rng.hpp"
#include "theta_net/transport/http_upgrade.hpp"
#include "theta_net/transport/stream_link.hpp"

namespace theta_net::transport {

struct WebSocketConfig {
  UpgradePolicy policy;    // server: the path and the origins it accepts
  std::string host;        // client: the Host header (TcpClient: HOST:PORT it dials)
  std::string path = "/";  // client: the request target
  std::uint64_t seed = 1;  // client: handshake key and frame masks (0: from the OS)
};

// WebSocket status codes: application codes travel as 4000 + code.
inline constexpr std::uint16_t kWebSocketAppBase = 4000;
std::uint16_t websocket_status_of(std::uint64_t app_code);
// The application's view of a received status: an application code where one maps, else
// nothing (the status is kept as a transport code).
std::optional<std::uint64_t> app_code_of_websocket_status(std::uint16_t status);

class WsLink final : public StreamLink {
 public:
  // The client queues its upgrade request at once; the server waits for it.
  WsLink(Role role, StreamLinkConfig config, WebSocketConfig ws, std::chrono::nanoseconds now);
  ~WsLink() override;

  void receive(ByteSpan bytes, std::chrono::nanoseconds now) override;

  // The server's verdict on the upgrade (after it came); for logs and tests.
  const std::optional<UpgradeVerdict>& verdict() const { return verdict_; }

  struct Frames;  // wslay's context and its callbacks

 private:
  void write_message(Lane lane, ByteSpan message) override;
  void write_ping(std::uint64_t token) override;
  void write_close(std::uint64_t code, std::string_view reason) override;
  void write_refusal(CloseCode, std::string_view) override {}  // the HTTP refusal is written
  std::size_t queued_elsewhere() const override;

  void read_head(std::chrono::nanoseconds now);
  void start_frames();
  void pump_frames(std::chrono::nanoseconds now);
  void flush_frames();

  Role role_;
  WebSocketConfig ws_;
  Rng rng_;
  std::string key_;  // client: our Sec-WebSocket-Key
  Bytes head_;       // the HTTP head as it arrives
  std::optional<UpgradeVerdict> verdict_;
  std::unique_ptr<Frames> frames_;
};

}  // namespace theta_net::transport
