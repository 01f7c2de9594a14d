// The server's HTTP routes (server_http.hpp) without a network: /metrics in Prometheus text from
// a live SimNet game (the families scrapers need, escaped labels), /status as JSON, method and
// token rules for assets (401 without a token, 403 for a player, 201 for an editor).
#include "theta_net/session/server_http.hpp"

#include <gtest/gtest.h>

#include "local_game.hpp"
#include "theta_net/core/sha256.hpp"
#include "theta_net/session/server_status_prometheus.hpp"

namespace theta_net::session {
namespace {

using namespace std::chrono_literals;

std::string body(const transport::HttpResponse& r) {
  return std::string(r.body.begin(), r.body.end());
}

transport::HttpRequest request(std::string method, std::string path) {
  transport::HttpRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  return r;
}

TEST(ServerHttp, MetricsAndStatusFromALiveGame) {
  auto s = testing::game(NetworkKind::kSim, {});
  testing::run_for(*s, 2s);
  ServerHttpRoutes routes;
  routes.status = [&s] {
    return s->server().status(s->server_driver().transport_lookup(),
                              &s->server_driver().tick_times(), {});
  };
  const transport::HttpResponse metrics = routes(request("GET", "/metrics?x=1"));
  EXPECT_EQ(metrics.status, 200);
  const std::string text = body(metrics);
  EXPECT_NE(text.find("# TYPE theta_sessions gauge\ntheta_sessions 2\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE theta_tick_seconds summary\n"), std::string::npos);
  EXPECT_NE(text.find("theta_tick_seconds_count "), std::string::npos);
  EXPECT_NE(text.find(R"(theta_client_lane_sent_bytes_total{client="a",session=")"),
            std::string::npos);
  EXPECT_NE(text.find(R"(,lane="chunks"} )"), std::string::npos);
  EXPECT_NE(text.find(R"(theta_session_events_total{event="accepted"} 2)"), std::string::npos);
  const transport::HttpResponse status = routes(request("GET", "/status"));
  EXPECT_EQ(status.status, 200);
  EXPECT_EQ(body(status).rfind(R"({"server":{)", 0), 0u);
  EXPECT_EQ(routes(request("POST", "/metrics")).status, 405);
  EXPECT_EQ(routes(request("GET", "/nothing")).status, 404);
  EXPECT_EQ(routes(request("GET", "/assets/" + std::string(64, 'a'))).status, 404);  // no store
}

TEST(ServerHttp, LabelValuesAreEscaped) {
  ServerStatus s;
  ClientStatus c;
  c.name = "a\"b\\c\nd\xFF";
  c.transport = "quic";
  s.client_list.push_back(c);
  const std::string text = server_status_prometheus(s);
  EXPECT_NE(text.find(R"(client="a\"b\\c\nd)"
                      "\xEF\xBF\xBD"
                      R"(")"),
            std::string::npos);
}

TEST(ServerHttp, UploadsFollowTheTokenRulesOfTheHandshake) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("theta_http_" + std::to_string(::getpid()));
  auto store = assets::AssetStore::open(dir);
  ASSERT_TRUE(store.ok());
  protocol::ServerHandshakeConfig handshake;
  handshake.tokens = {{"ed", protocol::Role::kEditor}, {"pl", protocol::Role::kPlayer}};
  ServerHttpRoutes routes;
  routes.assets = &*store;
  routes.handshake = &handshake;
  transport::HttpRequest put = request("PUT", "/assets");
  put.body = {1, 2, 3};
  EXPECT_EQ(routes(put).status, 401);
  put.headers.push_back({"authorization", "Bearer pl"});
  EXPECT_EQ(routes(put).status, 403);
  put.headers[0].value = "Bearer wrong";
  EXPECT_EQ(routes(put).status, 401);
  put.headers[0].value = "bearer ed";  // the scheme's case does not matter
  const transport::HttpResponse stored = routes(put);
  EXPECT_EQ(stored.status, 201);
  const std::string name = to_hex(sha256(put.body));
  EXPECT_EQ(body(stored), name + "\n");
  EXPECT_EQ(routes(request("GET", "/assets/" + name)).status, 200);
  EXPECT_EQ(routes(request("DELETE", "/assets/" + name)).status, 405);
  // A server without tokens takes no uploads (a hello without one would be an editor there).
  protocol::ServerHandshakeConfig open;
  routes.handshake = &open;
  EXPECT_EQ(routes(put).status, 401);
  std::filesystem::remove_all(dir);
}

TEST(ServerHttp, RefusalsComeFromTheHeadersAlone) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("theta_http_early_" + std::to_string(::getpid()));
  auto store = assets::AssetStore::open(dir);
  ASSERT_TRUE(store.ok());
  protocol::ServerHandshakeConfig handshake;
  handshake.tokens = {{"ed", protocol::Role::kEditor}, {"pl", protocol::Role::kPlayer}};
  ServerHttpRoutes routes;
  routes.assets = &*store;
  routes.handshake = &handshake;
  transport::HttpRequest put = request("PUT", "/assets");  // no body: only the header fields
  EXPECT_EQ(routes.answer_before_body(put)->status, 401);
  put.headers.push_back({"authorization", "Bearer pl"});
  EXPECT_EQ(routes.answer_before_body(put)->status, 403);
  put.headers[0].value = "Bearer ed";
  EXPECT_FALSE(routes.answer_before_body(put).has_value());  // read the body, then answer
  put.headers.push_back({"content-length", std::to_string(store->limits().max_asset_bytes + 1)});
  EXPECT_EQ(routes.answer_before_body(put)->status, 413);
  put.headers.back().value = std::to_string(store->limits().max_asset_bytes);
  EXPECT_FALSE(routes.answer_before_body(put).has_value());
  transport::HttpRequest bad_name = put;
  bad_name.path = "/assets/not-a-hash";
  EXPECT_EQ(routes.answer_before_body(bad_name)->status, 400);
  EXPECT_EQ(routes.answer_before_body(request("PUT", "/metrics"))->status, 405);
  EXPECT_EQ(routes.answer_before_body(request("PUT", "/nowhere"))->status, 404);
  EXPECT_FALSE(routes.answer_before_body(request("GET", "/metrics")).has_value());
  ServerHttpRoutes no_store;
  EXPECT_EQ(no_store.answer_before_body(request("PUT", "/assets"))->status, 404);
  std::filesystem::remove_all(dir);
}

// An upload that announces its length streams into the store (AssetUpload): refused ones get no
// file, and the reservation made at its header fields does not count against it at the end, even
// in a store with room for exactly it.
TEST(ServerHttp, AnUploadStreamsIntoTheStoreWithinItsReservation) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("theta_http_sink_" + std::to_string(::getpid()));
  assets::AssetStoreLimits limits;
  limits.max_store_bytes = 1000;
  auto store = assets::AssetStore::open(dir, limits);
  ASSERT_TRUE(store.ok());
  FileWriter writer;
  protocol::ServerHandshakeConfig handshake;
  handshake.tokens = {{"ed", protocol::Role::kEditor}};
  ServerHttpRoutes routes;
  routes.assets = &*store;
  routes.handshake = &handshake;
  routes.upload_writer = &writer;
  transport::HttpRequest put = request("PUT", "/assets");
  put.headers.push_back({"content-length", "1000"});
  auto refused = routes.body_sink(put);  // no token: no file is made
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(*refused, nullptr);
  put.headers.push_back({"authorization", "Bearer ed"});
  auto sink = routes.body_sink(put);
  ASSERT_TRUE(sink.ok() && *sink);
  EXPECT_EQ(store->reserved_bytes(), 1000u);
  const Bytes data(1000, 9);
  ASSERT_TRUE((*sink)->write(data).ok());
  EXPECT_EQ(routes.answer_before_body(put)->status, 413);  // another such upload finds no room
  put.body_sink = sink->get();
  const transport::HttpResponse stored = routes(put);
  EXPECT_EQ(stored.status, 201) << body(stored);
  EXPECT_EQ(body(stored), to_hex(sha256(data)) + "\n");
  EXPECT_EQ(store->reserved_bytes(), 0u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace theta_net::session
