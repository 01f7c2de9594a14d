// CollabClient over a ClientDB, against a CollabHost in memory: writes become signed commands,
// answers go back to the ClientDB, the replicated log is checked, and unanswered commands go
// again after a reconnect.
#include "theta_net/collab/collab_client.hpp"

#include <gtest/gtest.h>

#include "collab_room.hpp"

namespace theta_net::collab {
namespace {

using testing::Member;
using testing::Room;

data::Transaction cell_write(const Room& room, data::EntityId entity, std::int64_t value) {
  data::Transaction tx(room.schema);
  EXPECT_TRUE(tx.set("cells", entity, "cell", "value", value).ok());
  return tx;
}

std::vector<protocol::CommandLogEntry> entries_in(const std::vector<protocol::AnyMessage>& out) {
  std::vector<protocol::CommandLogEntry> entries;
  for (const auto& m : out) {
    if (const auto* e = std::get_if<protocol::CommandLogEntry>(&m)) entries.push_back(*e);
  }
  return entries;
}

TEST(CollabClient, LocalWritesBecomeSignedCommandsWithRisingSequencesAndClocks) {
  Room room;
  Member& m = room.join();
  room.pump();
  ASSERT_TRUE(m.db->write(cell_write(room, 1, 10)).ok());
  ASSERT_TRUE(m.db->write(cell_write(room, 2, 20)).ok());
  const auto entries = entries_in(m.client->take_outgoing());
  ASSERT_EQ(entries.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(entries[i].author, m.key.public_key());
    EXPECT_EQ(entries[i].sequence, i + 1);
    EXPECT_EQ(entries[i].lamport, i + 1);
    EXPECT_EQ(entries[i].base_version, m.db->version());
    EXPECT_EQ(entries[i].index, 0u);
    EXPECT_TRUE(verify_command(entries[i]));
  }
  auto ops = decode_data_write(*room.schema, entries[1].payload);
  ASSERT_TRUE(ops.ok());
  EXPECT_EQ(*ops, cell_write(room, 2, 20).ops());
  EXPECT_EQ(m.client->unanswered(), 2u);
}

TEST(CollabClient, AnAcceptedWriteIsConfirmedAndEveryMirrorConverges) {
  Room room;
  Member& a = room.join();
  Member& b = room.join();
  room.pump();
  ASSERT_TRUE(a.db->write(cell_write(room, 1, 10)).ok());
  ASSERT_TRUE(b.db->write(cell_write(room, 1, 11)).ok());
  room.pump();
  for (const Member* m : {&a, &b}) {
    EXPECT_EQ(m->db->pending_writes(), 0u);
    EXPECT_EQ(m->client->unanswered(), 0u);
    EXPECT_EQ(m->db->view().canonical_bytes(), room.data.store().canonical_bytes());
    EXPECT_EQ(m->client->stats().accepted, 1u);
  }
  // Each saw both entries of the log, and its clock moved past them.
  EXPECT_EQ(a.client->last_index(), 2u);
  EXPECT_EQ(b.client->take_log_entries().size(), 2u);
  EXPECT_GE(a.client->clock().time(), 1u);
  EXPECT_EQ(a.client->clock().time(), b.client->clock().time());
}

TEST(CollabClient, ARefusedWriteIsRolledBackWithTheCommandsReason) {
  CollabHostConfig config;
  config.may_command = [](protocol::Role role, std::uint16_t) {
    return role != protocol::Role::kViewer;
  };
  Room room(config);
  Member& viewer = room.join(protocol::Role::kViewer);
  room.pump();
  auto id = viewer.db->write(cell_write(room, 1, 10));
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(viewer.db->view().table(testing::kCells).size(), 1u);  // optimistic
  room.pump();
  EXPECT_EQ(viewer.db->view().table(testing::kCells).size(), 0u);  // rolled back
  const auto refused = viewer.db->take_refused_writes();
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].first, *id);
  EXPECT_NE(refused[0].second.find("permission_denied: role 'viewer' may not send command"),
            std::string::npos)
      << refused[0].second;
  EXPECT_EQ(room.data.store().size(), 0u);
}

TEST(CollabClient, ReplicatedEntriesAreVerifiedAndForgedOnesDropped) {
  Room room;
  Member& m = room.join();
  room.pump();
  Rng rng(12);
  const Ed25519KeyPair other = Ed25519KeyPair::from_rng(rng);
  auto genuine = testing::signed_write(*room.schema, other, 1, 50, 1, 1);
  genuine.index = 1;
  auto forged = genuine;
  forged.index = 2;
  forged.payload = encode_data_write(*room.schema, {testing::set_value(1, 666)});
  auto unindexed = testing::signed_write(*room.schema, other, 2, 60, 1, 1);
  ASSERT_TRUE(m.client->on_message(forged, room.now).ok());
  ASSERT_TRUE(m.client->on_message(unindexed, room.now).ok());
  EXPECT_EQ(m.client->stats().forged, 2u);
  EXPECT_EQ(m.client->clock().time(), 0u);  // nothing forged moves the clock
  ASSERT_TRUE(m.client->on_message(genuine, room.now).ok());
  ASSERT_TRUE(m.client->on_message(genuine, room.now).ok());
  EXPECT_EQ(m.client->stats().replicated, 1u);
  EXPECT_EQ(m.client->stats().duplicates, 1u);
  EXPECT_EQ(m.client->clock().time(), 50u);
  // The next command is stamped after what the log showed.
  ASSERT_TRUE(m.db->write(cell_write(room, 3, 3)).ok());
  const auto entries = entries_in(m.client->take_outgoing());
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].lamport, 51u);
}

TEST(CollabClient, CommandsWaitUntilTheMirrorIsReady) {
  Room room;
  Member& m = room.join();  // subscribed, not synced yet
  auto seq = m.client->send_command(300, Bytes{1});
  ASSERT_TRUE(seq.ok());
  const auto first = m.client->take_outgoing();  // the subscription only
  EXPECT_TRUE(entries_in(first).empty());
  for (const auto& msg : first) ASSERT_TRUE(room.host.on_message(m.id, msg, room.now).ok());
  room.pump();  // synced now: the command went (and was refused: no handler)
  const auto outcomes = m.client->take_command_results();
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].sequence, *seq);
  EXPECT_EQ(outcomes[0].reason, protocol::CommandRefuseReason::kUnknownCommand);
  EXPECT_FALSE(m.client->send_command(5, {}).ok());
  EXPECT_FALSE(m.client->send_command(300, Bytes(70000)).ok());
}

TEST(CollabClient, AResultForASequenceNeverSentIsAnError) {
  Room room;
  Member& m = room.join();
  protocol::CommandResult r;
  r.sequence = 9;
  r.accepted = true;
  const Status taken = m.client->on_message(r, room.now);
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().code, ErrorCode::kState);
}

TEST(CollabClient, AfterAReconnectUnansweredCommandsGoAgainAndTheServerTakesEachOnce) {
  Room room;
  Member& m = room.join();
  room.pump();
  // Write 1 reaches the server and is applied, but its answer is lost with the connection;
  // write 2 never leaves the client.
  ASSERT_TRUE(m.db->write(cell_write(room, 1, 10)).ok());
  for (const auto& msg : m.client->take_outgoing()) {
    ASSERT_TRUE(room.host.on_message(m.id, msg, room.now).ok());
  }
  room.host.flush(room.now);
  (void)room.drain(m);
  ASSERT_TRUE(m.db->write(cell_write(room, 2, 20)).ok());
  EXPECT_EQ(m.client->drop_outgoing(), 0u);  // the write is a command: it stays unanswered
  EXPECT_EQ(m.client->unanswered(), 2u);
  // The session comes back as a new DataHost client.
  room.host.remove_client(m.id);
  room.data.remove_client(m.id);
  m.id = room.data.add_client(room.now);
  ASSERT_TRUE(room.host.add_client(m.id, m.key.public_key(), protocol::Role::kEditor).ok());
  m.client->on_reconnect(room.now);
  EXPECT_EQ(m.db->take_lost_writes().size(), 2u);
  room.pump();
  EXPECT_EQ(m.client->unanswered(), 0u);
  EXPECT_EQ(m.client->stats().resent, 1u);
  EXPECT_EQ(room.host.stats().bad_sequence, 1u);  // write 1, again: a repeat
  EXPECT_EQ(room.host.log().entries().size(), 2u);
  EXPECT_EQ(testing::int_at(room.data.store(), testing::kCells, 2, testing::kCellComponent,
                            testing::kValue),
            20);
  EXPECT_EQ(m.db->view().canonical_bytes(), room.data.store().canonical_bytes());
}

}  // namespace
}  // namespace theta_net::collab
