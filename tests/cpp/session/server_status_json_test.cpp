// The status's JSON form (server_status_json.hpp): it parses, carries every figure exactly
// (64-bit session ids as integers and as hex), writes malformed UTF-8 from outside as U+FFFD
// instead of breaking the document, splices conflict JSON as values, and is byte-identical for
// the same status.
#include "theta_net/session/server_status_json.hpp"

#include <gtest/gtest.h>

#include "local_game.hpp"
#include "theta_net/replay/json_parser.hpp"

namespace theta_net::session {
namespace {

using namespace std::chrono_literals;

// A JSON integer as the parser keeps it (signed when it fits, unsigned past INT64_MAX).
std::uint64_t uint_of(const replay::JsonValue* v) {
  return v->type() == replay::JsonValue::Type::kUint ? v->as_uint()
                                                     : static_cast<std::uint64_t>(v->as_int());
}

ServerStatus made_status() {
  ServerStatus s;
  s.time = Micros{1'234'567};
  s.tick = 24;
  s.tick_rate = 20;
  s.clients = 1;
  s.players = 1;
  s.data_version = 9;
  s.tick_times = TickTimeStatus{10, 1500.0, 1400.0, 3000.0, 3100.0};
  s.sessions.accepted = 1;
  s.sends_refused = 2;
  ClientStatus c;
  c.session_id = 0xFEDCBA9876543210ULL;  // past 2^53: JavaScript would round it
  c.connection = 3;
  c.name = std::string("bad\xC3(name", 9);  // a cut-off two-byte sequence
  c.role = protocol::Role::kEditor;
  c.transport = "ws";
  c.rtt_smoothed = Nanos{12'500'000};
  c.bytes_sent = 5000;
  c.lanes[transport::lane_index(transport::Lane::kEntities)].bytes_sent = 4000;
  c.messages.push_back({protocol::MessageType::kEntityDelta, {7, 4000, 0, 0}});
  ClientSyncStatus sync;
  sync.acked_version = 8;
  sync.version_lag = 1;
  c.data = sync;
  s.client_list.push_back(c);
  s.collab = true;
  s.conflicts_total = 1;
  s.conflicts.push_back(R"({"table":"signs","resolution":"refused"})");
  NetworkLogEntry refused;
  refused.seq = 5;
  refused.kind = NetworkLogKind::kRefused;
  refused.detail = "quote \" and newline \n";
  s.log.push_back(refused);
  NetworkLogEntry started;
  started.seq = 6;
  started.session_id = c.session_id;
  started.name = "caf\xC3\xA9";  // valid UTF-8 stays as it is
  s.log.push_back(started);
  s.log_first_seq = 1;
  s.log_last_seq = 6;
  return s;
}

TEST(ServerStatusJson, ParsesAndCarriesEveryFigureExactly) {
  const std::string text = server_status_json(made_status());
  auto parsed = replay::parse_json(text);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message << "\n" << text;
  const replay::JsonValue& doc = parsed.value();
  const replay::JsonValue* server = doc.find("server");
  ASSERT_NE(server, nullptr);
  EXPECT_DOUBLE_EQ(server->find("time_ms")->as_double(), 1234.567);
  EXPECT_DOUBLE_EQ(server->find("tick_times")->find("median_ms")->as_double(), 1.4);
  EXPECT_EQ(uint_of(server->find("counters")->find("accepted")), 1u);
  EXPECT_EQ(uint_of(server->find("counters")->find("sends_refused")), 2u);
  const replay::JsonValue& client = doc.find("clients")->as_array().at(0);
  EXPECT_EQ(uint_of(client.find("session_id")), 0xFEDCBA9876543210ULL);
  EXPECT_EQ(client.find("session")->as_string(), "fedcba9876543210");
  EXPECT_EQ(client.find("name")->as_string(), "bad\xEF\xBF\xBD(name");
  EXPECT_EQ(client.find("role")->as_string(), "editor");
  EXPECT_DOUBLE_EQ(client.find("rtt_ms")->as_double(), 12.5);
  EXPECT_EQ(uint_of(client.find("lanes")->find("entities")->find("bytes_sent")), 4000u);
  EXPECT_EQ(uint_of(client.find("messages")->find("EntityDelta")->find("messages_sent")), 7u);
  EXPECT_EQ(uint_of(client.find("data")->find("version_lag")), 1u);
  const replay::JsonValue* recent = doc.find("conflicts")->find("recent");
  EXPECT_EQ(recent->as_array().at(0).find("resolution")->as_string(), "refused");
  const auto& log = doc.find("log")->as_array();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].find("detail")->as_string(), "quote \" and newline \n");
  EXPECT_EQ(log[0].find("session"), nullptr);  // no session: no hex either
  EXPECT_EQ(log[1].find("session")->as_string(), "fedcba9876543210");
  EXPECT_EQ(log[1].find("name")->as_string(), "caf\xC3\xA9");
  EXPECT_EQ(uint_of(doc.find("log_last_seq")), 6u);
}

TEST(ServerStatusJson, TheSameStatusGivesTheSameBytes) {
  EXPECT_EQ(server_status_json(made_status()), server_status_json(made_status()));
  std::string appended = "x";
  append_server_status_json(appended, made_status());
  EXPECT_EQ(appended, "x" + server_status_json(made_status()));
}

TEST(ServerStatusJson, ALiveServersStatusParsesWithEveryClient) {
  auto s = testing::game(NetworkKind::kSim, {});
  testing::run_for(*s, 2s);
  const ServerStatus status = s->server().status(s->server_driver().transport_lookup(),
                                                 &s->server_driver().tick_times(), {});
  auto parsed = replay::parse_json(server_status_json(status));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const auto& clients = parsed.value().find("clients")->as_array();
  ASSERT_EQ(clients.size(), 2u);
  EXPECT_EQ(clients[0].find("transport")->as_string(), "sim");
  EXPECT_GT(clients[0].find("messages")->as_object().size(), 3u);
}

}  // namespace
}  // namespace theta_net::session
