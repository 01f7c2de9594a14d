// HTTP/3 uploads over real QUIC on loopback, both sides theta_net's: bodies sent in parts
// (body_follows), an upload refused from its header fields before its body is sent
// (HttpHeaderCheck), and the server-wide budget for upload bytes (Http3Limits::
// max_upload_bytes_total) that answers 503 while other uploads hold it and gives it back as they
// are answered or abandoned.
#include <gtest/gtest.h>

#include <atomic>

#include "http3_test_util.hpp"

namespace theta_net::transport {
namespace {

using namespace std::chrono_literals;
using testing::config_for;
using testing::ServerThread;
using testing::text;

// PUT /echo answers 201 with the body's size; anything else 404. A PUT without
// "authorization: yes" is refused by the header check.
QuicServerConfig echo_server(std::size_t budget = 256u << 20) {
  QuicServerConfig c = testing::server_config();
  c.http = [](const HttpRequest& r) {
    if (r.method == "PUT" && r.route() == "/echo") {
      return http_text(201, std::to_string(r.body.size()));
    }
    return http_text(404, "no such route\n");
  };
  c.http_check = [](const HttpRequest& r) -> std::optional<HttpResponse> {
    if (r.header("authorization") != "yes") return http_text(401, "no token, no upload\n");
    return std::nullopt;
  };
  c.http_limits.max_upload_bytes_total = budget;
  return c;
}

HttpClientRequest put(bool follows, Bytes body = {}) {
  HttpClientRequest r;
  r.method = "PUT";
  r.path = "/echo";
  r.headers.push_back({"authorization", "yes"});
  r.body = std::move(body);
  r.body_follows = follows;
  return r;
}

// Polls until the outcome of `id` is known (bounded).
std::optional<Result<HttpClientResponse>> wait_for(Http3Client& c, std::uint64_t id) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto r = c.take(id)) return r;
    c.poll(2ms);
  }
  return std::nullopt;
}

TEST(Http3Upload, ABodySentInPartsArrivesWhole) {
  ServerThread server(echo_server());
  auto client = Http3Client::connect(config_for(server));
  ASSERT_TRUE(client.ok()) << client.error().describe();
  Http3Client& c = **client;
  auto id = c.submit(put(true, Bytes(1000, 1)));
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(c.send_body(*id, Bytes(300000, 2), false).ok());
  EXPECT_EQ(c.body_bytes_unacked(*id), 301000u);
  // The server acknowledges what it took while the body is still open: the parts are let go.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (c.body_bytes_unacked(*id) > 0 && std::chrono::steady_clock::now() < deadline) {
    c.poll(2ms);
  }
  EXPECT_EQ(c.body_bytes_unacked(*id), 0u);
  EXPECT_FALSE(c.take(*id).has_value());  // not answered: its body has not ended
  ASSERT_TRUE(c.send_body(*id, Bytes(700000, 3), true).ok());
  const auto again = c.send_body(*id, Bytes(1, 4), false);
  EXPECT_EQ(again.error().code, ErrorCode::kState);  // the body has ended
  auto r = wait_for(c, *id);
  ASSERT_TRUE(r && r->ok()) << (r ? r->error().describe() : "no outcome");
  EXPECT_EQ((*r)->status, 201);
  EXPECT_EQ(text((*r)->body), "1001000");
  HttpClientRequest plain = put(false, Bytes(5, 1));
  EXPECT_EQ(c.send_body(*c.submit(plain), Bytes(1, 1), true).error().code, ErrorCode::kState);
}

TEST(Http3Upload, AnUploadIsRefusedFromItsHeadersBeforeItsBodyIsSent) {
  ServerThread server(echo_server());
  auto client = Http3Client::connect(config_for(server));
  ASSERT_TRUE(client.ok()) << client.error().describe();
  Http3Client& c = **client;
  HttpClientRequest no_token = put(true);
  no_token.headers.clear();
  auto id = c.submit(no_token);  // the header fields go out; the body never does
  ASSERT_TRUE(id.ok());
  auto r = wait_for(c, *id);
  ASSERT_TRUE(r && r->ok()) << (r ? r->error().describe() : "no outcome");
  EXPECT_EQ((*r)->status, 401);
  EXPECT_EQ(text((*r)->body), "no token, no upload\n");
  EXPECT_EQ(c.send_body(*id, Bytes(10, 1), true).error().code, ErrorCode::kClosed);
  // A whole 8 MiB body given at once is refused the same way: the server asks the client to
  // stop, so most of it never leaves the client, and none of it is kept.
  HttpClientRequest big = put(false, Bytes(8u << 20, 5));
  big.headers.clear();
  const std::uint64_t sent_before = c.stats()->bytes_sent;
  auto refused = c.fetch(big, 10s);
  ASSERT_TRUE(refused.ok()) << refused.error().describe();
  EXPECT_EQ(refused->status, 401);
  EXPECT_LT(c.stats()->bytes_sent - sent_before, 2u << 20);
  EXPECT_EQ(server.upload_bytes(), 0u);
  auto ok = c.fetch(put(false, Bytes(100, 6)), 10s);  // the connection goes on
  ASSERT_TRUE(ok.ok()) << ok.error().describe();
  EXPECT_EQ(ok->status, 201);
}

TEST(Http3Upload, TheServersOwnBoundsRefuseAsSoonAsTheyAreCrossed) {
  QuicServerConfig config = echo_server();
  config.http_limits.max_request_body = 1u << 20;
  ServerThread server(std::move(config));
  auto client = Http3Client::connect(config_for(server));
  ASSERT_TRUE(client.ok()) << client.error().describe();
  Http3Client& c = **client;
  // An announced length over the bound: 413 from the header fields, most of the body unsent.
  const std::uint64_t sent_before = c.stats()->bytes_sent;
  auto announced = c.fetch(put(false, Bytes(8u << 20, 1)), 10s);
  ASSERT_TRUE(announced.ok()) << announced.error().describe();
  EXPECT_EQ(announced->status, 413);
  EXPECT_LT(c.stats()->bytes_sent - sent_before, 2u << 20);
  // No length announced: 413 as soon as the bytes cross the bound, with the body not ended.
  auto id = c.submit(put(true, Bytes(2u << 20, 2)));
  ASSERT_TRUE(id.ok());
  auto r = wait_for(c, *id);
  ASSERT_TRUE(r && r->ok()) << (r ? r->error().describe() : "no outcome");
  EXPECT_EQ((*r)->status, 413);
  EXPECT_EQ(server.upload_bytes(), 0u);
}

// A sink that takes at most `limit` bytes and counts them (and how many sinks are alive).
struct CountingSink : HttpBodySink {
  static inline std::atomic<int> alive{0};
  std::uint64_t limit = 0, taken = 0;
  explicit CountingSink(std::uint64_t l) : limit(l) { ++alive; }
  ~CountingSink() override { --alive; }
  Status write(ByteSpan bytes) override {
    if (taken + bytes.size() > limit) {
      return make_error(ErrorCode::kLimitExceeded, "the sink takes at most ", limit, " bytes");
    }
    taken += bytes.size();
    return {};
  }
};

TEST(Http3Upload, ABodyThatGoesToASinkIsNotHeldInMemory) {
  QuicServerConfig config = echo_server(1u << 20);  // 1 MiB for bodies held in memory
  config.http_limits.max_request_body = 1u << 20;
  config.http = [](const HttpRequest& r) {
    auto* sink = dynamic_cast<CountingSink*>(r.body_sink);
    if (!sink) return http_text(500, "no sink\n");
    return http_text(201, "sink " + std::to_string(sink->taken) + " of " +
                              std::to_string(r.body_bytes) + ", memory " +
                              std::to_string(r.body.size()));
  };
  config.http_sink = [](const HttpRequest&) -> Result<std::unique_ptr<HttpBodySink>> {
    return std::unique_ptr<HttpBodySink>(std::make_unique<CountingSink>(4u << 20));
  };
  ServerThread server(std::move(config));
  auto client = Http3Client::connect(config_for(server));
  ASSERT_TRUE(client.ok()) << client.error().describe();
  auto fits = (*client)->fetch(put(false, Bytes(3u << 20, 1)), 10s);
  ASSERT_TRUE(fits.ok()) << fits.error().describe();
  EXPECT_EQ(fits->status, 201);
  EXPECT_EQ(text(fits->body), "sink 3145728 of 3145728, memory 0");
  EXPECT_EQ(server.upload_bytes(), 0u);
  // The sink's refusal ends the request at once (413 for kLimitExceeded), body not ended.
  auto id = (*client)->submit(put(true, Bytes(5u << 20, 2)));
  ASSERT_TRUE(id.ok());
  auto r = wait_for(**client, *id);
  ASSERT_TRUE(r && r->ok()) << (r ? r->error().describe() : "no outcome");
  EXPECT_EQ((*r)->status, 413);
  EXPECT_EQ(text((*r)->body), "the sink takes at most 4194304 bytes\n");
}

TEST(Http3Upload, SinksCountAsOpenFiles) {
  QuicServerConfig config = echo_server();
  config.http_limits.max_open_files = 1;
  config.http_sink = [](const HttpRequest&) -> Result<std::unique_ptr<HttpBodySink>> {
    return std::unique_ptr<HttpBodySink>(std::make_unique<CountingSink>(4u << 20));
  };
  ServerThread server(std::move(config));
  auto client = Http3Client::connect(config_for(server));
  ASSERT_TRUE(client.ok()) << client.error().describe();
  Http3Client& c = **client;
  auto held = c.submit(put(true, Bytes(1000, 1)));  // its sink stays open: the body goes on
  ASSERT_TRUE(held.ok());
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (CountingSink::alive.load() < 1 && std::chrono::steady_clock::now() < deadline) c.poll(2ms);
  ASSERT_EQ(CountingSink::alive.load(), 1);
  auto busy = c.fetch(put(false, Bytes(1000, 2)), 10s);
  ASSERT_TRUE(busy.ok()) << busy.error().describe();
  EXPECT_EQ(busy->status, 503);
  EXPECT_EQ(busy->header("retry-after"), "1");
  ASSERT_TRUE(c.send_body(*held, {}, true).ok());
  auto done = wait_for(c, *held);
  ASSERT_TRUE(done && done->ok());
  EXPECT_EQ((*done)->status, 201);
}

TEST(Http3Upload, TheServerWideBudgetAnswers503UntilTheBytesAreGivenBack) {
  ServerThread server(echo_server(3u << 20));
  auto a = Http3Client::connect(config_for(server));
  auto b = Http3Client::connect(config_for(server));
  ASSERT_TRUE(a.ok() && b.ok());
  // A holds 2 MiB on the server: its body has not ended.
  auto held = (*a)->submit(put(true, Bytes(2u << 20, 7)));
  ASSERT_TRUE(held.ok());
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (server.upload_bytes() < (2u << 20) && std::chrono::steady_clock::now() < deadline) {
    (*a)->poll(2ms);
  }
  ASSERT_EQ(server.upload_bytes(), 2u << 20);
  // B's 2 MiB on another connection would pass the 3 MiB the server holds at most.
  auto busy = (*b)->fetch(put(false, Bytes(2u << 20, 8)), 10s);
  ASSERT_TRUE(busy.ok()) << busy.error().describe();
  EXPECT_EQ(busy->status, 503);
  EXPECT_EQ(busy->header("retry-after"), "1");
  // A ends its body and is answered; its bytes go back, and B's retry fits.
  ASSERT_TRUE((*a)->send_body(*held, {}, true).ok());
  auto answered = wait_for(**a, *held);
  ASSERT_TRUE(answered && answered->ok());
  EXPECT_EQ(text((*answered)->body), std::to_string(2u << 20));
  EXPECT_EQ(server.upload_bytes(), 0u);
  auto retried = (*b)->fetch(put(false, Bytes(2u << 20, 8)), 10s);
  ASSERT_TRUE(retried.ok()) << retried.error().describe();
  EXPECT_EQ(retried->status, 201);
}

TEST(Http3Upload, AConnectionThatDiesGivesItsUploadBytesBack) {
  ServerThread server(echo_server(3u << 20));
  {
    auto a = Http3Client::connect(config_for(server));
    ASSERT_TRUE(a.ok());
    auto held = (*a)->submit(put(true, Bytes(1u << 20, 7)));
    ASSERT_TRUE(held.ok());
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (server.upload_bytes() < (1u << 20) && std::chrono::steady_clock::now() < deadline) {
      (*a)->poll(2ms);
    }
    ASSERT_EQ(server.upload_bytes(), 1u << 20);
  }  // the client goes away with its upload unfinished
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (server.upload_bytes() != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(server.upload_bytes(), 0u);
}

}  // namespace
}  // namespace theta_net::transport
