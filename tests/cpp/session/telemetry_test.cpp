// Telemetry: a client's TelemetryReporter (frame quantiles by nearest rank, counters, bounds,
// typed refusals), the server's TelemetryAggregator (rate limit, refusals, slow-frame alerts with
// a cooldown), and both in the reference game over SimNet: reports reach the server's status,
// /metrics text and JSON, a slow client raises a slow_frame event that the input log replays
// byte for byte, and the same run gives the same stream twice.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "recorded_game.hpp"
#include "theta_net/protocol/message_codec.hpp"
#include "theta_net/session/local_session.hpp"
#include "theta_net/session/server_status_json.hpp"
#include "theta_net/session/server_status_prometheus.hpp"
#include "theta_net/session/telemetry_aggregator.hpp"
#include "theta_net/session/telemetry_reporter.hpp"
#include "theta_net/world/terrain_generator.hpp"

namespace theta_net::session {
namespace {

using namespace std::chrono_literals;

TelemetryLink link_at(std::uint32_t tick) {
  TelemetryLink link;
  link.tick = tick;
  link.rtt = 40ms;
  link.jitter = 3ms;
  link.bytes_in = 1000;
  link.bytes_out = 200;
  return link;
}

TEST(TelemetryReporter, NoReportsUntilAnIntervalIsSetThenOneEveryInterval) {
  TelemetryReporter r;
  EXPECT_FALSE(r.poll(0ms, link_at(1)));
  EXPECT_FALSE(r.poll(10s, link_at(2)));
  r.set_interval(1s);
  EXPECT_FALSE(r.poll(10s, link_at(3))) << "the first is one interval after this poll";
  EXPECT_FALSE(r.poll(10s + 999ms, link_at(3)));
  auto report = r.poll(11s, link_at(4));
  ASSERT_TRUE(report);
  EXPECT_EQ(report->tick, 4u);
  EXPECT_EQ(report->rtt_us, 40'000u);
  EXPECT_EQ(report->jitter_us, 3'000u);
  EXPECT_EQ(report->bytes_in, 1000u);
  EXPECT_EQ(report->bytes_out, 200u);
  // A client stepped late does not catch up with a burst: the next is an interval after this.
  EXPECT_FALSE(r.poll(11s + 999ms, link_at(5)));
  EXPECT_TRUE(r.poll(12s, link_at(5)));
  EXPECT_FALSE(r.poll(12s + 500ms, link_at(5)));
  EXPECT_EQ(r.stats().reports, 2u);
  r.set_interval(0s);
  EXPECT_FALSE(r.poll(60s, link_at(6)));
}

TEST(TelemetryReporter, QuantilesAreNearestRankOverTheFramesSinceTheLastReport) {
  TelemetryReporter r({1s, 4096});
  r.set_interval(1s);
  ASSERT_FALSE(r.poll(0s, {}));
  for (int ms = 100; ms >= 1; --ms) ASSERT_TRUE(r.add_frame(ms).ok());
  auto report = r.poll(1s, {});
  ASSERT_TRUE(report);
  EXPECT_EQ(report->frame_ms_p50, 50.0f);
  EXPECT_EQ(report->frame_ms_p99, 99.0f);
  EXPECT_EQ(report->counters.at("frames"), 100.0);
  // Forgotten once reported: the next report has no frames.
  report = r.poll(2s, {});
  ASSERT_TRUE(report);
  EXPECT_EQ(report->frame_ms_p50, 0.0f);
  EXPECT_EQ(report->frame_ms_p99, 0.0f);
  EXPECT_EQ(report->counters.at("frames"), 0.0);
  // One slow frame in a hundred is not the p99; two are.
  for (int i = 0; i < 99; ++i) ASSERT_TRUE(r.add_frame(8).ok());
  ASSERT_TRUE(r.add_frame(70).ok());
  EXPECT_EQ(r.poll(3s, {})->frame_ms_p99, 8.0f);
  for (int i = 0; i < 98; ++i) ASSERT_TRUE(r.add_frame(8).ok());
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(r.add_frame(70).ok());
  EXPECT_EQ(r.poll(4s, {})->frame_ms_p99, 70.0f);
}

TEST(TelemetryReporter, FramesKeptAreBoundedTheNewestWin) {
  TelemetryReporter r({1s, 4});
  r.set_interval(1s);
  ASSERT_FALSE(r.poll(0s, {}));
  for (int ms = 1; ms <= 10; ++ms) ASSERT_TRUE(r.add_frame(ms).ok());
  auto report = r.poll(1s, {});
  ASSERT_TRUE(report);
  EXPECT_EQ(report->frame_ms_p50, 8.0f) << "over 7, 8, 9, 10";
  EXPECT_EQ(report->frame_ms_p99, 10.0f);
  EXPECT_EQ(report->counters.at("frames"), 10.0) << "counts every frame, kept or not";
}

TEST(TelemetryReporter, BadFramesAndCountersAreTypedRefusalsThatChangeNothing) {
  TelemetryReporter r;
  for (double bad : {-1.0, std::nan(""), std::numeric_limits<double>::infinity(), 60'001.0}) {
    Status s = r.add_frame(bad);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  }
  EXPECT_EQ(r.stats().frames_refused, 4u);
  EXPECT_EQ(r.stats().frames, 0u);

  for (const char* bad : {"", "9lives", "has space", "dash-ok-but-ends\n", "é"}) {
    Status s = r.set_counter(bad, 1);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
  }
  EXPECT_FALSE(r.set_counter(std::string(kTelemetryNameMaxBytes + 1, 'a'), 1).ok());
  EXPECT_TRUE(r.set_counter(std::string(kTelemetryNameMaxBytes, 'a'), 1).ok());
  EXPECT_FALSE(r.set_counter("frames", 1).ok()) << "the reporter's own";
  EXPECT_FALSE(r.set_counter("mem.rss", std::nan("")).ok());
  EXPECT_TRUE(r.set_counter("mem.rss", 12.5).ok());
  EXPECT_TRUE(r.set_counter("mem.rss", 13.5).ok()) << "a name set again is updated";
  EXPECT_EQ(r.counters().at("mem.rss"), 13.5);

  // One slot stays the frame count's: limit - 1 names, then kLimitExceeded.
  const std::size_t limit = telemetry_counter_limit();
  ASSERT_EQ(limit, 128u) << "the schema's max on TelemetryReport.counters";
  for (std::size_t i = r.counters().size(); i < limit - 1; ++i)
    ASSERT_TRUE(r.set_counter(str_cat("app.c", i), 1).ok()) << i;
  Status over = r.set_counter("app.one_more", 1);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, ErrorCode::kLimitExceeded);
  EXPECT_TRUE(r.set_counter("mem.rss", 1).ok()) << "an existing name still updates";
  EXPECT_TRUE(r.remove_counter("mem.rss"));
  EXPECT_FALSE(r.remove_counter("mem.rss"));
  EXPECT_TRUE(r.set_counter("app.one_more", 1).ok());

  // A full report encodes, decodes and passes the server's check.
  r.set_interval(1s);
  ASSERT_FALSE(r.poll(0s, {}));
  auto report = r.poll(1s, link_at(9));
  ASSERT_TRUE(report);
  EXPECT_EQ(report->counters.size(), limit);
  Bytes body;
  ASSERT_TRUE(protocol::encode_body(*report, body).ok());
  auto back = protocol::decode_body<protocol::TelemetryReport>(body);
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(*back, *report);
  EXPECT_TRUE(check_telemetry_report(*back).ok());
}

TEST(TelemetryReportCheck, NamesTheFieldThatBreaksARule) {
  protocol::TelemetryReport r;
  r.frame_ms_p50 = 10;
  r.frame_ms_p99 = 20;
  EXPECT_TRUE(check_telemetry_report(r).ok());
  r.frame_ms_p99 = 5;
  Status s = check_telemetry_report(r);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("frame_ms_p99 (5) is below frame_ms_p50 (10)"),
            std::string::npos)
      << s.error().message;
  r.frame_ms_p99 = 20;
  r.frame_ms_p50 = -1;
  s = check_telemetry_report(r);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("frame_ms_p50"), std::string::npos);
  r.frame_ms_p50 = 10;
  r.counters["bad name"] = 1;
  s = check_telemetry_report(r);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("'bad name'"), std::string::npos);
  r.counters.clear();
  for (int i = 0; i < 129; ++i) r.counters[str_cat("c", i)] = i;
  s = check_telemetry_report(r);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kLimitExceeded);
}

protocol::TelemetryReport report(float p50, float p99, std::uint32_t tick = 1) {
  protocol::TelemetryReport r;
  r.tick = tick;
  r.frame_ms_p50 = p50;
  r.frame_ms_p99 = p99;
  r.counters["app.level"] = 3;
  return r;
}

TEST(TelemetryAggregator, ReportsTooSoonAreDroppedAndBadOnesRefusedWithoutChangingTheLast) {
  TelemetryAggregator a({50, 250ms, 10s});
  ASSERT_TRUE(a.on_report(7, report(8, 12, 1), 1s).ok());
  ASSERT_TRUE(a.on_report(7, report(9, 13, 2), 1s + 249ms).ok());
  const ClientTelemetry* c = a.client(7);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->reports, 1u);
  EXPECT_EQ(c->dropped, 1u);
  EXPECT_EQ(c->last.tick, 1u) << "the dropped report is not the last";
  auto bad = a.on_report(7, report(20, 10, 3), 2s);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(c->refused, 1u);
  EXPECT_EQ(c->last.tick, 1u);
  ASSERT_TRUE(a.on_report(7, report(10, 14, 4), 1s + 250ms).ok());
  EXPECT_EQ(c->reports, 2u);
  EXPECT_EQ(c->last.tick, 4u);
  EXPECT_DOUBLE_EQ(c->frame_ms_p50_mean(), 9.0);
  EXPECT_EQ(c->frame_ms_p99_max, 14.0);
  EXPECT_EQ(c->alerts, 0u);
  EXPECT_EQ(a.client(8), nullptr);
  EXPECT_EQ(a.totals().reports, 2u);
  EXPECT_EQ(a.totals().dropped, 1u);
  EXPECT_EQ(a.totals().refused, 1u);
  a.forget(7);
  EXPECT_EQ(a.client(7), nullptr);
  EXPECT_EQ(a.size(), 0u);
  EXPECT_EQ(a.totals().reports, 2u) << "totals keep what forgotten clients sent";
}

TEST(TelemetryAggregator, SlowReportsRaiseAnAlertAtMostOncePerCooldown) {
  TelemetryAggregator a({50, 250ms, 10s});
  auto taken = a.on_report(3, report(10, 50), 1s);
  ASSERT_TRUE(taken.ok());
  EXPECT_FALSE(*taken) << "at the threshold is not above it";
  taken = a.on_report(3, report(12, 75.5f, 42), 2s);
  ASSERT_TRUE(taken.ok() && *taken);
  EXPECT_EQ((*taken)->session_id, 3u);
  EXPECT_EQ((*taken)->client_tick, 42u);
  EXPECT_EQ((*taken)->frame_ms_p99, 75.5);
  EXPECT_EQ((*taken)->threshold_ms, 50.0);
  taken = a.on_report(3, report(12, 90), 11s);
  ASSERT_TRUE(taken.ok());
  EXPECT_FALSE(*taken) << "within the cooldown";
  taken = a.on_report(3, report(12, 90), 12s);
  ASSERT_TRUE(taken.ok());
  EXPECT_TRUE(*taken) << "after it";
  // Another client has its own cooldown.
  taken = a.on_report(4, report(12, 90), 12s);
  ASSERT_TRUE(taken.ok());
  EXPECT_TRUE(*taken);
  EXPECT_EQ(a.client(3)->slow_reports, 3u);
  EXPECT_EQ(a.client(3)->alerts, 2u);
  EXPECT_EQ(a.totals().alerts, 3u);
  // A threshold of 0 never alerts.
  TelemetryAggregator off({0, 250ms, 10s});
  taken = off.on_report(1, report(500, 900), 1s);
  ASSERT_TRUE(taken.ok());
  EXPECT_FALSE(*taken);
}

// The reference game over SimNet: player a reports slow frames, b smooth ones.
class TelemetryInTheGame : public ::testing::Test {
 protected:
  void start(const char* prefix) {
    auto header = replay::StreamHeader::for_this_build("telemetry_test", 7, 20, "server");
    header.extra = world_header_extra("superflat", 20);
    streams_ = std::make_unique<testing::RecordedStreams>();
    ASSERT_TRUE(streams_->open(prefix, header));
    LocalSessionConfig config;
    config.server.world.terrain =
        world::TerrainGenerator({7, world::TerrainKind::kSuperflat, 62}).filler();
    config.server.chunks.view_radius = 2;
    config.server.telemetry.slow_frame_ms = 40;
    config.server.telemetry.alert_cooldown = 2s;
    auto created = LocalSession::create(config, streams_->events(), streams_->inputs());
    ASSERT_TRUE(created.ok()) << created.error().describe();
    s_ = std::move(*created);
    for (const char* name : {"a", "b"}) {
      LocalClientSpec spec;
      spec.name = name;
      spec.link.latency = 20ms;
      spec.link.loss = 0.02;
      ASSERT_TRUE(s_->add_client(spec).ok());
    }
    for (std::size_t i = 0; i < 2; ++i) {
      s_->client(i).telemetry().set_interval(500ms);
      ASSERT_TRUE(s_->client(i).telemetry().set_counter("app.level", 3.0 + i).ok());
    }
  }
  // Plays until `end`, each client drawing a frame every 50 ms: a's are slow between 3 s and 4 s.
  void play_until(Micros end) {
    while (s_->now() < end) {
      const Micros t = s_->now();
      const bool slow = t >= 3s && t < 4s;
      ASSERT_TRUE(s_->client(0).telemetry().add_frame(slow ? 85.0 : 9.0).ok());
      ASSERT_TRUE(s_->client(1).telemetry().add_frame(7.0).ok());
      s_->run_until(t + 50ms);
    }
  }

  std::unique_ptr<testing::RecordedStreams> streams_;  // outlives the session, which writes to it
  std::unique_ptr<LocalSession> s_;
};

TEST_F(TelemetryInTheGame, ReportsReachTheStatusAndASlowClientRaisesAReplayedAlert) {
  start("theta_telemetry_game_");
  play_until(6s);
  const std::uint64_t a_session = s_->client(0).session().session()->session_id;
  const std::uint64_t b_session = s_->client(1).session().session()->session_id;
  const TelemetryAggregator& agg = s_->server().telemetry();
  const ClientTelemetry* a = agg.client(a_session);
  const ClientTelemetry* b = agg.client(b_session);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_GE(a->reports, 9u);
  EXPECT_EQ(a->refused, 0u);
  EXPECT_EQ(a->alerts, 1u) << "one slow second, within one cooldown";
  EXPECT_GE(a->slow_reports, 1u);
  EXPECT_EQ(a->frame_ms_p99_max, 85.0);
  EXPECT_EQ(b->alerts, 0u);
  EXPECT_EQ(b->last.frame_ms_p99, 7.0f);
  EXPECT_EQ(b->last.counters.at("app.level"), 4.0);
  EXPECT_GT(b->last.counters.at("interp.entity_updates"), 0.0) << "the game's own counters";
  EXPECT_GT(b->last.rtt_us, 30'000u) << "the session's heartbeat RTT at 40 ms";
  EXPECT_GT(b->last.bytes_in, 0u);

  const ServerStatus status = s_->server().status(s_->server_driver().transport_lookup(), nullptr);
  ASSERT_EQ(status.client_list.size(), 2u);
  EXPECT_EQ(status.telemetry.alerts, 1u);
  const std::string json = server_status_json(status);
  EXPECT_NE(json.find(R"("telemetry":{"reports":)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("app.level":4.0)"), std::string::npos);
  EXPECT_NE(json.find(R"("slow_frame_alerts":1)"), std::string::npos);
  const std::string metrics = server_status_prometheus(status);
  EXPECT_NE(metrics.find(R"(theta_client_frame_seconds{client="a")"), std::string::npos);
  EXPECT_NE(metrics.find(R"(,quantile="0.99"} 0.007)"
                         "\n"),
            std::string::npos)
      << "b's last report, in seconds: " << metrics;
  EXPECT_NE(metrics.find(R"(counter="app.level"} 4.0)"), std::string::npos);
  EXPECT_NE(metrics.find("theta_slow_frame_alerts_total 1\n"), std::string::npos);
  bool logged = false;
  for (const NetworkLogEntry& e : s_->server().network_log().after(0)) {
    if (e.kind != NetworkLogKind::kSlowFrame) continue;
    logged = true;
    EXPECT_EQ(e.session_id, a_session);
    EXPECT_EQ(e.name, "a");
    EXPECT_NE(e.detail.find("frame p99 85 ms over 40 ms"), std::string::npos) << e.detail;
  }
  EXPECT_TRUE(logged);

  const std::string stream = streams_->finish(s_->server());
  EXPECT_NE(stream.find(R"("frame_ms_p50":9.0,"frame_ms_p99":85.0,"kind":"slow_frame")"),
            std::string::npos)
      << stream;
  EXPECT_EQ(streams_->replayed(), stream);
}

TEST_F(TelemetryInTheGame, TheSameRunGivesTheSameStream) {
  start("theta_telemetry_twice_a_");
  play_until(5s);
  const std::string first = streams_->finish(s_->server());
  s_.reset();
  start("theta_telemetry_twice_b_");
  play_until(5s);
  EXPECT_EQ(streams_->finish(s_->server()), first);
  EXPECT_NE(first.find(R"("kind":"slow_frame")"), std::string::npos);
}

}  // namespace
}  // namespace theta_net::session
