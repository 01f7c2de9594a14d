// The metric structs name every field (core/named_fields.hpp): each member of each struct is
// visited exactly once (counted against the struct's member count, found by aggregate
// initialisation, so a member added without a name fails here), names are unique, the derived
// figures are computed from the fields, and the published reports carry the keys Python reads.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "local_game.hpp"
#include "theta_net/session/metrics_report.hpp"

namespace theta_net::session {
namespace {

using namespace std::chrono_literals;

// Converts to any member type: T{AnyField{}, ...} compiles with at most as many as T has members.
struct AnyField {
  template <class T>
  operator T&() const;
};

template <class T, std::size_t... I>
constexpr bool brace_constructible(std::index_sequence<I...>) {
  return requires {
    T{(static_cast<void>(I), AnyField{})...};
  };
}

template <class T, std::size_t N = 0>
constexpr std::size_t member_count() {
  if constexpr (brace_constructible<T>(std::make_index_sequence<N + 1>{})) {
    return member_count<T, N + 1>();
  } else {
    return N;
  }
}

struct Visited {
  std::vector<std::string> names;
  std::size_t members = 0;  // values that live inside the visited object (not derived ones)
};

template <class T>
Visited visit_all(const T& value) {
  Visited out;
  const auto begin = reinterpret_cast<std::uintptr_t>(&value);
  std::set<std::uintptr_t> seen;
  value.visit([&](std::string_view name, const auto& field) {
    out.names.emplace_back(name);
    const auto at = reinterpret_cast<std::uintptr_t>(&field);
    if (at >= begin && at < begin + sizeof(T)) {
      EXPECT_TRUE(seen.insert(at).second) << name << " names a member already named";
      ++out.members;
    }
  });
  const std::set<std::string> unique(out.names.begin(), out.names.end());
  EXPECT_EQ(unique.size(), out.names.size()) << "a name is given twice";
  EXPECT_EQ(unique.count(""), 0u);
  return out;
}

// The number visited under `name` (which must be visited once, as a number).
template <class T>
double number(const T& value, std::string_view name) {
  std::optional<double> found;
  value.visit([&](std::string_view n, const auto& field) {
    using V = std::remove_cvref_t<decltype(field)>;
    if constexpr (std::is_arithmetic_v<V>) {
      if (n == name) found = static_cast<double>(field);
    }
  });
  EXPECT_TRUE(found.has_value()) << name;
  return found.value_or(-1);
}

template <class T>
void expect_every_member_named(std::size_t extra_members = 0, std::size_t unvisited = 0) {
  const Visited v = visit_all(T{});
  EXPECT_EQ(v.members + unvisited, member_count<T>() + extra_members);
}

TEST(SessionMetricFields, EveryMemberIsNamedOnce) {
  expect_every_member_named<ClientMetrics>();
  expect_every_member_named<ServerMetrics>();
  expect_every_member_named<netcode::InputBufferStats>();
  expect_every_member_named<transport::LaneStats>();
  expect_every_member_named<SessionHostCounters>();
  expect_every_member_named<ClientDriverCounters>();
  expect_every_member_named<ServerDriverCounters>();
  // `inputs` is inlined: its members are named instead of it.
  expect_every_member_named<ServerClientMetrics>(member_count<netcode::InputBufferStats>() - 1);
  // `lanes` is visited as a ByLane table (a view, outside the struct), checked below.
  expect_every_member_named<transport::ConnectionStats>(0, 1);
}

TEST(SessionMetricFields, NamesArePublicNames) {
  ClientMetrics client;
  client.own_states = 7;
  client.error_blocks_max = 0.5;
  EXPECT_EQ(number(client, "server_states"), 7);
  EXPECT_EQ(number(client, "reconciliation_error_blocks_max"), 0.5);

  ServerClientMetrics per_client;
  per_client.inputs.duplicates = 3;
  per_client.inputs.applied = 9;
  EXPECT_EQ(number(per_client, "inputs_duplicate"), 3);
  EXPECT_EQ(number(per_client, "inputs_applied"), 9);

  transport::ConnectionStats stats;
  stats.lanes[transport::lane_index(transport::Lane::kChunks)].bytes_received = 42;
  std::vector<std::string> lanes;
  stats.visit([&](std::string_view name, const auto& field) {
    if constexpr (NamesFields<std::remove_cvref_t<decltype(field)>>) {
      ASSERT_EQ(name, "lanes");
      field.visit([&](std::string_view lane, const transport::LaneStats& l) {
        lanes.emplace_back(lane);
        EXPECT_EQ(&l, &stats.lanes[lanes.size() - 1]);
      });
    }
  });
  ASSERT_EQ(lanes.size(), transport::kLaneCount);
  for (transport::Lane lane : transport::kAllLanes) {
    EXPECT_EQ(lanes[transport::lane_index(lane)], transport::lane_name(lane));
  }
}

TEST(SessionMetricFields, MeansAreComputedFromTheSums) {
  ClientMetrics m;
  EXPECT_EQ(number(m, "reconciliation_error_ms_mean"), 0) << "no division by zero";
  EXPECT_EQ(number(m, "chunk_load_ms_mean"), 0);
  m.own_states = 4;
  m.error_ms_sum = 10;
  m.chunk_loads_timed = 8;
  m.chunk_load_ms_sum = 100;
  EXPECT_EQ(number(m, "reconciliation_error_ms_mean"), 2.5);
  EXPECT_EQ(number(m, "chunk_load_ms_mean"), 12.5);
  EXPECT_EQ(m.reconciliation_error_ms_mean(), 2.5);
}

TEST(SessionMetricFields, TickTimesInMicroseconds) {
  TickTimes times;
  EXPECT_EQ(visit_all(times).names,
            (std::vector<std::string>{"ticks_timed", "tick_time_us_mean", "tick_time_us_max",
                                      "tick_time_us_median", "tick_time_us_p99"}));
  EXPECT_EQ(number(times, "tick_time_us_p99"), 0) << "before the first tick";
  for (int us = 1; us <= 100; ++us) times.record(std::chrono::microseconds(us));
  EXPECT_EQ(number(times, "ticks_timed"), 100);
  EXPECT_EQ(number(times, "tick_time_us_mean"), 50.5);
  EXPECT_EQ(number(times, "tick_time_us_max"), 100);
  EXPECT_EQ(number(times, "tick_time_us_median"), TickTimes::in_microseconds(times.quantile(0.5)));
  EXPECT_EQ(number(times, "tick_time_us_p99"), 99);
}

// The keys Python has read since before the structs named their fields.
TEST(SessionMetricFields, ReportsCarryThePublishedKeys) {
  auto s = testing::game(NetworkKind::kSim, testing::rtt100(), false, 1);
  testing::run_for(*s, 3000ms);
  const Visited client = visit_all(ClientMetricsReport{s->client(0), s->client_driver(0)});
  const std::set<std::string> client_keys(client.names.begin(), client.names.end());
  for (const char* key : {"established",
                          "inputs_sent",
                          "bundles_sent",
                          "reconciliations",
                          "ticks_replayed",
                          "reconciliation_error_blocks_max",
                          "reconciliation_error_ms_mean",
                          "server_states",
                          "chunks_loaded",
                          "chunk_diffs",
                          "chunk_errors",
                          "chunk_load_ms_mean",
                          "chunk_load_ms_max",
                          "entity_updates",
                          "rtt_ms",
                          "jitter_ms",
                          "chat",
                          "connections",
                          "resumes",
                          "pauses",
                          "lanes",
                          "wire_bytes_received",
                          "wire_bytes_sent"}) {
    EXPECT_EQ(client_keys.count(key), 1u) << key;
  }
  EXPECT_NEAR(number(ClientMetricsReport{s->client(0), s->client_driver(0)}, "rtt_ms"), 100, 20);

  const ServerMetricsReport server_report{s->server(), s->server_driver()};
  const Visited server = visit_all(server_report);
  const std::set<std::string> server_keys(server.names.begin(), server.names.end());
  for (const char* key : {"tick", "clients", "entities", "ticks_simulated", "tick_time_us_mean",
                          "tick_time_us_max", "per_client"}) {
    EXPECT_EQ(server_keys.count(key), 1u) << key;
  }
  EXPECT_EQ(number(server_report, "clients"), 1);
  const auto per_client = s->server().client_metrics();
  ASSERT_EQ(per_client.size(), 1u);
  const Visited one = visit_all(per_client[0]);
  const std::set<std::string> one_keys(one.names.begin(), one.names.end());
  for (const char* key :
       {"name", "player", "inputs_applied", "inputs_starved", "inputs_late", "inputs_duplicate",
        "chunks_sent", "chunk_bytes", "diffs_sent", "entity_bytes"}) {
    EXPECT_EQ(one_keys.count(key), 1u) << key;
  }
  EXPECT_GT(number(per_client[0], "inputs_applied"), 0);
}

}  // namespace
}  // namespace theta_net::session
