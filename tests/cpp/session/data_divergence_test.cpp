// The data layer's divergence check on the session drivers (docs/data.md, "Divergence check"):
// a DataServer publishes table state hashes per version; a DataClient whose mirror was broken on
// purpose finds it at the next hash, asks for that table, and is repaired by a table sync while
// the other client and the other table are left alone. Over SimNet and over QUIC on loopback.
#include <gtest/gtest.h>

#include "theta_net/session/local_data_session.hpp"

namespace theta_net::session {
namespace {

using namespace std::chrono_literals;

constexpr const char* kSchema = R"(
[schema]
name = "shop"
version = "1.0"

[[table]]
name = "players"

[[table.component]]
name = "health"
fields = [{ name = "hp", type = "int", min = 0, max = 100, default = 100 }]

[[table]]
name = "items"

[[table.component]]
name = "stack"
fields = [{ name = "count", type = "int", min = 0, max = 1000 }]
)";

std::shared_ptr<const data::DataSchema> schema() {
  static const auto parsed = data::DataSchema::from_toml(kSchema).value();
  return parsed;
}

constexpr std::uint16_t kItems = 1;

std::unique_ptr<LocalDataSession> session_of(NetworkKind network) {
  LocalDataSessionConfig config;
  config.network.network = network;
  config.network.step = network == NetworkKind::kSim ? Micros(1ms) : Micros(2ms);
  auto created = LocalDataSession::create(schema(), config);
  EXPECT_TRUE(created.ok()) << created.error().describe();
  auto s = std::move(created).value();
  data::Transaction tx = s->server().transaction();
  for (int e = 1; e <= 300; ++e) EXPECT_TRUE(tx.set("players", e, "health", "hp", e % 101).ok());
  for (int e = 1; e <= 40; ++e) EXPECT_TRUE(tx.set("items", e, "stack", "count", e).ok());
  EXPECT_TRUE(s->server().commit(tx).ok());
  s->server().data().flush(Micros{0});
  for (const char* name : {"c0", "c1"}) {
    LocalDataClientSpec spec;
    spec.name = name;
    EXPECT_TRUE(s->add_client(spec).ok());
  }
  return s;
}

// Steps until every mirror equals the server's store byte for byte (or `limit` passes).
bool converge(LocalDataSession& s, Micros limit) {
  const Micros end = s.now() + limit;
  for (;;) {
    bool all = s.settled();
    for (std::size_t i = 0; all && i < s.client_count(); ++i) all = s.converged(i);
    if (all) return true;
    if (s.now() >= end) return false;
    s.step();
  }
}

// Breaks c0's mirror of items, then the server writes players (and items) for a while.
void break_and_write(LocalDataSession& s) {
  data::Op op;
  op.table = kItems;
  op.entity = 12;
  op.writes = {{0, {{0, data::Value{std::int64_t{999}}}}}};
  ASSERT_TRUE(s.client(0).db().corrupt_for_testing({op}).ok());
  ASSERT_FALSE(s.converged(0));
  for (int i = 0; i < 10; ++i) {
    data::Transaction tx = s.server().transaction();
    ASSERT_TRUE(tx.set("players", 1 + i, "health", "hp", std::int64_t{i}).ok());
    if (i % 3 == 0) {
      ASSERT_TRUE(tx.set("items", 30 + i, "stack", "count", std::int64_t{i}).ok());
    }
    ASSERT_TRUE(s.server().commit(tx).ok());
    s.run_until(s.now() + 20ms);
  }
}

void expect_repaired(LocalDataSession& s) {
  const data::ClientDB& broken = s.client(0).db();
  EXPECT_EQ(broken.divergences(), 1u);
  EXPECT_EQ(broken.table_resyncs(), 1u);
  EXPECT_GT(broken.state_hashes_checked(), 1u);
  // Nothing else came again: no second full sync, no catch-up, and the other mirror was never
  // touched by it.
  EXPECT_EQ(s.server().metrics().syncs_full, 2u);
  EXPECT_EQ(s.server().metrics().syncs_archive, 0u);
  EXPECT_EQ(s.client(1).db().divergences(), 0u);
  EXPECT_EQ(s.client(1).db().table_resyncs(), 0u);
  EXPECT_EQ(s.server().metrics().protocol_violations, 0u);
  EXPECT_EQ(s.client(0).counters().message_errors, 0u);
}

TEST(DataDivergence, OverSimNetABrokenMirrorIsRepairedByAResyncOfThatTableOnly) {
  auto s = session_of(NetworkKind::kSim);
  ASSERT_TRUE(converge(*s, 5s));
  break_and_write(*s);
  ASSERT_TRUE(converge(*s, 5s)) << "the broken mirror was not repaired";
  expect_repaired(*s);
}

TEST(DataDivergence, OverQuicOnLoopbackABrokenMirrorIsRepairedByAResyncOfThatTableOnly) {
  auto s = session_of(NetworkKind::kQuic);
  ASSERT_TRUE(converge(*s, 10s)) << "no full sync within 10 s over loopback";
  break_and_write(*s);
  ASSERT_TRUE(converge(*s, 10s)) << "the broken mirror was not repaired";
  expect_repaired(*s);
}

}  // namespace
}  // namespace theta_net::session
