// ClientDB local writes (Replicache's model): applied to the view at once, sent, rebased over
// every server batch, dropped when the server confirms them and rolled back when it refuses.
#include <gtest/gtest.h>

#include "client_db_fixture.hpp"

namespace theta_net::data {
namespace {

using namespace testing;

struct ClientDbWrites : ::testing::Test {
  void SetUp() override {
    Transaction tx = server.tx();
    for (int id = 1; id <= 4; ++id) {
      ASSERT_TRUE(tx.set("players", id, "health", "hp", std::int64_t{50}).ok());
      ASSERT_TRUE(tx.set("players", id, "tag", "text", std::string("p") + char('0' + id)).ok());
    }
    server.commit(tx);
    sync_fully(db, server);
  }
  Transaction set_hp(EntityId id, std::int64_t hp) {
    Transaction tx(arena_schema());
    EXPECT_TRUE(tx.set("players", id, "health", "hp", hp).ok());
    return tx;
  }
  std::int64_t hp(EntityId id) const { return int_field(db.view(), kPlayers, id, kHealth, kHp); }
  // The server commits a client's DataWrite as it received it and answers it.
  protocol::DataBatch commit_write(const protocol::DataWrite& write) {
    auto ops = decode_ops(server.schema(), write.payload, write.ops);
    EXPECT_TRUE(ops.ok());
    return server.commit(ops.value());
  }
  static protocol::DataWriteResult accepted(std::uint32_t id, Version version) {
    return protocol::DataWriteResult{id, true, version, std::nullopt, ""};
  }

  HandServer server{arena_schema()};
  ClientDB db{arena_schema()};
};

TEST_F(ClientDbWrites, AWriteIsVisibleAtOnceAndSentAgainstTheVersionHeld) {
  auto id = db.write(set_hp(2, 7));
  ASSERT_TRUE(id.ok()) << id.error().describe();
  EXPECT_EQ(hp(2), 7);
  EXPECT_EQ(db.version(), 1u);  // the confirmed version does not move
  EXPECT_EQ(db.pending_writes(), 1u);
  const auto writes = of_type<protocol::DataWrite>(db.take_outgoing());
  ASSERT_EQ(writes.size(), 1u);
  EXPECT_EQ(writes[0].write_id, id.value());
  EXPECT_EQ(writes[0].base_version, 1u);
  auto ops = decode_ops(server.schema(), writes[0].payload, writes[0].ops);
  ASSERT_TRUE(ops.ok());
  EXPECT_EQ(ops.value(), set_hp(2, 7).ops());
}

TEST_F(ClientDbWrites, WritesWaitForTheSyncAndAreBounded) {
  ClientDB fresh(arena_schema());
  EXPECT_EQ(fresh.write(set_hp(1, 1)).error().code, ErrorCode::kState);
  fresh.subscribe(Micros{0});
  EXPECT_EQ(fresh.write(set_hp(1, 1)).error().code, ErrorCode::kState);

  ClientDbConfig config;
  config.max_pending_writes = 2;
  ClientDB bounded(arena_schema(), config);
  sync_fully(bounded, server);
  EXPECT_TRUE(bounded.write(set_hp(1, 1)).ok());
  EXPECT_TRUE(bounded.write(set_hp(1, 2)).ok());
  EXPECT_EQ(bounded.write(set_hp(1, 3)).error().code, ErrorCode::kState);
  EXPECT_EQ(bounded.write(Transaction(arena_schema())).error().code,
            ErrorCode::kState);  // the bound comes first
  EXPECT_EQ(db.write(Transaction(arena_schema())).error().code, ErrorCode::kInvalidArgument);
}

TEST_F(ClientDbWrites, AConfirmedWriteLeavesTheViewEqualToTheServer) {
  const auto id = db.write(set_hp(2, 7)).value();
  const auto write = of_type<protocol::DataWrite>(db.take_outgoing())[0];
  const auto batch = commit_write(write);
  deliver(db, batch);
  EXPECT_EQ(hp(2), 7);
  EXPECT_EQ(db.pending_writes(), 1u);  // until the answer
  deliver(db, accepted(id, batch.version));
  EXPECT_EQ(db.pending_writes(), 0u);
  EXPECT_EQ(db.view().canonical_bytes(), server.store().canonical_bytes());
  EXPECT_TRUE(db.take_refused_writes().empty());
}

TEST_F(ClientDbWrites, ARefusedWriteIsRolledBackAndListed) {
  const auto id = db.write(set_hp(2, 7)).value();
  Transaction remove(arena_schema());
  ASSERT_TRUE(remove.remove_entity("players", 3).ok());
  const auto second = db.write(remove).value();
  EXPECT_FALSE(db.view().table(kPlayers).find(3).has_value());
  deliver(db, protocol::DataWriteResult{id, false, 0, protocol::DataRefuseReason::kNotAllowed,
                                        "hp is server-only"});
  EXPECT_EQ(hp(2), 50);
  EXPECT_FALSE(db.view().table(kPlayers).find(3).has_value());  // the later write stays
  EXPECT_EQ(db.pending_writes(), 1u);
  const auto refused = db.take_refused_writes();
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].first, id);
  EXPECT_NE(refused[0].second.find("not_allowed"), std::string::npos);
  EXPECT_NE(refused[0].second.find("server-only"), std::string::npos);
  // Refusing the removal brings the entity back whole.
  deliver(db, protocol::DataWriteResult{second, false, 0, std::nullopt, ""});
  EXPECT_EQ(db.view().canonical_bytes(), server.store().canonical_bytes());
  EXPECT_EQ(db.take_refused_writes().size(), 1u);
  // A result for a write that is not pending is out of order.
  EXPECT_EQ(db.on_message(accepted(second, 1), Micros{0}).error().code, ErrorCode::kState);
}

TEST_F(ClientDbWrites, APendingWriteStaysOnTopOfAConcurrentServerBatchUntilConfirmed) {
  // The client sets hp 7; another client's write (hp 20) reaches the server first.
  const auto id = db.write(set_hp(2, 7)).value();
  const auto write = of_type<protocol::DataWrite>(db.take_outgoing())[0];
  Transaction other = server.tx();
  ASSERT_TRUE(other.set("players", 2, "health", "hp", std::int64_t{20}).ok());
  ASSERT_TRUE(other.set("players", 2, "health", "armor", std::int64_t{9}).ok());
  deliver(db, server.commit(other));
  EXPECT_EQ(hp(2), 7);  // rebased: the pending write is still on top
  EXPECT_EQ(int_field(db.view(), kPlayers, 2, kHealth, kArmor), 9);  // the rest is the server's
  // The server commits ours after theirs: ours wins, as on the server.
  const auto batch = commit_write(write);
  deliver(db, batch);
  deliver(db, accepted(id, batch.version));
  EXPECT_EQ(hp(2), 7);
  EXPECT_EQ(db.view().canonical_bytes(), server.store().canonical_bytes());
}

TEST_F(ClientDbWrites, AServerWriteCommittedAfterOursWinsOnceOursIsConfirmed) {
  const auto id = db.write(set_hp(2, 7)).value();
  const auto write = of_type<protocol::DataWrite>(db.take_outgoing())[0];
  // Ours and then another client's, both in one batch.
  auto ops = decode_ops(server.schema(), write.payload, write.ops).value();
  Transaction other = server.tx();
  ASSERT_TRUE(other.set("players", 2, "health", "hp", std::int64_t{20}).ok());
  ops.insert(ops.end(), other.ops().begin(), other.ops().end());
  const auto batch = server.commit(ops);
  deliver(db, batch);
  EXPECT_EQ(hp(2), 7);  // still pending: the view shows it
  deliver(db, accepted(id, batch.version));
  EXPECT_EQ(hp(2), 20);  // confirmed: the server's order holds
  EXPECT_EQ(db.view().canonical_bytes(), server.store().canonical_bytes());
}

TEST_F(ClientDbWrites, AnAnswerBeforeItsBatchKeepsTheWriteUntilTheBatchArrives) {
  const auto id = db.write(set_hp(2, 7)).value();
  const auto write = of_type<protocol::DataWrite>(db.take_outgoing())[0];
  const auto batch = commit_write(write);
  deliver(db, accepted(id, batch.version));
  EXPECT_EQ(db.pending_writes(), 1u);
  EXPECT_EQ(hp(2), 7);
  deliver(db, batch);
  EXPECT_EQ(db.pending_writes(), 0u);
  EXPECT_EQ(db.view().canonical_bytes(), server.store().canonical_bytes());
}

TEST_F(ClientDbWrites, ServerBatchesElsewhereApplyBeneathPendingWrites) {
  ASSERT_TRUE(db.write(set_hp(2, 7)).ok());
  Transaction add_component(arena_schema());
  ASSERT_TRUE(add_component.add_component("items", 9, "stack").ok());
  ASSERT_TRUE(db.write(add_component).ok());
  Transaction other = server.tx();
  ASSERT_TRUE(other.set("players", 1, "health", "hp", std::int64_t{1}).ok());
  ASSERT_TRUE(other.remove_entity("players", 4).ok());
  deliver(db, server.commit(other));
  EXPECT_EQ(hp(1), 1);
  EXPECT_EQ(hp(2), 7);
  EXPECT_TRUE(db.view().table(kItems).find(9).has_value());
  EXPECT_FALSE(db.view().table(kPlayers).find(4).has_value());
  // Losing the writes (a reconnect) leaves exactly the server's store.
  db.on_reconnect(Micros{0});
  EXPECT_EQ(db.pending_writes(), 0u);
  EXPECT_EQ(db.take_lost_writes().size(), 2u);
  EXPECT_EQ(db.view().canonical_bytes(), server.store().canonical_bytes());
  EXPECT_EQ(db.write(set_hp(1, 1)).error().code, ErrorCode::kState);  // resyncing
}

TEST_F(ClientDbWrites, RollbacksRestoreComponentsAndEntitiesExactly) {
  // A write that adds a component, removes another and creates an entity, then its refusal.
  Transaction tx(arena_schema());
  ASSERT_TRUE(tx.remove_component("players", 1, "tag").ok());
  ASSERT_TRUE(tx.set("players", 2, "health", "armor", std::int64_t{3}).ok());
  ASSERT_TRUE(tx.remove_component("players", 2, "health").ok());
  ASSERT_TRUE(tx.set("players", 99, "tag", "text", std::string("x")).ok());
  ASSERT_TRUE(tx.remove_component("players", 3, "health").ok());
  ASSERT_TRUE(tx.remove_component("players", 3, "tag").ok());  // left with no components
  const auto id = db.write(tx).value();
  EXPECT_NE(db.view().canonical_bytes(), server.store().canonical_bytes());
  Transaction gone(arena_schema());
  ASSERT_TRUE(gone.remove_entity("players", 3).ok());  // removes the component-less entity
  const auto second = db.write(gone).value();
  deliver(db, protocol::DataWriteResult{second, false, 0, std::nullopt, ""});
  deliver(db, protocol::DataWriteResult{id, false, 0, std::nullopt, ""});
  EXPECT_EQ(db.view().canonical_bytes(), server.store().canonical_bytes());
}

TEST_F(ClientDbWrites, AFullResyncKeepsPendingWritesOnTopOfTheNewStore) {
  const auto id = db.write(set_hp(2, 7)).value();
  const auto write = of_type<protocol::DataWrite>(db.take_outgoing())[0];
  const auto batch = commit_write(write);
  Transaction other = server.tx();
  ASSERT_TRUE(other.set("players", 1, "health", "hp", std::int64_t{1}).ok());
  server.commit(other);
  // A write still unanswered rides over a resync; the answered one goes with the snapshot.
  ASSERT_TRUE(db.write(set_hp(3, 33)).ok());
  deliver(db, accepted(id, batch.version));
  deliver(db, server.full_sync());
  EXPECT_EQ(db.pending_writes(), 1u);
  EXPECT_EQ(hp(1), 1);
  EXPECT_EQ(hp(2), 7);
  EXPECT_EQ(hp(3), 33);
}

}  // namespace
}  // namespace theta_net::data
