// Host migration end to end: three clients write signed commands to a server, which hands its
// session over to a successor mid-stream (bundle through the file format, intent, migrated
// close); the clients follow with their resume tokens, pin the successor's key, resend what was
// unanswered, and converge on the successor's store with every write in its log exactly once.
// Over SimNet (with loss) and over real QUIC on loopback (two server endpoints in one test).
#include <gtest/gtest.h>

#include <map>

#include "migration_run.hpp"
#include "theta_net/collab/collab_host.hpp"

namespace theta_net::session {
namespace {

using namespace std::chrono_literals;
using testing::key_of;
using testing::MigrationRun;

template <class Stats>
std::string metrics_text(const Stats& stats) {
  std::string out;
  stats.visit([&](const char* name, auto value) {
    if (value != 0) out += str_cat(name, "=", value, " ");
  });
  return out;
}

// Nothing lost: every command a client signed is either in the successor's log (which holds
// the predecessor's) or was refused by one of the servers as a conflict (its author was told and
// rolled it back: a `server` field met a concurrent write); no other refusal but repeats of
// commands already taken (the dedup of a resend). Nothing twice: an author's sequences in the
// log are each there once, in order. Every mirror equals the successor's store, and the whole
// log replayed on a fresh host gives that store byte for byte.
void expect_nothing_lost_or_twice(MigrationRun& run) {
  DataServer& successor = *run.successor();
  const collab::CollabHostStats& before = run.old_server().collab()->stats();
  const collab::CollabHostStats& after = successor.collab()->stats();
  const auto& log = successor.collab()->log();
  ASSERT_EQ(log.first_index(), 1u) << "the log must be whole for this check";
  std::map<Ed25519PublicKey, std::vector<std::uint64_t>> sequences;
  for (const collab::LoggedCommand& c : log.entries()) {
    sequences[c.entry.author].push_back(c.entry.sequence);
  }
  std::uint64_t signed_commands = 0, logged = 0;
  for (std::size_t i = 0; i < run.client_count(); ++i) {
    DataClient& client = *run.client(i).app;
    signed_commands += client.collab()->next_sequence() - 1;
    const auto& mine = sequences[client.collab()->key()];
    logged += mine.size();
    for (std::size_t k = 1; k < mine.size(); ++k) EXPECT_LT(mine[k - 1], mine[k]) << "client " << i;
    EXPECT_EQ(client.db().view().canonical_bytes(), successor.data().store().canonical_bytes())
        << "client " << i;
  }
  EXPECT_GT(signed_commands, 0u);
  EXPECT_EQ(signed_commands, logged + before.conflict + after.conflict)
      << "old server " << metrics_text(before) << "; successor " << metrics_text(after);
  EXPECT_EQ(before.refused, before.conflict + before.bad_sequence) << metrics_text(before);
  EXPECT_EQ(after.refused, after.conflict + after.bad_sequence) << metrics_text(after);

  data::DataHost fresh(soak_schema());
  collab::CollabHost replay(fresh);
  const std::vector<collab::LoggedCommand> whole(log.entries().begin(), log.entries().end());
  const Status replayed = replay.replay(whole, Micros{0});
  ASSERT_TRUE(replayed.ok()) << replayed.error().describe();
  EXPECT_EQ(fresh.store().canonical_bytes(), successor.data().store().canonical_bytes());
}

void migrate_mid_stream(MigrationRun& run) {
  ASSERT_TRUE(run.settle(10s));
  run.writes(45, 2ms);  // overlapping: several commands in flight when the server moves
  const data::Version before = run.old_server().data().version();
  const std::uint64_t digest_before = run.old_server().data().store().digest();
  run.migrate(key_of(2), key_of(2).public_key());
  ASSERT_NE(run.successor(), nullptr);
  // The successor starts where the predecessor stopped: same store, same version, same log.
  EXPECT_EQ(run.successor()->data().version(), before);
  EXPECT_EQ(run.successor()->data().store().digest(), digest_before);
  EXPECT_EQ(run.successor()->collab()->log().next_index(),
            run.old_server().collab()->log().next_index());
  run.writes(45, 2ms);  // writes go on while the clients move
  run.run_for(50ms);
  run.retire_old();
  run.writes(30, 2ms);
  ASSERT_TRUE(run.settle(20s));
  for (std::size_t i = 0; i < run.client_count(); ++i) {
    const DataClient& c = *run.client(i).app;
    EXPECT_EQ(c.session().migrations(), 1u) << i;
    EXPECT_EQ(c.counters().resumes, 1u) << i;  // the same session, resumed at the successor
    EXPECT_EQ(run.client(i).driver->counters().redirects, 1u) << i;
    EXPECT_EQ(c.session().pinned_server_key(), key_of(2).public_key()) << i;
    EXPECT_EQ(c.counters().unexpected_messages, 0u) << i;  // the intent is the session's
    EXPECT_EQ(c.counters().message_errors, 0u) << i;
  }
  EXPECT_GT(run.successor()->data().version(), before);  // versions go on, never reused
  expect_nothing_lost_or_twice(run);
}

TEST(HostMigration, ThreeWritingClientsFollowTheServerOverSimNetAndNothingIsLostOrTwice) {
  transport::LinkConfig link;
  link.latency = 10ms;
  link.loss = 0.03;
  MigrationRun run(false, 3, link, 7);
  migrate_mid_stream(run);
}

TEST(HostMigration, ASuccessorPresentingAnotherKeyIsRefused) {
  MigrationRun run(false, 2);
  ASSERT_TRUE(run.settle(10s));
  run.writes(10, 2ms);
  // The announced key is not the one the successor holds.
  run.migrate(key_of(2), key_of(3).public_key());
  run.run_for(2s);
  for (std::size_t i = 0; i < run.client_count(); ++i) {
    const DataClient& c = *run.client(i).app;
    EXPECT_EQ(c.session().state(), SessionState::kRejected) << i;
    EXPECT_EQ(c.session().migrations(), 1u) << i;
  }
  EXPECT_EQ(run.successor()->sessions().sessions().size(), 0u);
  EXPECT_EQ(run.successor()->metrics().sessions_started, 0u);
}

TEST(HostMigration, TheSameSeedMigratesTheSameWay) {
  std::vector<Bytes> stores;
  for (int round = 0; round < 2; ++round) {
    transport::LinkConfig link;
    link.latency = 5ms;
    link.loss = 0.02;
    MigrationRun run(false, 3, link, 11);
    migrate_mid_stream(run);
    stores.push_back(run.successor()->data().store().canonical_bytes());
  }
  EXPECT_EQ(stores[0], stores[1]);
}

TEST(HostMigration, ThreeWritingClientsFollowTheServerOverQuicOnLoopback) {
  MigrationRun run(true, 3, {}, 3);
  migrate_mid_stream(run);
}

}  // namespace
}  // namespace theta_net::session
