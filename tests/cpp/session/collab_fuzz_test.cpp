// The collaboration fuzz run (session/collab_fuzz.hpp) over SimNet: 8 writers with their own
// keys under 5% loss, 10% reordering, duplication and a 10 s partition converge, seed after seed,
// with conflicts of every strategy on the way; the same seed gives the same report.
#include "theta_net/session/collab_fuzz.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <string_view>

#include "theta_net/core/named_fields.hpp"

namespace theta_net::session {
namespace {

// The property setup (docs/collaboration.md, "theta-net collab fuzz"): writes over 20 s, c0 cut
// off from 4 s to 14 s.
CollabFuzzConfig property_config(std::uint64_t seed) {
  CollabFuzzConfig c;
  c.clients = 8;
  c.ops = 240;
  c.seed = seed;
  c.duration = std::chrono::seconds(20);
  c.loss = 0.05;
  c.reorder = 0.10;
  c.duplicate = 0.02;
  c.partition = CollabFuzzPartition{0, std::chrono::seconds(4), std::chrono::seconds(10)};
  c.step = std::chrono::milliseconds(2);
  return c;
}

// Every named field of the report, in order: what the JSON holds.
template <class T>
void describe(std::ostringstream& out, std::string_view name, const T& value) {
  out << name << '=';
  if constexpr (NamesFields<T>) {
    out << '{';
    value.visit([&out](std::string_view n, const auto& v) { describe(out, n, v); });
    out << '}';
  } else {
    out << value;
  }
  out << ';';
}

std::string describe(const CollabFuzzReport& report) {
  std::ostringstream out;
  out.precision(17);
  describe(out, "report", report);
  return out.str();
}

CollabFuzzReport run_ok(const CollabFuzzConfig& config) {
  Result<CollabFuzzReport> report = run_collab_fuzz(config);
  EXPECT_TRUE(report.ok()) << report.error().describe();
  return report.ok() ? *report : CollabFuzzReport{};
}

TEST(CollabFuzz, EightWritersConvergeUnderLossReorderingDuplicationAndAPartitionSeedAfterSeed) {
  CollabFuzzConflicts total;
  for (std::uint64_t seed = 1; seed <= 24; ++seed) {
    const CollabFuzzReport r = run_ok(property_config(seed));
    EXPECT_TRUE(r.converged) << "seed " << seed << ": " << describe(r);
    EXPECT_EQ(r.clients_converged, 8u) << "seed " << seed;
    EXPECT_EQ(r.writes.waiting, 0u) << "seed " << seed;
    EXPECT_EQ(r.writes.issued, 240u) << "seed " << seed;
    EXPECT_EQ(r.writes.issued, r.writes.accepted + r.writes.refused + r.writes.lost)
        << "seed " << seed;
    // Accepted commands are logged; lost ones may have been applied before the cut too.
    EXPECT_GE(r.log_entries, r.writes.accepted) << "seed " << seed;
    EXPECT_EQ(r.state_hash.size(), 64u);
    EXPECT_GT(r.packets_dropped, 0u);
    total.server += r.conflicts.server;
    total.lww += r.conflicts.lww;
    total.merge_counter += r.conflicts.merge_counter;
    total.merge_set += r.conflicts.merge_set;
    total.merge_text += r.conflicts.merge_text;
  }
  // Every strategy met concurrent writes, so convergence was tested through each of them.
  EXPECT_GT(total.server, 0u);
  EXPECT_GT(total.lww, 0u);
  EXPECT_GT(total.merge_counter, 0u);
  EXPECT_GT(total.merge_set, 0u);
  EXPECT_GT(total.merge_text, 0u);
}

TEST(CollabFuzz, TheSameSeedGivesTheSameReportAndAnotherSeedAnotherHistory) {
  const std::string first = describe(run_ok(property_config(42)));
  const std::string second = describe(run_ok(property_config(42)));
  EXPECT_EQ(first, second);
  const std::string other = describe(run_ok(property_config(43)));
  EXPECT_NE(first, other);
}

// The log is a replay source: on a fresh server its entries, resolved again, give the same store;
// and a run's log file is the same bytes run after run.
TEST(CollabFuzz, TheCommandLogReplayedOnAFreshServerGivesTheSameStore) {
  CollabFuzzConfig c = property_config(9);
  c.clients = 4;
  c.ops = 120;
  const CollabFuzzReport report = run_ok(c);
  ASSERT_TRUE(report.converged);
  ASSERT_FALSE(report.command_log.empty());
  EXPECT_GT(report.conflicts.lww + report.conflicts.merge_counter + report.conflicts.merge_text,
            0u);
  const Result<std::string> replayed = replay_collab_fuzz_log(report.command_log);
  ASSERT_TRUE(replayed.ok()) << replayed.error().describe();
  EXPECT_EQ(*replayed, report.state_hash);
  EXPECT_EQ(run_ok(c).command_log, report.command_log);
  Bytes cut(report.command_log.begin(), report.command_log.end() - 3);
  EXPECT_FALSE(replay_collab_fuzz_log(cut).ok());
}

TEST(CollabFuzz, UnsignedWritesConvergeWithoutALogOrConflicts) {
  CollabFuzzConfig c = property_config(5);
  c.signed_commands = false;
  const CollabFuzzReport r = run_ok(c);
  EXPECT_TRUE(r.converged) << describe(r);
  EXPECT_EQ(r.log_entries, 0u);
  EXPECT_EQ(r.conflicts.lww + r.conflicts.server + r.conflicts.merge_counter, 0u);
  EXPECT_EQ(r.writes.refused, 0u);
}

TEST(CollabFuzz, ConfirmLatencyFollowsTheRoundTrip) {
  CollabFuzzConfig c;
  c.clients = 2;
  c.ops = 50;
  c.latency = std::chrono::milliseconds(25);
  const CollabFuzzReport r = run_ok(c);
  ASSERT_TRUE(r.converged) << describe(r);
  EXPECT_EQ(r.confirm_latency_ms.samples, r.writes.accepted);
  // A write is confirmed after one round trip (50 ms) at least, and soon after without loss.
  EXPECT_GE(r.confirm_latency_ms.p50, 50.0);
  EXPECT_LT(r.confirm_latency_ms.p50, 80.0);
}

TEST(CollabFuzz, BadSettingsAreRefusedNamingTheSetting) {
  const auto refused = [](CollabFuzzConfig c, std::string_view name) {
    Result<CollabFuzzReport> r = run_collab_fuzz(c);
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(r.error().message.find(name), std::string::npos) << r.error().message;
  };
  CollabFuzzConfig c;
  c.clients = 0;
  refused(c, "clients");
  c = {};
  c.loss = 1.5;
  refused(c, "loss");
  c = {};
  c.reorder = -0.1;
  refused(c, "reorder");
  c = {};
  c.duplicate = 2;
  refused(c, "duplicate");
  c = {};
  c.entities = 0;
  refused(c, "entities");
  c = {};
  c.partition = CollabFuzzPartition{4, Micros{0}, std::chrono::seconds(1)};
  refused(c, "partition");
  c = {};
  c.ops = 2'000'000;
  refused(c, "ops");
}

}  // namespace
}  // namespace theta_net::session
