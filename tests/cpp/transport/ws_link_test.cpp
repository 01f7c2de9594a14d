// WsLink and the HTTP upgrade without sockets: a client and a server link joined by hand, and a
// server fed hand-made requests and frames (the ones a hostile or broken peer would send).
#include "theta_net/transport/ws_link.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "stream_link_test_util.hpp"

namespace theta_net::transport {
namespace {

using namespace testing;
using namespace std::chrono_literals;
using std::chrono::nanoseconds;

std::string text_of(ByteSpan b) {
  return std::string(b.begin(), b.end());
}

WebSocketConfig client_ws() {
  WebSocketConfig ws;
  ws.host = "127.0.0.1:9000";
  ws.path = "/theta";
  ws.seed = 7;
  return ws;
}

WebSocketConfig server_ws() {
  WebSocketConfig ws;
  ws.policy.path = "/theta";
  ws.policy.allowed_origins = {"http://127.0.0.1:8080"};
  return ws;
}

struct Pair {
  explicit Pair(StreamLinkConfig config = {})
      : client(StreamLink::Role::kClient, config, client_ws(), 0ns),
        server(StreamLink::Role::kServer, config, server_ws(), 0ns) {}
  void exchange(nanoseconds now = 0ns, std::size_t chunk = 1u << 20) {
    for (int i = 0; i < 3; ++i) {
      carry(client, server, now, chunk);
      carry(server, client, now, chunk);
    }
  }
  WsLink client;
  WsLink server;
};

// A client frame: FIN as given, masked with a zero key (allowed, and keeps the payload readable).
Bytes client_frame(std::uint8_t opcode, ByteSpan payload, bool fin = true) {
  Bytes f;
  f.push_back(static_cast<std::uint8_t>((fin ? 0x80 : 0) | opcode));
  if (payload.size() < 126) {
    f.push_back(static_cast<std::uint8_t>(0x80 | payload.size()));
  } else {  // the 16-bit length: the shortest form for these tests' sizes, as RFC 6455 asks
    f.push_back(0x80 | 126);
    f.push_back(static_cast<std::uint8_t>(payload.size() >> 8));
    f.push_back(static_cast<std::uint8_t>(payload.size()));
  }
  f.insert(f.end(), 4, 0);  // the masking key
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}

// A server link that accepted a raw upgrade request.
struct RawServer {
  explicit RawServer(StreamLinkConfig config = {})
      : server(StreamLink::Role::kServer, config, server_ws(), 0ns) {
    server.receive(text_bytes(request()), 0ns);
    response = text_of(server.output());
    server.consume_output(server.output().size());
    drain(server);
  }
  static std::string request(std::string_view extra = "Origin: http://127.0.0.1:8080\r\n") {
    return std::string("GET /theta HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n") +
           "Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
           "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: chat, theta.v1\r\n" +
           std::string(extra) + "\r\n";
  }
  WsLink server;
  std::string response;
};

TEST(HttpUpgrade, AcceptKeyIsRfc6455s) {
  EXPECT_EQ(websocket_accept("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(HttpUpgrade, HeadsAreParsedWithBounds) {
  EXPECT_FALSE(find_http_head_end(text_bytes("GET / HTTP/1.1\r\nHost: x\r\n"))->has_value());
  EXPECT_EQ(**find_http_head_end(text_bytes("GET / HTTP/1.1\r\n\r\nrest")), 18u);
  EXPECT_EQ(find_http_head_end(Bytes(kMaxHttpHead, 'a')).error().code, ErrorCode::kLimitExceeded);
  auto head = parse_http_head("GET /x HTTP/1.1\r\nUPGRADE:  WebSocket \r\n\r\n");
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->second, "/x");
  EXPECT_TRUE(head->header_has_token("upgrade", "websocket"));
  EXPECT_EQ(parse_http_head("GET /\r\n\r\n").error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(parse_http_head("GET / HTTP/1.1\r\nno colon\r\n\r\n").error().code,
            ErrorCode::kCorrupt);
  EXPECT_EQ(parse_http_head("GET / HTTP/1.1\r\nX: \x01\r\n\r\n").error().code, ErrorCode::kCorrupt);
  std::string many = "GET / HTTP/1.1\r\n";
  for (std::size_t i = 0; i <= kMaxHttpHeaders; ++i) many += "X: y\r\n";
  EXPECT_EQ(parse_http_head(many + "\r\n").error().code, ErrorCode::kLimitExceeded);
}

TEST(WsLink, OpensAndCarriesEveryLaneWhateverTheSplit) {
  for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, std::size_t{1} << 20}) {
    Pair p;
    p.exchange(0ns, chunk);
    ASSERT_EQ(p.client.state(), StreamLink::State::kOpen) << drain(p.client).at(0).close.reason;
    ASSERT_EQ(p.server.state(), StreamLink::State::kOpen);
    ASSERT_EQ(drain(p.client).at(0).kind, EventKind::kConnected);
    ASSERT_EQ(drain(p.server).at(0).kind, EventKind::kConnected);
    for (Lane lane : kAllLanes) {
      ASSERT_TRUE(p.client.send(lane, text_bytes(lane_name(lane))).ok());
      ASSERT_TRUE(p.server.send(lane, text_bytes(std::string(lane_name(lane)) + "!")).ok());
    }
    ASSERT_TRUE(p.client.send(Lane::kChunks, Bytes(100'000, 7)).ok());
    p.exchange(0ns, chunk);
    const auto at_server = drain(p.server);
    const auto at_client = drain(p.client);
    ASSERT_EQ(at_server.size(), kLaneCount + 1);
    ASSERT_EQ(at_client.size(), kLaneCount);
    for (std::size_t i = 0; i < kLaneCount; ++i) {
      EXPECT_EQ(at_server[i].lane, kAllLanes[i]);
      EXPECT_EQ(at_server[i].payload, text_bytes(lane_name(kAllLanes[i])));
      EXPECT_EQ(at_client[i].payload, text_bytes(std::string(lane_name(kAllLanes[i])) + "!"));
    }
    EXPECT_EQ(at_server.back().payload, Bytes(100'000, 7));
  }
}

TEST(WsLink, TheServerAnswersWithTheAcceptKeyAndTheSubprotocol) {
  RawServer raw;
  EXPECT_EQ(raw.server.state(), StreamLink::State::kOpen);
  EXPECT_NE(raw.response.find("HTTP/1.1 101 Switching Protocols\r\n"), std::string::npos);
  EXPECT_NE(raw.response.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"),
            std::string::npos);
  EXPECT_NE(raw.response.find("Sec-WebSocket-Protocol: theta.v1\r\n"), std::string::npos);
}

TEST(WsLink, BadUpgradesAreRefusedWithAStatusThatSaysWhy) {
  struct Case {
    std::string request;
    std::string status;
  };
  const std::string good = RawServer::request();
  auto replace = [&](std::string_view from, std::string_view to) {
    std::string r = good;
    r.replace(r.find(from), from.size(), to);
    return r;
  };
  const std::vector<Case> cases = {
      {replace("GET", "POST"), "400"},
      {replace("/theta", "/other"), "404"},
      {replace("Upgrade: websocket", "Upgrade: h2c"), "426"},
      {replace("Version: 13", "Version: 8"), "426"},
      {replace("dGhlIHNhbXBsZSBub25jZQ==", "short"), "400"},
      {replace("chat, theta.v1", "chat"), "400"},
      {RawServer::request("Origin: http://evil.example\r\n"), "403"},
      {"GET /theta HTTP/1.1\r\nBad\x01Header: 1\r\n\r\n", "400"},
  };
  for (const Case& c : cases) {
    WsLink server(StreamLink::Role::kServer, {}, server_ws(), 0ns);
    server.receive(text_bytes(c.request), 0ns);
    EXPECT_EQ(text_of(server.output()).substr(9, 3), c.status) << c.request;
    const auto events = drain(server);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].kind, EventKind::kDisconnected);
    EXPECT_EQ(events[0].close.code, code_value(CloseCode::kHandshakeRejected));
    EXPECT_FALSE(server.opened());
  }
  // A native client (no Origin header) is welcome.
  WsLink native(StreamLink::Role::kServer, {}, server_ws(), 0ns);
  native.receive(text_bytes(RawServer::request("")), 0ns);
  EXPECT_TRUE(native.opened());
  // A head that never ends is cut off at the bound.
  WsLink flood(StreamLink::Role::kServer, {}, server_ws(), 0ns);
  flood.receive(Bytes(kMaxHttpHead + 10, 'a'), 0ns);
  EXPECT_EQ(text_of(flood.output()).substr(9, 3), "431");
}

TEST(WsLink, AnUpgradeThatTricklesInTimesOutWhateverItSends) {
  StreamLinkConfig config;
  config.open_timeout = 5s;
  WsLink server(StreamLink::Role::kServer, config, server_ws(), 0ns);
  const std::string request = RawServer::request();
  nanoseconds now = 0ns;
  for (std::size_t i = 0; i < 12 && server.state() == StreamLink::State::kOpening; ++i) {
    now = i * 1s;
    server.receive(text_bytes(request.substr(i, 1)), now);  // a byte a second: never idle
    server.on_time(now);
  }
  const auto events = drain(server);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, EventKind::kTimedOut);
  EXPECT_EQ(now, 5s);
  EXPECT_FALSE(server.opened());
}

TEST(WsLink, AClientRefusedByTheServerSaysWhy) {
  WebSocketConfig strict = server_ws();
  strict.policy.path = "/elsewhere";
  WsLink client(StreamLink::Role::kClient, {}, client_ws(), 0ns);
  WsLink server(StreamLink::Role::kServer, {}, strict, 0ns);
  carry(client, server, 0ns);
  carry(server, client, 0ns);
  const auto events = drain(client);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].close.code, code_value(CloseCode::kHandshakeRejected));
  EXPECT_NE(events[0].close.reason.find("404"), std::string::npos) << events[0].close.reason;
}

TEST(WsLink, HostileFramesCloseTheConnectionWithAReason) {
  struct Case {
    Bytes frame;
    CloseCode expected;
  };
  const Bytes ping_body(4, 1);
  const std::vector<Case> cases = {
      {client_frame(0x1, text_bytes("hello")), CloseCode::kProtocolError},       // text
      {client_frame(0x1, text_bytes("\xC3\x28")), CloseCode::kProtocolError},    // bad UTF-8
      {client_frame(0x9, ping_body, /*fin=*/false), CloseCode::kProtocolError},  // fragmented
      {client_frame(0x2, Bytes{0x42, 1, 2}), CloseCode::kProtocolError},         // no such lane
      {client_frame(0x2, Bytes(2000, 3)), CloseCode::kMessageTooLarge},
      {Bytes{0x82, 0x05, 1, 2, 3, 4, 5}, CloseCode::kProtocolError},  // an unmasked client frame
      // a 64-bit length for 3 bytes (not the shortest form)
      {Bytes{0x82, 0xFF, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 2, 1, 1}, CloseCode::kProtocolError},
  };
  for (const Case& c : cases) {
    StreamLinkConfig config;
    config.max_message_size = 1000;
    RawServer raw(config);
    raw.server.receive(c.frame, 0ns);
    const auto events = drain(raw.server);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].kind, EventKind::kDisconnected);
    EXPECT_EQ(events[0].close.code, code_value(c.expected)) << events[0].close.reason;
    EXPECT_FALSE(events[0].close.by_peer);
    EXPECT_FALSE(raw.server.output().empty());  // a close frame for the peer
  }
}

TEST(WsLink, CloseCarriesTheApplicationCodeAndReason) {
  Pair p;
  p.exchange();
  drain(p.client);
  drain(p.server);
  ASSERT_TRUE(p.server.send(Lane::kControl, text_bytes("last words")).ok());
  p.server.close(code_value(CloseCode::kKicked), "kicked: spamming");
  EXPECT_EQ(drain(p.server).at(0).kind, EventKind::kDisconnected);
  p.exchange();
  const auto events = drain(p.client);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].payload, text_bytes("last words"));
  EXPECT_EQ(events[1].close.kind, CloseInfo::Kind::kApplication);
  EXPECT_EQ(events[1].close.code, code_value(CloseCode::kKicked));
  EXPECT_EQ(events[1].close.reason, "kicked: spamming");
  EXPECT_TRUE(events[1].close.by_peer);
  EXPECT_EQ(websocket_status_of(code_value(CloseCode::kKicked)), 4006);
  EXPECT_EQ(app_code_of_websocket_status(1001), code_value(CloseCode::kShutdown));
  EXPECT_FALSE(app_code_of_websocket_status(1011).has_value());
}

TEST(WsLink, PingsMeasureTheRoundTrip) {
  StreamLinkConfig config;
  config.ping_interval = 1s;
  Pair p(config);
  p.exchange();
  for (int i = 1; i <= 3; ++i) {
    const nanoseconds sent = i * 1s;
    p.client.on_time(sent);
    carry(p.client, p.server, sent + 20ms);
    carry(p.server, p.client, sent + 60ms);
  }
  EXPECT_EQ(p.client.stats().rtt_smoothed, 60ms);
}

}  // namespace
}  // namespace theta_net::transport
