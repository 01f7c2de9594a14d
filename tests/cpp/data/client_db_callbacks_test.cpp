// ClientDB subscriptions: callbacks on a table, an entity or a field, fired once per change
// after a batch, a local write or a rollback is applied whole.
#include <gtest/gtest.h>

#include "client_db_fixture.hpp"

namespace theta_net::data {
namespace {

using namespace testing;

struct ClientDbCallbacks : ::testing::Test {
  void SetUp() override {
    Transaction tx = server.tx();
    for (int id = 1; id <= 3; ++id) {
      ASSERT_TRUE(tx.set("players", id, "health", "hp", std::int64_t{50}).ok());
    }
    ASSERT_TRUE(tx.set("items", 7, "stack", "count", std::int64_t{1}).ok());
    server.commit(tx);
    sync_fully(db, server);
  }
  ClientDB::Callback record() {
    return [this](const Change& change) { seen.push_back(change); };
  }
  static Change change(ChangeKind kind, EntityId entity, std::uint64_t components,
                       std::vector<std::uint64_t> fields = {}) {
    return Change{kind, kPlayers, entity, components, std::move(fields)};
  }

  HandServer server{arena_schema()};
  ClientDB db{arena_schema()};
  std::vector<Change> seen;
};

TEST_F(ClientDbCallbacks, ATableHearsInsertsUpdatesAndRemovesOncePerBatch) {
  ASSERT_TRUE(db.on_table("players", record()).ok());
  Transaction tx = server.tx();
  ASSERT_TRUE(tx.set("players", 1, "health", "armor", std::int64_t{5}).ok());  // update
  ASSERT_TRUE(tx.set("players", 1, "tag", "text", std::string("a")).ok());     // component in
  ASSERT_TRUE(tx.remove_entity("players", 2).ok());                            // entity out
  ASSERT_TRUE(tx.set("players", 9, "tag", "text", std::string("b")).ok());     // entity in
  ASSERT_TRUE(tx.remove_component("players", 3, "health").ok());               // component out
  ASSERT_TRUE(tx.set("items", 7, "stack", "count", std::int64_t{2}).ok());     // other table
  deliver(db, server.commit(tx));
  const std::uint64_t health = 1u << kHealth, tag = 1u << kTag;
  const std::vector<Change> expected = {
      change(ChangeKind::kInsert, 1, tag),
      change(ChangeKind::kUpdate, 1, health, {1u << kArmor, 0}),
      change(ChangeKind::kRemove, 2, health),
      change(ChangeKind::kRemove, 3, health),
      change(ChangeKind::kInsert, 9, tag),
  };
  EXPECT_EQ(seen, expected);
}

TEST_F(ClientDbCallbacks, CallbacksSeeTheWholeBatchApplied) {
  std::vector<std::int64_t> observed;
  ASSERT_TRUE(db.on_table("players", [&](const Change&) {
                  observed.push_back(int_field(db.view(), kPlayers, 1, kHealth, kHp) +
                                     int_field(db.view(), kPlayers, 3, kHealth, kHp));
                }).ok());
  Transaction tx = server.tx();
  ASSERT_TRUE(tx.set("players", 1, "health", "hp", std::int64_t{1}).ok());
  ASSERT_TRUE(tx.set("players", 3, "health", "hp", std::int64_t{2}).ok());
  deliver(db, server.commit(tx));
  EXPECT_EQ(observed, (std::vector<std::int64_t>{3, 3}));
  EXPECT_EQ(db.version(), 2u);
}

TEST_F(ClientDbCallbacks, AFieldHearsOnlyChangesOfThatField) {
  ASSERT_TRUE(db.on_field("players", "health", "hp", record()).ok());
  Transaction armor = server.tx();
  ASSERT_TRUE(armor.set("players", 1, "health", "armor", std::int64_t{5}).ok());
  ASSERT_TRUE(armor.set("players", 2, "health", "hp", std::int64_t{50}).ok());  // same value
  deliver(db, server.commit(armor));
  EXPECT_TRUE(seen.empty());
  Transaction hp = server.tx();
  ASSERT_TRUE(hp.set("players", 1, "health", "hp", std::int64_t{6}).ok());
  ASSERT_TRUE(hp.set("players", 4, "health", "armor", std::int64_t{1}).ok());  // inserts health
  ASSERT_TRUE(hp.remove_entity("players", 2).ok());
  deliver(db, server.commit(hp));
  const std::uint64_t health = 1u << kHealth;
  const std::vector<Change> expected = {
      change(ChangeKind::kUpdate, 1, health, {1u << kHp, 0}),
      change(ChangeKind::kRemove, 2, health),
      change(ChangeKind::kInsert, 4, health),
  };
  EXPECT_EQ(seen, expected);
}

TEST_F(ClientDbCallbacks, AnEntityHearsItsOwnChangesOnly) {
  ASSERT_TRUE(db.on_entity("players", 2, record()).ok());
  Transaction tx = server.tx();
  ASSERT_TRUE(tx.set("players", 1, "health", "hp", std::int64_t{1}).ok());
  ASSERT_TRUE(tx.set("players", 2, "health", "hp", std::int64_t{2}).ok());
  deliver(db, server.commit(tx));
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].entity, 2u);
}

TEST_F(ClientDbCallbacks, LocalWritesAndTheirRollbackAreHeard) {
  ASSERT_TRUE(db.on_field("players", "health", "hp", record()).ok());
  Transaction tx(arena_schema());
  ASSERT_TRUE(tx.set("players", 1, "health", "hp", std::int64_t{9}).ok());
  const auto id = db.write(tx).value();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].kind, ChangeKind::kUpdate);
  // A server batch under the pending write that changes the same field is not a change of the
  // view: the write still shows.
  Transaction other = server.tx();
  ASSERT_TRUE(other.set("players", 1, "health", "hp", std::int64_t{20}).ok());
  deliver(db, server.commit(other));
  EXPECT_EQ(seen.size(), 1u);
  deliver(db, protocol::DataWriteResult{id, false, 0, std::nullopt, ""});
  ASSERT_EQ(seen.size(), 2u);  // rolled back to the server's 20
  EXPECT_EQ(int_field(db.view(), kPlayers, 1, kHealth, kHp), 20);
}

TEST_F(ClientDbCallbacks, UnsubscribingInsideACallbackIsSafe) {
  ClientDB::SubscriptionId first = 0, second = 0;
  int first_calls = 0, second_calls = 0;
  first = db.on_table("players", [&](const Change&) {
              ++first_calls;
              db.unsubscribe(first);   // itself
              db.unsubscribe(second);  // and one not yet called for this change
            }).value();
  second = db.on_table("players", [&](const Change&) { ++second_calls; }).value();
  Transaction tx = server.tx();
  ASSERT_TRUE(tx.set("players", 1, "health", "hp", std::int64_t{1}).ok());
  ASSERT_TRUE(tx.set("players", 2, "health", "hp", std::int64_t{2}).ok());
  deliver(db, server.commit(tx));
  EXPECT_EQ(first_calls, 1);
  EXPECT_EQ(second_calls, 0);
}

TEST_F(ClientDbCallbacks, ACallbackMayWrite) {
  // A callback that answers every hp change of entity 1 by setting entity 2's armor.
  int calls = 0;
  ASSERT_TRUE(db.on_entity("players", 1, [&](const Change&) {
                  ++calls;
                  Transaction tx(arena_schema());
                  EXPECT_TRUE(tx.set("players", 2, "health", "armor", std::int64_t{calls}).ok());
                  EXPECT_TRUE(db.write(tx).ok());
                }).ok());
  Transaction tx = server.tx();
  ASSERT_TRUE(tx.set("players", 1, "health", "hp", std::int64_t{1}).ok());
  deliver(db, server.commit(tx));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(db.pending_writes(), 1u);
  EXPECT_EQ(int_field(db.view(), kPlayers, 2, kHealth, kArmor), 1);
}

TEST_F(ClientDbCallbacks, AFullSyncReportsWhatItChanged) {
  ASSERT_TRUE(db.on_table("players", record()).ok());
  Transaction tx = server.tx();
  ASSERT_TRUE(tx.remove_entity("players", 1).ok());
  ASSERT_TRUE(tx.set("players", 2, "health", "hp", std::int64_t{3}).ok());
  ASSERT_TRUE(tx.set("players", 8, "health", "hp", std::int64_t{3}).ok());
  server.commit(tx);
  deliver(db, server.full_sync());
  const std::uint64_t health = 1u << kHealth;
  const std::vector<Change> expected = {
      change(ChangeKind::kRemove, 1, health),
      change(ChangeKind::kUpdate, 2, health, {1u << kHp, 0}),
      change(ChangeKind::kInsert, 8, health),
  };
  EXPECT_EQ(seen, expected);
}

TEST_F(ClientDbCallbacks, NamesAreCheckedAgainstTheSchema) {
  EXPECT_EQ(db.on_table("ghosts", record()).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(db.on_entity("ghosts", 1, record()).error().code, ErrorCode::kInvalidArgument);
  const auto no_field = db.on_field("players", "health", "mana", record());
  ASSERT_FALSE(no_field.ok());
  EXPECT_NE(no_field.error().message.find("hp, armor"), std::string::npos)
      << no_field.error().message;
  EXPECT_EQ(db.on_field("players", "wings", "span", record()).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(db.on_table("players", nullptr).error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace theta_net::data
