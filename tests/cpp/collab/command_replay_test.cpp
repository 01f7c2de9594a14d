// The command log as a replay source: several authors write concurrently, and the log applied
// to a fresh DataHost gives the same store, byte for byte, run after run; a log that was
// tampered with is refused.
#include <gtest/gtest.h>

#include "collab_room.hpp"
#include "theta_net/collab/command_log_file.hpp"

namespace theta_net::collab {
namespace {

using testing::Member;
using testing::Room;

constexpr std::uint16_t kBump = 300;  // an application command: counter += payload[0]

Status bump(const data::DataHost& host, ByteSpan payload, data::Transaction& tx) {
  if (payload.size() != 1) return make_error(ErrorCode::kInvalidArgument, "one byte");
  const std::int64_t now = std::max<std::int64_t>(
      0, testing::int_at(host.store(), testing::kCounters, 1, testing::kCount, 0));
  return tx.set("counters", 1, "count", "n", now + payload[0]);
}

void register_bump(CollabHost& host) {
  ASSERT_TRUE(
      host.register_command(
              kBump, [&host](std::uint16_t, ByteSpan payload, const Ed25519PublicKey&,
                             data::Transaction& tx) { return bump(host.data(), payload, tx); })
          .ok());
}

struct Session {
  Bytes store;
  Bytes log_file;
  std::vector<LoggedCommand> log;
};

// Four authors over 40 steps, each step some of them writing random cells, removing some, and
// bumping the counter; answers are carried every other step, so writes pile up and overlap.
Session run_session(std::uint64_t seed) {
  Room room({}, seed);
  register_bump(room.host);
  for (int i = 0; i < 4; ++i) room.join();
  room.pump();
  Rng rng(seed * 31 + 1);
  for (int step = 0; step < 40; ++step) {
    for (Member& m : room.members) {
      const auto dice = rng.uniform(6);
      if (dice < 3) {
        data::Transaction tx(room.schema);
        const data::EntityId e = 1 + rng.uniform(12);
        EXPECT_TRUE(tx.set("cells", e, "cell", "value", std::int64_t(rng.uniform(1000))).ok());
        if (dice == 2) {
          EXPECT_TRUE(tx.set("cells", e, "note", "text", std::string("n")).ok());
        }
        (void)m.db->write(tx);
      } else if (dice == 3) {
        data::Transaction tx(room.schema);
        EXPECT_TRUE(tx.remove_entity("cells", 1 + rng.uniform(12)).ok());
        (void)m.db->write(tx);
      } else if (dice == 4) {
        EXPECT_TRUE(m.client->send_command(kBump, Bytes{std::uint8_t(1 + rng.uniform(9))}).ok());
      }
      for (const auto& msg : m.client->take_outgoing()) {
        EXPECT_TRUE(room.host.on_message(m.id, msg, room.now).ok());
      }
    }
    room.host.flush(room.now);
    room.now += Micros(50000);
    if (step % 2 == 1) {
      for (Member& m : room.members) {
        for (const auto& msg : room.drain(m)) EXPECT_TRUE(m.client->on_message(msg, room.now).ok());
      }
    }
  }
  room.pump();
  for (const Member& m : room.members) {
    EXPECT_EQ(m.db->view().canonical_bytes(), room.data.store().canonical_bytes());
  }
  Session s;
  s.store = room.data.store().canonical_bytes();
  s.log.assign(room.host.log().entries().begin(), room.host.log().entries().end());
  s.log_file = encode_command_log(s.log).value();
  EXPECT_GT(s.log.size(), 60u);
  return s;
}

TEST(CommandReplay, ALogReplayedOnAFreshServerGivesTheSameStoreByteForByte) {
  const Session s = run_session(3);
  data::DataHost fresh(testing::board_schema());
  CollabHost host(fresh);
  register_bump(host);
  const Status replayed = host.replay(s.log, Micros{0});
  ASSERT_TRUE(replayed.ok()) << replayed.error().describe();
  EXPECT_EQ(fresh.store().canonical_bytes(), s.store);
  EXPECT_EQ(host.log().entries().size(), s.log.size());
  EXPECT_EQ(encode_command_log({host.log().entries().begin(), host.log().entries().end()}).value(),
            s.log_file);
}

TEST(CommandReplay, TheSameSessionGivesTheSameLogAndStoreRunAfterRun) {
  const Session a = run_session(5);
  const Session b = run_session(5);
  EXPECT_EQ(a.log_file, b.log_file);
  EXPECT_EQ(a.store, b.store);
  const Session c = run_session(6);
  EXPECT_NE(a.log_file, c.log_file);
}

TEST(CommandReplay, ALogReadBackFromItsFileReplaysTheSame) {
  const Session s = run_session(8);
  auto decoded = decode_command_log(s.log_file);
  ASSERT_TRUE(decoded.ok()) << decoded.error().describe();
  for (int run = 0; run < 2; ++run) {
    data::DataHost fresh(testing::board_schema());
    CollabHost host(fresh);
    register_bump(host);
    ASSERT_TRUE(host.replay(*decoded, Micros{0}).ok());
    EXPECT_EQ(fresh.store().canonical_bytes(), s.store) << "run " << run;
    EXPECT_EQ(fresh.version(), s.log.back().version);
  }
}

TEST(CommandReplay, AReplayedServerContinuesEachAuthorsSequenceAndTheClock) {
  const Session s = run_session(9);
  data::DataHost fresh(testing::board_schema());
  CollabHost host(fresh);
  register_bump(host);
  ASSERT_TRUE(host.replay(s.log, Micros{0}).ok());
  std::map<Ed25519PublicKey, std::uint64_t> last;
  std::uint64_t clock = 0;
  for (const LoggedCommand& c : s.log) {
    last[c.entry.author] = c.entry.sequence;
    clock = std::max(clock, c.entry.lamport);
  }
  for (const auto& [author, sequence] : last) {
    EXPECT_EQ(host.sequences().expected(author), sequence + 1);
  }
  EXPECT_GT(host.clock().time(), clock);
  EXPECT_FALSE(host.replay(s.log, Micros{0}).ok());  // a log once only
}

TEST(CommandReplay, ATamperedLogIsRefused) {
  const Session s = run_session(4);
  const auto replay = [](std::vector<LoggedCommand> log) {
    data::DataHost fresh(testing::board_schema());
    CollabHost host(fresh);
    register_bump(host);
    return host.replay(log, Micros{0});
  };
  auto changed = s.log;
  changed[5].entry.payload.back() ^= 1;
  Status r = replay(changed);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(r.error().message.find("entry 6: the signature does not verify"), std::string::npos);

  auto repeated = s.log;
  repeated.insert(repeated.begin() + 3, repeated[2]);  // an entry twice
  for (std::size_t i = 0; i < repeated.size(); ++i) repeated[i].entry.index = i + 1;
  r = replay(repeated);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("are not above its previous ones"), std::string::npos);

  auto skipped = s.log;
  skipped.erase(skipped.begin() + 2);
  r = replay(skipped);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("where entry 3 comes next"), std::string::npos);

  data::DataHost fresh(testing::board_schema());
  CollabHost no_handler(fresh);
  r = no_handler.replay(s.log, Micros{0});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("unknown_command"), std::string::npos);
}

}  // namespace
}  // namespace theta_net::collab
