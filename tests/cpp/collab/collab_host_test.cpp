// CollabHost: an accepted command's path (applied at flush, logged, answered after its batch),
// the total order of one step's commands, application commands, the replicated log, the
// resolver hook and the server's own commands. Refusals are in collab_host_refusal_test.cpp.
#include "theta_net/collab/collab_host.hpp"

#include <gtest/gtest.h>

#include "collab_room.hpp"

namespace theta_net::collab {
namespace {

using protocol::CommandRefuseReason;
using testing::expect_refused;
using testing::Member;
using testing::Room;

constexpr std::uint16_t kDataWrite = static_cast<std::uint16_t>(protocol::CommandKind::kDataWrite);

TEST(CollabHost, AnAcceptedCommandIsLoggedAppliedAndAnsweredAfterItsBatch) {
  Room room;
  Member& m = room.join();
  room.pump();
  const auto e = testing::signed_write(*room.schema, m.key, 1, 1, 3, 42, room.data.version());
  ASSERT_TRUE(room.host.on_message(m.id, e, room.now).ok());
  EXPECT_EQ(room.host.waiting(), 1u);
  EXPECT_EQ(room.data.store().size(), 0u);  // applied at flush, not before
  room.host.flush(room.now);
  const auto out = room.drain(m);
  // The batch that holds it comes before its answer.
  std::size_t batch_at = out.size(), result_at = out.size();
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (std::holds_alternative<protocol::DataBatch>(out[i])) batch_at = i;
    if (std::holds_alternative<protocol::CommandResult>(out[i])) result_at = i;
  }
  ASSERT_LT(batch_at, out.size());
  ASSERT_LT(result_at, out.size());
  EXPECT_LT(batch_at, result_at);
  const auto& r = std::get<protocol::CommandResult>(out[result_at]);
  EXPECT_TRUE(r.accepted);
  EXPECT_EQ(r.sequence, 1u);
  EXPECT_EQ(r.index, 1u);
  EXPECT_EQ(r.version, room.data.version());
  ASSERT_EQ(room.host.log().entries().size(), 1u);
  const LoggedCommand& logged = room.host.log().entries().front();
  EXPECT_EQ(logged.entry.index, 1u);
  EXPECT_EQ(logged.version, room.data.version());
  EXPECT_TRUE(verify_command(logged.entry));
  EXPECT_EQ(room.host.clock().time(), 2u);  // max(0, 1) + 1
  EXPECT_EQ(room.host.stats().accepted, 1u);
}

TEST(CollabHost, OneStepsCommandsApplyInLamportThenAuthorKeyOrder) {
  Room room;
  Member& a = room.join();
  Member& b = room.join();
  room.pump();
  // Received b first, but a's clock is lower: a applies first and b's value stays.
  ASSERT_TRUE(
      room.host.on_message(b.id, testing::signed_write(*room.schema, b.key, 1, 6, 1, 200), room.now)
          .ok());
  ASSERT_TRUE(
      room.host.on_message(a.id, testing::signed_write(*room.schema, a.key, 1, 5, 1, 100), room.now)
          .ok());
  // Equal clocks: the smaller author key goes first.
  ASSERT_TRUE(
      room.host.on_message(a.id, testing::signed_write(*room.schema, a.key, 2, 9, 2, 1), room.now)
          .ok());
  ASSERT_TRUE(
      room.host.on_message(b.id, testing::signed_write(*room.schema, b.key, 2, 9, 2, 2), room.now)
          .ok());
  room.host.flush(room.now);
  const auto& log = room.host.log().entries();
  ASSERT_EQ(log.size(), 4u);
  EXPECT_EQ(log[0].entry.author, a.key.public_key());
  EXPECT_EQ(log[1].entry.author, b.key.public_key());
  const bool a_first = a.key.public_key() < b.key.public_key();
  EXPECT_EQ(log[2].entry.author, a_first ? a.key.public_key() : b.key.public_key());
  const auto value_of = [&](data::EntityId e) {
    return testing::int_at(room.data.store(), testing::kCells, e, testing::kCellComponent,
                           testing::kValue);
  };
  EXPECT_EQ(value_of(1), 200);
  EXPECT_EQ(value_of(2), a_first ? 2 : 1);
  // Each applied command moves the server's clock to max(clock, its clock) + 1: 6, 7, 10, 11.
  EXPECT_EQ(room.host.clock().time(), 11u);
}

TEST(CollabHost, ApplicationCommandsRunTheirHandlerThroughATransaction) {
  Room room;
  ASSERT_TRUE(
      room.host
          .register_command(300,
                            [&room](std::uint16_t, ByteSpan payload, const Ed25519PublicKey&,
                                    data::Transaction& tx) -> Status {
                              if (payload.size() != 1) {
                                return make_error(ErrorCode::kInvalidArgument, "one byte expected");
                              }
                              (void)room;
                              return tx.set("counters", 1, "count", "n", std::int64_t{payload[0]});
                            })
          .ok());
  EXPECT_FALSE(
      room.host.register_command(300, [](auto, auto, const auto&, auto&) { return Status{}; })
          .ok());
  EXPECT_FALSE(
      room.host.register_command(5, [](auto, auto, const auto&, auto&) { return Status{}; }).ok());
  Member& m = room.join();
  room.pump();
  auto seq = m.client->send_command(300, Bytes{33});
  ASSERT_TRUE(seq.ok());
  auto bad = m.client->send_command(300, Bytes{1, 2});
  ASSERT_TRUE(bad.ok());
  room.pump();
  const auto outcomes = m.client->take_command_results();
  ASSERT_EQ(outcomes.size(), 2u);
  // The refusal is answered at once, the acceptance after the batch that holds it.
  EXPECT_EQ(outcomes[0].sequence, *bad);
  EXPECT_FALSE(outcomes[0].accepted);
  EXPECT_EQ(outcomes[0].reason, CommandRefuseReason::kMalformed);
  EXPECT_NE(outcomes[0].text.find("one byte expected"), std::string::npos);
  EXPECT_EQ(outcomes[1].sequence, *seq);
  EXPECT_TRUE(outcomes[1].accepted);
  EXPECT_EQ(outcomes[1].index, 1u);
  EXPECT_EQ(testing::int_at(room.data.store(), testing::kCounters, 1, testing::kCount, 0), 33);
  EXPECT_EQ(m.db->view().canonical_bytes(), room.data.store().canonical_bytes());
}

TEST(CollabHost, AcceptedEntriesAreReplicatedToEveryClientThatTakesTheLog) {
  Room room;
  Member& a = room.join();
  Member& b = room.join();
  room.pump();
  ASSERT_TRUE(
      room.host.on_message(a.id, testing::signed_write(*room.schema, a.key, 1, 1, 1, 7), room.now)
          .ok());
  room.host.flush(room.now);
  const auto out = room.drain(b);
  std::vector<protocol::CommandLogEntry> entries;
  for (const auto& msg : out) {
    if (const auto* e = std::get_if<protocol::CommandLogEntry>(&msg)) entries.push_back(*e);
  }
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].index, 1u);
  EXPECT_EQ(entries[0].author, a.key.public_key());
  EXPECT_TRUE(verify_command(entries[0]));
  EXPECT_EQ(room.host.stats().replicated, 1u);

  CollabHostConfig quiet;
  quiet.replicate_log = false;
  Room silent(quiet);
  Member& c = silent.join();
  Member& d = silent.join();
  silent.pump();
  ASSERT_TRUE(
      silent.host
          .on_message(c.id, testing::signed_write(*silent.schema, c.key, 1, 1, 1, 7), silent.now)
          .ok());
  silent.host.flush(silent.now);
  for (const auto& msg : silent.drain(d)) {
    EXPECT_FALSE(std::holds_alternative<protocol::CommandLogEntry>(msg));
  }
}

TEST(CollabHost, TheResolverHookDecidesWhatIsCommittedAndSeesEachCommit) {
  std::vector<std::uint64_t> committed;
  CollabHostConfig config;
  config.resolver.resolve = [](const std::vector<data::Op>& ops, const CommandOrigin& origin,
                               const data::Store&) {
    WriteResolution r;
    if (origin.sequence == 2) {
      r.refused = true;
      r.text = "lost to a concurrent write";
      return r;
    }
    r.ops = ops;
    r.conflicts = 1;
    return r;
  };
  config.resolver.committed = [&committed](const std::vector<data::Op>&, const CommandOrigin& o,
                                           data::Version) { committed.push_back(o.sequence); };
  Room room(config);
  Member& m = room.join();
  room.pump();
  ASSERT_TRUE(
      room.host.on_message(m.id, testing::signed_write(*room.schema, m.key, 1, 1, 1, 7), room.now)
          .ok());
  ASSERT_TRUE(
      room.host.on_message(m.id, testing::signed_write(*room.schema, m.key, 2, 2, 1, 8), room.now)
          .ok());
  room.host.flush(room.now);
  const auto results = testing::results_in(room.drain(m));
  ASSERT_EQ(results.size(), 2u);
  // The refusal is answered at once; the acceptance after its batch.
  EXPECT_EQ(results[0].sequence, 2u);
  expect_refused(results[0], CommandRefuseReason::kConflict, "lost to a concurrent write");
  EXPECT_TRUE(results[1].accepted);
  EXPECT_EQ(results[1].conflicts, 1u);
  EXPECT_EQ(committed, (std::vector<std::uint64_t>{1}));
  EXPECT_EQ(room.host.stats().conflicts, 1u);
}

TEST(CollabHost, TheServersOwnCommandsAreSignedCheckedAndLogged) {
  Room room;
  Rng rng(3);
  const Ed25519KeyPair server_key = Ed25519KeyPair::from_rng(rng);
  auto first = room.host.submit(server_key, kDataWrite,
                                encode_data_write(*room.schema, {testing::set_value(4, 4)}));
  ASSERT_TRUE(first.ok()) << first.error().describe();
  EXPECT_EQ(*first, 1u);
  EXPECT_EQ(*room.host.submit(server_key, kDataWrite,
                              encode_data_write(*room.schema, {testing::set_value(5, 5)})),
            2u);
  auto unknown = room.host.submit(server_key, 999, {});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("unknown_command"), std::string::npos);
  room.host.flush(room.now);
  EXPECT_EQ(room.host.log().entries().size(), 2u);
  EXPECT_EQ(room.data.store().table(testing::kCells).size(), 2u);
}

TEST(CollabHost, ACommandWhoseSessionEndedBeforeTheFlushIsStillApplied) {
  Room room;
  Member& m = room.join();
  room.pump();
  ASSERT_TRUE(
      room.host.on_message(m.id, testing::signed_write(*room.schema, m.key, 1, 1, 1, 7), room.now)
          .ok());
  room.host.remove_client(m.id);
  room.data.remove_client(m.id);
  room.host.flush(room.now);
  EXPECT_EQ(room.host.log().entries().size(), 1u);
  EXPECT_EQ(room.data.store().table(testing::kCells).size(), 1u);
  EXPECT_FALSE(room.host.on_message(m.id, protocol::DataAck{}, room.now).ok());
}

}  // namespace
}  // namespace theta_net::collab
