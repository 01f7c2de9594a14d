// Fuzzes the byte-stream links' readers (a border: the bytes come from whoever connects): the
// WebSocket upgrade request and response parsing, wslay's frame reader behind WsLink, and
// RecordLink's records. The first byte picks the reader and the second how the rest is split
// into receive() calls. Whatever arrives: no crash, no message over the limit, Connected at most
// once and before any message, at most one end, nothing delivered after it.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "theta_net/transport/record_link.hpp"
#include "theta_net/transport/ws_link.hpp"

using namespace theta_net;
using namespace theta_net::transport;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t kLimit = 4096;

const std::string kUpgrade =
    "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
    "Sec-WebSocket-Protocol: theta.v1\r\n\r\n";

ByteSpan text(const std::string& s) {
  return ByteSpan(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

std::unique_ptr<StreamLink> make_link(std::uint8_t mode) {
  StreamLinkConfig config;
  config.max_message_size = kLimit;
  WebSocketConfig ws;
  ws.policy.allowed_origins = {"http://127.0.0.1:1"};
  ws.host = "x";
  switch (mode % 4) {
    case 0:  // a server reading the request, then frames
      return std::make_unique<WsLink>(StreamLink::Role::kServer, config, ws, 0ns);
    case 1: {  // a server past a good upgrade: the input is frames
      auto link = std::make_unique<WsLink>(StreamLink::Role::kServer, config, ws, 0ns);
      link->receive(text(kUpgrade), 0ns);
      return link;
    }
    case 2: {  // a record link past the preface: the input is records
      auto link = std::make_unique<RecordLink>(StreamLink::Role::kServer, config, 0ns);
      link->receive(text(std::string(kRecordPreface)), 0ns);
      return link;
    }
    default:  // a client reading the server's response, then frames
      return std::make_unique<WsLink>(StreamLink::Role::kClient, config, ws, 0ns);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  auto link = make_link(data[0]);
  const std::size_t step = 1 + data[1] % 97;
  const ByteSpan body(data + 2, size - 2);
  bool connected = false, ended = false;
  auto check_events = [&] {
    while (auto e = link->next_event()) {
      switch (e->kind) {
        case EventKind::kConnected:
          if (connected || ended) __builtin_trap();
          connected = true;
          break;
        case EventKind::kMessage:
          if (!connected || ended || e->payload.size() > kLimit) __builtin_trap();
          break;
        default:
          if (ended) __builtin_trap();
          ended = true;
      }
    }
  };
  check_events();  // the links that opened in make_link report it first
  for (std::size_t pos = 0; pos < body.size(); pos += step) {
    link->receive(body.subspan(pos, std::min(step, body.size() - pos)), 1ms);
    check_events();
    link->consume_output(link->output().size());
  }
  link->receive_end(2ms);
  check_events();
  return 0;
}
