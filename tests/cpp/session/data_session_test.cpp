// The data layer on the session drivers: a DataServer and DataClients over SimNet (virtual time)
// and over QUIC on loopback: full sync, live batches, local writes, resume after a partition
// (catch-up from the archive), a pause, a fixed flush tick, back-pressure, and a client that
// breaks the protocol.
#include <gtest/gtest.h>

#include "theta_net/session/data_soak_workload.hpp"
#include "theta_net/session/local_data_session.hpp"

namespace theta_net::session {
namespace {

using namespace std::chrono_literals;

struct DataRun {
  std::unique_ptr<LocalDataSession> session;
  SoakWorkload workload{soak_schema(), 200, Rng(5)};
};

// A server with `entities` entities (one version), and `clients` clients c0.. on `link`.
DataRun data_run(NetworkKind network, std::size_t clients, std::uint64_t entities = 200,
                 transport::LinkConfig link = {}, DataServerConfig server = {}) {
  LocalDataSessionConfig config;
  config.network.network = network;
  config.network.step = network == NetworkKind::kSim ? Micros(1ms) : Micros(2ms);
  config.server = server;
  auto created = LocalDataSession::create(soak_schema(), config);
  EXPECT_TRUE(created.ok()) << created.error().describe();
  DataRun run;
  run.session = std::move(created).value();
  run.workload = SoakWorkload(soak_schema(), entities, Rng(5));
  EXPECT_TRUE(run.session->server().commit(run.workload.populate(1, entities)).ok());
  run.session->server().data().flush(Micros{0});
  for (std::size_t i = 0; i < clients; ++i) {
    LocalDataClientSpec spec;
    spec.name = str_cat("c", i);
    spec.link = link;
    EXPECT_TRUE(run.session->add_client(spec).ok());
  }
  return run;
}

// Steps until every mirror holds the server's version (or `limit` passes); whether it did.
bool settle(LocalDataSession& s, Micros limit) {
  const Micros end = s.now() + limit;
  while (!s.settled()) {
    if (s.now() >= end) return false;
    s.step();
  }
  return true;
}

void expect_converged(LocalDataSession& s) {
  for (std::size_t i = 0; i < s.client_count(); ++i) {
    EXPECT_TRUE(s.converged(i)) << s.client_name(i) << " differs from the server";
    EXPECT_EQ(s.client(i).db().version(), s.server().data().store().version());
  }
}

// `count` server writes, one every `every`.
void server_writes(DataRun& run, int count, Micros every) {
  for (int i = 0; i < count; ++i) {
    // A write the store refuses (removing what is absent, if the store calls that an error)
    // changes nothing; the others go on.
    static_cast<void>(run.session->server().commit(run.workload.next_write()));
    run.session->run_until(run.session->now() + every);
  }
}

TEST(DataSession, ClientsGetAFullSyncThenLiveBatchesOverSimNet) {
  DataRun run = data_run(NetworkKind::kSim, 2);
  LocalDataSession& s = *run.session;
  ASSERT_TRUE(settle(s, 5s));
  expect_converged(s);
  const data::Version synced = s.server().data().store().version();
  EXPECT_EQ(s.server().metrics().syncs_full, 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(s.client(i).db().status().state, data::SyncState::kReady);
    EXPECT_EQ(s.client(i).db().view().size(), 200u);
  }
  s.run_until(s.now() + 50ms);  // the ClientReady that followed the last chunk reaches the server
  ASSERT_EQ(s.server().syncs().size(), 2u);
  EXPECT_TRUE(s.server().syncs()[0].full);

  server_writes(run, 50, 20ms);
  ASSERT_TRUE(settle(s, 5s));
  EXPECT_GT(s.server().data().store().version(), synced);
  expect_converged(s);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_GT(s.client(i).db().batches_applied(), 0u);
    EXPECT_FALSE(s.client(i).db().take_latency_samples().empty());
  }
  EXPECT_GT(s.server().metrics().batches_sent, 0u);
  EXPECT_EQ(s.server().metrics().protocol_violations, 0u);
}

TEST(DataSession, ALocalWriteIsCommittedByTheServerAndReachesEveryMirror) {
  DataRun run = data_run(NetworkKind::kSim, 3);
  LocalDataSession& s = *run.session;
  ASSERT_TRUE(settle(s, 5s));
  data::Transaction tx(soak_schema());
  ASSERT_TRUE(tx.set("units", 7, "health", "hp", data::Value{std::int64_t{3}}).ok());
  ASSERT_TRUE(s.client(1).write(tx).ok());
  EXPECT_EQ(s.client(1).db().pending_writes(), 1u);
  ASSERT_TRUE(settle(s, 5s));
  expect_converged(s);
  EXPECT_EQ(s.server().metrics().writes_accepted, 1u);
  EXPECT_EQ(s.client(1).db().pending_writes(), 0u);
}

TEST(DataSession, APartitionedClientResumesAndCatchesUpFromTheArchive) {
  DataRun run = data_run(NetworkKind::kSim, 2);
  LocalDataSession& s = *run.session;
  ASSERT_TRUE(settle(s, 5s));
  const std::uint64_t full_before = s.server().metrics().syncs_full;
  // 15 s: past both sides' 10 s idle timeout, inside the 60 s resume window.
  ASSERT_TRUE(s.cut_off(1, 15s).ok());
  server_writes(run, 160, 100ms);  // 16 s of writes
  ASSERT_TRUE(settle(s, 15s));
  expect_converged(s);
  const DataServerMetrics m = s.server().metrics();
  EXPECT_GE(m.sessions_ended, 1u) << "the partition outlasted the idle timeout";
  EXPECT_GE(m.sessions_resumed, 1u);
  EXPECT_GE(m.syncs_archive, 1u) << "caught up from the archive";
  EXPECT_EQ(m.syncs_full, full_before) << "no full resync was needed";
  EXPECT_GE(s.client(1).counters().resumes, 1u);
  EXPECT_GE(s.client(1).counters().resubscribes, 1u);
  EXPECT_EQ(s.client(0).counters().resubscribes, 0u) << "the other client never noticed";
}

TEST(DataSession, APausedClientResubscribesAndConverges) {
  DataRun run = data_run(NetworkKind::kSim, 2);
  LocalDataSession& s = *run.session;
  ASSERT_TRUE(settle(s, 5s));
  ASSERT_TRUE(s.pause(0, 3s).ok());
  server_writes(run, 40, 100ms);  // 4 s of writes: the pause ends during them
  ASSERT_TRUE(settle(s, 10s));
  expect_converged(s);
  EXPECT_EQ(s.client(0).counters().pauses, 1u);
  EXPECT_EQ(s.client(0).counters().resubscribes, 1u);
  EXPECT_EQ(s.client(1).counters().pauses, 0u);
}

TEST(DataSession, AFixedFlushTickClosesAtMostOneVersionPerTick) {
  DataServerConfig server;
  server.flush_interval = 100ms;
  DataRun run = data_run(NetworkKind::kSim, 1, 200, {}, server);
  LocalDataSession& s = *run.session;
  ASSERT_TRUE(settle(s, 5s));
  const data::Version before = s.server().data().store().version();
  server_writes(run, 100, 10ms);  // 1 s of writes, ten per tick
  ASSERT_TRUE(settle(s, 5s));
  expect_converged(s);
  const data::Version versions = s.server().data().store().version() - before;
  EXPECT_GE(versions, 5u);
  EXPECT_LE(versions, 12u) << "about one version per 100 ms tick, not one per write";
}

TEST(DataSession, TheDriverReportsASessionsSendBacklogAndTheDrainHoldsBack) {
  DataRun run = data_run(NetworkKind::kSim, 1, 2000);
  LocalDataSession& s = *run.session;
  ASSERT_TRUE(settle(s, 10s));
  ASSERT_TRUE(s.cut_off(0, 5s).ok());
  // Big writes while nothing gets through: the transport's backlog rises to the bound, then the
  // DataHost's queue holds the rest.
  std::uint64_t peak_backlog = 0;
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(s.server().commit(run.workload.populate(1, 50)).ok());
    s.run_until(s.now() + 10ms);
    for (const transport::ConnectionId conn : s.server().sessions().sessions()) {
      peak_backlog = std::max(peak_backlog, s.server().sessions().send_backlog(conn));
    }
  }
  EXPECT_GT(peak_backlog, 0u);
  EXPECT_LE(peak_backlog, s.server().config().max_send_backlog + 64 * 1024)
      << "the drain stops near the bound (one step's messages may pass it)";
  EXPECT_GT(s.server().metrics().held_back, 0u);
  ASSERT_TRUE(settle(s, 20s));
  expect_converged(s);
}

TEST(DataSession, AMessageOffTheReplicationLaneClosesThatSessionOnly) {
  DataRun run = data_run(NetworkKind::kSim, 2);
  LocalDataSession& s = *run.session;
  ASSERT_TRUE(settle(s, 5s));
  protocol::ChatMessage chat;
  chat.text = "not a data message";
  ASSERT_TRUE(s.client(0).session().send(chat).ok());
  s.run_until(s.now() + 50ms);
  EXPECT_EQ(s.server().metrics().protocol_violations, 1u);
  // The other client carries on; the offender comes back (resumes) and catches up.
  server_writes(run, 20, 50ms);
  ASSERT_TRUE(settle(s, 10s));
  expect_converged(s);
  EXPECT_EQ(s.client(1).counters().connections, 1u);
}

TEST(DataSession, OverQuicOnLoopbackAClientGetsAFullSyncAndBatches) {
  DataRun run = data_run(NetworkKind::kQuic, 2, 100);
  LocalDataSession& s = *run.session;
  ASSERT_TRUE(settle(s, 10s)) << "no full sync within 10 s over loopback";
  expect_converged(s);
  server_writes(run, 20, 10ms);
  data::Transaction tx(soak_schema());
  ASSERT_TRUE(tx.set("units", 3, "tag", "name", data::Value{std::string("quic")}).ok());
  ASSERT_TRUE(s.client(0).write(tx).ok());
  ASSERT_TRUE(settle(s, 10s));
  expect_converged(s);
  EXPECT_EQ(s.server().metrics().writes_accepted, 1u);
  EXPECT_GE(s.client(1).db().batches_applied(), 1u);
}

}  // namespace
}  // namespace theta_net::session
