// Signed commands on the session drivers: a DataServer with a CollabHost and DataClients that
// sign their writes, over SimNet and over QUIC on loopback. Several clients write concurrently
// and converge; the server's command log replays to the same store bytes; bad signatures,
// replayed and skipped sequences and forged authors are refused with their reasons and change
// nothing.
#include <gtest/gtest.h>

#include "theta_net/collab/command_log_file.hpp"
#include "theta_net/collab/command_signature.hpp"
#include "theta_net/collab/data_write_command.hpp"
#include "theta_net/session/data_soak_workload.hpp"
#include "theta_net/session/local_data_session.hpp"

namespace theta_net::session {
namespace {

using namespace std::chrono_literals;
using protocol::CommandRefuseReason;

constexpr std::uint16_t kDataWrite = static_cast<std::uint16_t>(protocol::CommandKind::kDataWrite);

struct SignedRun {
  std::unique_ptr<LocalDataSession> session;
  SoakWorkload workload{soak_schema(), 60, Rng(5)};
  Ed25519KeyPair server_key = Ed25519KeyPair::from_seed({}).value();
  std::vector<protocol::CommandResult> refusals;  // every refusal the server sent
};

// A signed-commands server whose 60 entities were written as its own commands (so the log
// holds every change), and `clients` signing clients (plus `plain` ones that do not sign).
std::unique_ptr<SignedRun> signed_run(NetworkKind network, std::size_t clients,
                                      transport::LinkConfig link = {}, std::size_t plain = 0,
                                      std::uint64_t seed = 1) {
  auto run = std::make_unique<SignedRun>();
  LocalDataSessionConfig config;
  config.network.network = network;
  config.network.seed = seed;
  config.network.step = network == NetworkKind::kSim ? Micros(1ms) : Micros(2ms);
  config.server.signed_commands = true;
  config.server.collab.on_refused = [r = run.get()](data::DataClientId,
                                                    const protocol::CommandResult& refusal) {
    r->refusals.push_back(refusal);
  };
  auto created = LocalDataSession::create(soak_schema(), config);
  EXPECT_TRUE(created.ok()) << created.error().describe();
  run->session = std::move(created).value();
  collab::CollabHost& host = *run->session->server().collab();
  for (std::uint64_t first = 1; first <= 60; first += 20) {
    const auto seeded = host.submit(
        run->server_key, kDataWrite,
        collab::encode_data_write(*soak_schema(), run->workload.populate(first, 20).ops()));
    EXPECT_TRUE(seeded.ok()) << seeded.error().describe();
  }
  host.flush(Micros{0});
  for (std::size_t i = 0; i < clients + plain; ++i) {
    LocalDataClientSpec spec;
    spec.name = str_cat(i < clients ? "s" : "p", i);
    spec.link = link;
    spec.signed_commands = i < clients;
    EXPECT_TRUE(run->session->add_client(spec).ok());
  }
  return run;
}

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
  }
}

// `count` client writes, one every `every`, by the clients in turn.
void client_writes(SignedRun& run, std::size_t clients, int count, Micros every) {
  LocalDataSession& s = *run.session;
  for (int i = 0; i < count; ++i) {
    // A write the mirror refuses (removing what is absent) changes nothing; the others go on.
    static_cast<void>(
        s.client(static_cast<std::size_t>(i) % clients).write(run.workload.next_write()));
    s.run_until(s.now() + every);
  }
}

std::string describe(const std::vector<protocol::CommandResult>& refusals) {
  std::string out;
  for (const auto& r : refusals) {
    const auto name = r.reason ? protocol::enum_name(*r.reason) : std::nullopt;
    out += str_cat(name.value_or("?"), " (", r.text, "); ");
  }
  return out;
}

// The server's log replayed on a fresh DataHost: its store's canonical bytes.
Bytes replayed_store(LocalDataSession& s) {
  const auto& entries = s.server().collab()->log().entries();
  const std::vector<collab::LoggedCommand> log(entries.begin(), entries.end());
  data::DataHost fresh(soak_schema());
  collab::CollabHost host(fresh);
  const Status replayed = host.replay(log, Micros{0});
  EXPECT_TRUE(replayed.ok()) << replayed.error().describe();
  return fresh.store().canonical_bytes();
}

TEST(SignedCommandsSession, ClientsWriteSignedOverSimNetConvergeAndTheLogReplays) {
  auto run = signed_run(NetworkKind::kSim, 3);
  LocalDataSession& s = *run->session;
  ASSERT_TRUE(settle(s, 5s));
  for (std::size_t i = 0; i < 3; ++i) EXPECT_TRUE(s.client(i).signing()) << i;
  client_writes(*run, 3, 90, 3ms);  // overlapping: several in flight at once
  ASSERT_TRUE(settle(s, 10s));
  expect_converged(s);
  const collab::CollabHost& host = *s.server().collab();
  EXPECT_GE(host.stats().accepted, 80u);
  EXPECT_EQ(host.stats().refused, 0u);
  EXPECT_EQ(s.server().metrics().writes_refused, 0u);
  for (std::size_t i = 0; i < 3; ++i) {
    const collab::CollabClient& c = *s.client(i).collab();
    EXPECT_EQ(c.stats().forged, 0u);
    EXPECT_EQ(c.last_index(), host.log().next_index() - 1);  // the whole log reached it
  }
  EXPECT_EQ(replayed_store(s), s.server().data().store().canonical_bytes());
}

TEST(SignedCommandsSession, TheSameSeedGivesTheSameLogRunAfterRun) {
  std::vector<Bytes> logs, stores;
  for (int round = 0; round < 2; ++round) {
    transport::LinkConfig link;
    link.latency = 20ms;
    link.loss = 0.05;
    auto run = signed_run(NetworkKind::kSim, 3, link, 0, 42);
    LocalDataSession& s = *run->session;
    ASSERT_TRUE(settle(s, 10s));
    client_writes(*run, 3, 60, 5ms);
    ASSERT_TRUE(settle(s, 30s));
    expect_converged(s);
    const auto& entries = s.server().collab()->log().entries();
    logs.push_back(collab::encode_command_log({entries.begin(), entries.end()}).value());
    stores.push_back(s.server().data().store().canonical_bytes());
    EXPECT_EQ(replayed_store(s), stores.back());
  }
  EXPECT_EQ(logs[0], logs[1]);
  EXPECT_EQ(stores[0], stores[1]);
}

TEST(SignedCommandsSession, ACutOffClientResendsItsUnansweredCommandsAndEachAppliesOnce) {
  transport::LinkConfig link;
  link.latency = 10ms;
  auto run = signed_run(NetworkKind::kSim, 2, link);
  LocalDataSession& s = *run->session;
  ASSERT_TRUE(settle(s, 5s));
  for (int i = 0; i < 5; ++i) static_cast<void>(s.client(0).write(run->workload.next_write()));
  // The writes are on their way (10 ms): they reach the server, but the cut from now on loses
  // its answers. 15 s: past both sides' 10 s idle timeout, inside the 60 s resume window.
  s.run_until(s.now() + 5ms);
  ASSERT_TRUE(s.cut_off(0, 15s).ok());
  client_writes(*run, 2, 160, 100ms);  // 16 s of writes, client 0's queued behind the cut
  ASSERT_TRUE(settle(s, 30s));
  expect_converged(s);
  EXPECT_GE(s.client(0).counters().resumes, 1u);
  const collab::CollabClient& cut = *s.client(0).collab();
  EXPECT_GE(cut.stats().resent, 5u);
  EXPECT_GE(s.server().collab()->stats().bad_sequence, 5u);  // the repeats of the five
  EXPECT_EQ(cut.unanswered(), 0u);
  // Every accepted command is in the log once: sequences of each author rise by one.
  std::map<Ed25519PublicKey, std::uint64_t> last;
  for (const auto& logged : s.server().collab()->log().entries()) {
    auto& seen = last[logged.entry.author];
    EXPECT_GT(logged.entry.sequence, seen);
    seen = logged.entry.sequence;
  }
  EXPECT_EQ(replayed_store(s), s.server().data().store().canonical_bytes());
}

TEST(SignedCommandsSession, APausedClientResendsAndTakesBothAnswersQuietly) {
  transport::LinkConfig link;
  link.latency = 10ms;
  auto run = signed_run(NetworkKind::kSim, 2, link);
  LocalDataSession& s = *run->session;
  ASSERT_TRUE(settle(s, 5s));
  for (int i = 0; i < 3; ++i) static_cast<void>(s.client(0).write(run->workload.next_write()));
  s.run_until(s.now() + 5ms);  // sent; the connection outlives the pause
  ASSERT_TRUE(s.pause(0, 3s).ok());
  client_writes(*run, 2, 40, 100ms);
  ASSERT_TRUE(settle(s, 10s));
  expect_converged(s);
  EXPECT_EQ(s.client(0).counters().pauses, 1u);
  EXPECT_EQ(s.client(0).counters().message_errors, 0u);
  EXPECT_EQ(s.client(0).collab()->unanswered(), 0u);
  EXPECT_EQ(replayed_store(s), s.server().data().store().canonical_bytes());
}

// Sends an entry on client 0's session as it is, and lets the server answer.
void send_raw(SignedRun& run, const protocol::CommandLogEntry& entry) {
  LocalDataSession& s = *run.session;
  ASSERT_TRUE(s.client(0).session().send(entry).ok());
  s.run_until(s.now() + 20ms);
}

TEST(SignedCommandsSession, BadSignaturesReplaysGapsAndForgedAuthorsAreRefusedAndChangeNothing) {
  auto run = signed_run(NetworkKind::kSim, 2);
  LocalDataSession& s = *run->session;
  ASSERT_TRUE(settle(s, 5s));
  client_writes(*run, 2, 4, 5ms);
  ASSERT_TRUE(settle(s, 5s));
  const Bytes store = s.server().data().store().canonical_bytes();
  const std::uint64_t log_next = s.server().collab()->log().next_index();
  collab::CollabClient& me = *s.client(0).collab();
  Rng rng(99);
  const Ed25519KeyPair my_key = Ed25519KeyPair::from_rng(rng);  // a key that is not client 0's

  // Client 0's last accepted command, sent again verbatim: a replay.
  protocol::CommandLogEntry replay;
  for (const auto& logged : s.server().collab()->log().entries()) {
    if (logged.entry.author == me.key()) replay = logged.entry;
  }
  ASSERT_NE(replay.sequence, 0u);
  replay.index = 0;
  send_raw(*run, replay);

  protocol::CommandLogEntry skipped;
  skipped.author = me.key();
  skipped.sequence = me.next_sequence() + 5;
  skipped.lamport = me.clock().time() + 1;
  skipped.command = kDataWrite;
  skipped.payload = collab::encode_data_write(*soak_schema(), run->workload.next_write().ops());
  skipped.signature = replay.signature;  // not its signature either; the sequence is checked later
  send_raw(*run, skipped);

  protocol::CommandLogEntry tampered = replay;
  tampered.sequence = me.next_sequence();
  tampered.lamport = me.clock().time() + 1;  // signed over other fields: does not verify
  send_raw(*run, tampered);

  protocol::CommandLogEntry forged = tampered;
  collab::sign_command(forged, my_key);  // validly signed, by a key not the session's
  send_raw(*run, forged);

  ASSERT_EQ(run->refusals.size(), 4u);
  EXPECT_EQ(run->refusals[0].reason, CommandRefuseReason::kBadSequence);
  EXPECT_NE(run->refusals[0].text.find("(a repeat)"), std::string::npos);
  EXPECT_EQ(run->refusals[1].reason, CommandRefuseReason::kBadSignature);
  EXPECT_EQ(run->refusals[2].reason, CommandRefuseReason::kBadSignature);
  EXPECT_EQ(run->refusals[3].reason, CommandRefuseReason::kWrongAuthor);
  EXPECT_EQ(s.server().data().store().canonical_bytes(), store);
  EXPECT_EQ(s.server().collab()->log().next_index(), log_next);

  // The session carries on: a genuine write is still taken.
  client_writes(*run, 1, 1, 5ms);
  ASSERT_TRUE(settle(s, 5s));
  expect_converged(s);
  EXPECT_EQ(s.server().collab()->log().next_index(), log_next + 1);
}

TEST(SignedCommandsSession, AClientThatSkipsSequencesIsRefusedAndItsWritesRolledBack) {
  auto run = signed_run(NetworkKind::kSim, 1);
  LocalDataSession& s = *run->session;
  LocalDataClientSpec spec;
  spec.name = "skipper";
  spec.signed_commands = true;
  spec.collab.first_sequence = 3;  // the server expects 1 from a key it has not seen
  ASSERT_TRUE(s.add_client(spec).ok());
  ASSERT_TRUE(settle(s, 5s));
  const Bytes store = s.server().data().store().canonical_bytes();
  ASSERT_TRUE(s.client(1).write(run->workload.next_write()).ok());
  ASSERT_TRUE(s.client(1).write(run->workload.next_write()).ok());
  ASSERT_TRUE(settle(s, 5s));
  ASSERT_EQ(run->refusals.size(), 2u);
  EXPECT_EQ(run->refusals[0].reason, CommandRefuseReason::kBadSequence);
  EXPECT_EQ(run->refusals[0].text, "expected sequence 1, got 3 (a gap)");
  EXPECT_EQ(run->refusals[1].text, "expected sequence 1, got 4 (a gap)");
  const auto refused = s.client(1).db().take_refused_writes();
  ASSERT_EQ(refused.size(), 2u);
  EXPECT_EQ(refused[0].second.rfind("not_allowed: bad_sequence: expected sequence 1", 0), 0u)
      << refused[0].second;
  EXPECT_EQ(s.server().data().store().canonical_bytes(), store);
  expect_converged(s);
}

TEST(SignedCommandsSession, AClientThatDoesNotSignReadsButItsWritesAreRefused) {
  auto run = signed_run(NetworkKind::kSim, 1, {}, 1);
  LocalDataSession& s = *run->session;
  ASSERT_TRUE(settle(s, 5s));
  EXPECT_TRUE(s.client(0).signing());
  EXPECT_FALSE(s.client(1).signing());
  const Bytes store = s.server().data().store().canonical_bytes();
  ASSERT_TRUE(s.client(1).write(run->workload.next_write()).ok());
  s.run_until(s.now() + 50ms);
  const auto refused = s.client(1).db().take_refused_writes();
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_NE(refused[0].second.find("signed commands"), std::string::npos) << refused[0].second;
  EXPECT_EQ(s.server().data().store().canonical_bytes(), store);
  // A CommandLogEntry from it breaks the protocol: it did not negotiate signed commands.
  protocol::CommandLogEntry e;
  collab::sign_command(e, Ed25519KeyPair::from_seed({}).value());
  ASSERT_TRUE(s.client(1).session().send(e).ok());
  s.run_until(s.now() + 50ms);
  EXPECT_EQ(s.server().metrics().protocol_violations, 1u);
  client_writes(*run, 1, 3, 5ms);
  ASSERT_TRUE(settle(s, 10s));
  expect_converged(s);
}

TEST(SignedCommandsSession, OverQuicOnLoopbackSignedClientsConvergeAndTheLogReplays) {
  auto run = signed_run(NetworkKind::kQuic, 2);
  LocalDataSession& s = *run->session;
  ASSERT_TRUE(settle(s, 10s)) << "no full sync within 10 s over loopback";
  for (std::size_t i = 0; i < 2; ++i) EXPECT_TRUE(s.client(i).signing()) << i;
  client_writes(*run, 2, 30, 4ms);
  ASSERT_TRUE(settle(s, 10s));
  expect_converged(s);
  EXPECT_GE(s.server().collab()->stats().accepted, 25u);
  // Real time decides which writes overlap: two clients may write the same field from the same
  // base, and the server strategy refuses the later one. That is the only refusal allowed.
  for (const auto& refusal : run->refusals) {
    EXPECT_EQ(refusal.reason, CommandRefuseReason::kConflict) << describe(run->refusals);
  }
  EXPECT_EQ(s.server().collab()->stats().refused, run->refusals.size());
  EXPECT_EQ(replayed_store(s), s.server().data().store().canonical_bytes());
}

}  // namespace
}  // namespace theta_net::session
