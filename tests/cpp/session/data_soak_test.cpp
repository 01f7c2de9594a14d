// The soak tool's runner (behind `theta-net data soak`): it converges, reports what happened, is
// deterministic over SimNet, and refuses a configuration it cannot run.
#include "theta_net/core/named_fields.hpp"
#include "theta_net/session/data_soak.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace theta_net::session {
namespace {

using namespace std::chrono_literals;

// Every figure of a report as "name=value" lines (nested tables prefixed), for comparisons.
struct Flatten {
  std::ostringstream& out;
  std::string prefix;
  template <class T>
  void operator()(std::string_view name, const T& value) const {
    if constexpr (NamesFields<T>) {
      value.visit(Flatten{out, str_cat(prefix, name, ".")});
    } else {
      out << prefix << name << "=" << value << "\n";
    }
  }
};

std::string flat(const DataSoakReport& report) {
  std::ostringstream out;
  report.visit(Flatten{out, ""});
  return out.str();
}

DataSoakConfig small() {
  DataSoakConfig c;
  c.clients = 3;
  c.entities = 150;
  c.duration = 3s;
  c.writes_per_second = 60;
  c.seed = 9;
  return c;
}

TEST(DataSoak, ASmallSimRunConvergesAndReportsItsFigures) {
  auto report = run_data_soak(small());
  ASSERT_TRUE(report.ok()) << report.error().describe();
  const DataSoakReport& r = *report;
  EXPECT_TRUE(r.converged);
  EXPECT_TRUE(r.settled);
  EXPECT_EQ(r.clients, 3u);
  EXPECT_EQ(r.clients_converged, 3u);
  EXPECT_EQ(r.transport, "sim");
  EXPECT_EQ(r.writes.planned, 180u);
  EXPECT_EQ(r.writes.server + r.writes.server_refused + r.writes.client, 180u);
  EXPECT_GT(r.writes.client, 0u) << "clients write too";
  EXPECT_EQ(r.writes.accepted + r.writes.refused, r.writes.client);
  EXPECT_GT(r.server_version, 0u);
  EXPECT_EQ(r.full_sync_s.syncs, 3u);
  EXPECT_LE(r.full_sync_s.p50, r.full_sync_s.max);
  EXPECT_GT(r.broadcast_latency_ms.samples, 0u);
  EXPECT_LE(r.broadcast_latency_ms.p50, r.broadcast_latency_ms.p99);
  EXPECT_EQ(r.catchups.archive, 0u);
  EXPECT_EQ(r.catchups.full, 0u);
  EXPECT_GT(r.wire_bytes_per_client, r.data_bytes_per_client);
  EXPECT_GT(r.peak_queue_bytes, 0u);
}

TEST(DataSoak, TheSameSeedGivesTheSameReportOverSimNet) {
  DataSoakConfig c = small();
  c.latency = 15ms;
  c.loss = 0.05;
  auto a = run_data_soak(c);
  auto b = run_data_soak(c);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(flat(*a), flat(*b));
  c.seed = 10;
  auto other = run_data_soak(c);
  ASSERT_TRUE(other.ok());
  EXPECT_NE(flat(*a), flat(*other)) << "the seed makes the run";
}

TEST(DataSoak, APartitionedClientIsReportedCatchingUpFromTheArchive) {
  DataSoakConfig c = small();
  c.clients = 2;
  c.duration = 20s;
  c.writes_per_second = 20;
  c.partition = SoakPartition{1, 2s, 15s};
  auto report = run_data_soak(c);
  ASSERT_TRUE(report.ok()) << report.error().describe();
  EXPECT_TRUE(report->converged);
  EXPECT_GE(report->catchups.archive, 1u);
  EXPECT_EQ(report->catchups.full, 0u);
  EXPECT_GE(report->resumes, 1u);
  EXPECT_GT(report->packets_dropped, 0u);
}

TEST(DataSoak, AConfigurationItCannotRunIsRefusedWithTheReason) {
  const auto refused = [](DataSoakConfig c) {
    auto report = run_data_soak(c);
    EXPECT_FALSE(report.ok());
    return report.ok() ? std::string() : report.error().message;
  };
  DataSoakConfig c = small();
  c.clients = 0;
  EXPECT_NE(refused(c).find("clients"), std::string::npos);
  c = small();
  c.duration = 0s;
  EXPECT_NE(refused(c).find("seconds"), std::string::npos);
  c = small();
  c.loss = 1.5;
  EXPECT_NE(refused(c).find("loss"), std::string::npos);
  c = small();
  c.partition = SoakPartition{3, 1s, 1s};
  EXPECT_NE(refused(c).find("c3"), std::string::npos);
  c = small();
  c.writes_per_second = -1;
  EXPECT_NE(refused(c).find("writes per second"), std::string::npos);
}

}  // namespace
}  // namespace theta_net::session
