// Gaps on the replication lane through the session drivers (docs/data.md, "Gaps"): the DataServer
// loses batches on purpose (DataHost::lose_batches_for_testing, as if they vanished on the way);
// the client's NackRequest crosses the control lane, reaches the DataHost through the server's
// routing, and the archive's answer fills the gap. Over SimNet and over QUIC on loopback.
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
name = "items"

[[table.component]]
name = "stack"
fields = [{ name = "count", type = "int", min = 0, max = 1000 }]
)";

std::shared_ptr<const data::DataSchema> schema() {
  static const auto parsed = data::DataSchema::from_toml(kSchema).value();
  return parsed;
}

bool converge(LocalDataSession& s, Micros limit) {
  const Micros end = s.now() + limit;
  for (;;) {
    if (s.settled() && s.converged(0)) return true;
    if (s.now() >= end) return false;
    s.step();
  }
}

void run_planted_gap(NetworkKind network) {
  LocalDataSessionConfig config;
  config.network.network = network;
  config.network.step = network == NetworkKind::kSim ? Micros(1ms) : Micros(2ms);
  auto created = LocalDataSession::create(schema(), config);
  ASSERT_TRUE(created.ok()) << created.error().describe();
  auto s = std::move(created).value();
  LocalDataClientSpec spec;
  spec.name = "c0";
  ASSERT_TRUE(s->add_client(spec).ok());
  ASSERT_TRUE(converge(*s, 10s)) << "no first sync";
  const auto ids = s->server().data().clients();
  ASSERT_EQ(ids.size(), 1u);

  // Three batches vanish; the writes go on.
  s->server().data().lose_batches_for_testing(ids[0], 3);
  for (int i = 0; i < 8; ++i) {
    data::Transaction tx = s->server().transaction();
    ASSERT_TRUE(tx.set("items", 1 + i, "stack", "count", std::int64_t{i}).ok());
    ASSERT_TRUE(s->server().commit(tx).ok());
    s->run_until(s->now() + 20ms);
  }
  ASSERT_TRUE(converge(*s, 10s)) << "the gap was not filled";
  const data::ClientDB& db = s->client(0).db();
  EXPECT_EQ(db.nacks_sent(), 1u);
  EXPECT_EQ(db.gaps_filled(), 1u);
  EXPECT_EQ(db.status().state, data::SyncState::kReady);
  EXPECT_EQ(s->server().metrics().nacks_answered, 1u);
  EXPECT_EQ(s->server().metrics().nack_resyncs, 0u);
  EXPECT_EQ(s->server().metrics().syncs_full, 1u) << "no second sync";
  EXPECT_EQ(s->server().metrics().syncs_archive, 0u);
  EXPECT_EQ(s->server().metrics().protocol_violations, 0u);
  EXPECT_EQ(s->client(0).counters().message_errors, 0u);
}

TEST(DataGap, OverSimNetLostBatchesAreAskedForAndFilledFromTheArchive) {
  run_planted_gap(NetworkKind::kSim);
}

TEST(DataGap, OverQuicOnLoopbackLostBatchesAreAskedForAndFilledFromTheArchive) {
  run_planted_gap(NetworkKind::kQuic);
}

}  // namespace
}  // namespace theta_net::session
