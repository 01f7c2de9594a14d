#include "theta_net/data/transaction.hpp"

#include <gtest/gtest.h>

#include "arena_schema.hpp"
#include "random_ops.hpp"
#include "theta_net/data/store.hpp"

namespace theta_net::data {
namespace {

using testing::arena_schema;

bool mentions(const Status& status, const std::string& text) {
  return !status.ok() && status.error().message.find(text) != std::string::npos;
}

TEST(Transaction, NamesThatDoNotExistAreRefusedListingTheRealOnes) {
  Transaction txn(arena_schema());
  auto status = txn.set("player", 1, "health", "hp", std::int64_t{1});
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(mentions(status, "'player'"));
  EXPECT_TRUE(mentions(status, "players, items")) << status.error().message;
  status = txn.set("players", 1, "hlth", "hp", std::int64_t{1});
  EXPECT_TRUE(mentions(status, "'hlth'"));
  EXPECT_TRUE(mentions(status, "inventory")) << status.error().message;
  status = txn.set("players", 1, "health", "mp", std::int64_t{1});
  EXPECT_TRUE(mentions(status, "'mp'"));
  EXPECT_TRUE(mentions(status, "hp, alive, shield")) << status.error().message;
  EXPECT_TRUE(mentions(txn.add_component("players", 1, "wings"), "'wings'"));
  EXPECT_TRUE(mentions(txn.remove_component("players", 1, "wings"), "'wings'"));
  EXPECT_TRUE(mentions(txn.remove_entity("monsters", 1), "'monsters'"));
  EXPECT_TRUE(txn.empty());
}

TEST(Transaction, ValuesAreCheckedAgainstTheirField) {
  Transaction txn(arena_schema());
  auto status = txn.set("players", 1, "health", "hp", std::int64_t{101});
  EXPECT_EQ(status.error().code, ErrorCode::kOutOfRange);
  EXPECT_TRUE(mentions(status, "players.health")) << status.error().message;
  EXPECT_EQ(txn.set("players", 1, "profile", "name", std::int64_t{3}).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(txn.set(0, 1, 1, 9, std::int64_t{0}).error().code, ErrorCode::kOutOfRange);
  EXPECT_EQ(txn.set(0, 1, 9, 0, std::int64_t{0}).error().code, ErrorCode::kOutOfRange);
  EXPECT_EQ(txn.set(7, 1, 0, 0, std::int64_t{0}).error().code, ErrorCode::kOutOfRange);
  EXPECT_TRUE(txn.empty());
}

TEST(Transaction, WritesMergeIntoOneUpsertPerEntityInSchemaOrder) {
  Transaction txn(arena_schema());
  ASSERT_TRUE(txn.set("players", 5, "profile", "team", std::int64_t{1}).ok());
  ASSERT_TRUE(txn.set("items", 2, "item", "amount", std::int64_t{3}).ok());
  ASSERT_TRUE(txn.set("players", 5, "health", "alive", std::int64_t{0}).ok());
  ASSERT_TRUE(txn.set("players", 5, "health", "hp", std::int64_t{10}).ok());
  ASSERT_TRUE(txn.set("players", 5, "health", "hp", std::int64_t{20}).ok());  // replaces 10
  ASSERT_TRUE(txn.add_component("players", 5, "spawn_protected").ok());
  const auto& ops = txn.ops();
  ASSERT_EQ(ops.size(), 2u);
  Op players;
  players.table = 0;
  players.entity = 5;
  players.writes = {
      {1, {{0, std::int64_t{20}}, {1, std::int64_t{0}}}}, {3, {{1, std::int64_t{1}}}}, {4, {}}};
  EXPECT_EQ(ops[0], players);
  EXPECT_EQ(ops[1].table, 1u);
  EXPECT_EQ(ops[1].entity, 2u);
  EXPECT_TRUE(Store(arena_schema()).check(ops).ok());
}

TEST(Transaction, ARemoveDropsTheEarlierWritesItCovers) {
  Transaction txn(arena_schema());
  ASSERT_TRUE(txn.set("players", 1, "health", "hp", std::int64_t{10}).ok());
  ASSERT_TRUE(txn.set("players", 1, "profile", "team", std::int64_t{2}).ok());
  ASSERT_TRUE(txn.remove_component("players", 1, "health").ok());
  ASSERT_EQ(txn.ops().size(), 2u);
  EXPECT_EQ(txn.ops()[0].kind, OpKind::kRemoveComponents);
  EXPECT_EQ(txn.ops()[0].components, 1u << 1);
  EXPECT_EQ(txn.ops()[1].kind, OpKind::kUpsert);
  ASSERT_EQ(txn.ops()[1].writes.size(), 1u);
  EXPECT_EQ(txn.ops()[1].writes[0].component, 3u);

  ASSERT_TRUE(txn.remove_entity("players", 1).ok());
  ASSERT_EQ(txn.ops().size(), 1u);
  EXPECT_EQ(txn.ops()[0].kind, OpKind::kRemoveEntity);
  EXPECT_TRUE(txn.ops()[0].writes.empty());
}

TEST(Transaction, AWriteAfterARemoveComesAfterTheRemoval) {
  Transaction txn(arena_schema());
  ASSERT_TRUE(txn.remove_entity("players", 1).ok());
  ASSERT_TRUE(txn.set("players", 1, "health", "hp", std::int64_t{10}).ok());
  ASSERT_TRUE(txn.remove_component("players", 2, "health").ok());
  ASSERT_TRUE(txn.add_component("players", 2, "health").ok());
  const auto& ops = txn.ops();
  ASSERT_EQ(ops.size(), 4u);
  EXPECT_EQ(ops[0].kind, OpKind::kRemoveEntity);
  EXPECT_EQ(ops[1].kind, OpKind::kUpsert);
  EXPECT_EQ(ops[1].entity, 1u);
  EXPECT_EQ(ops[2].kind, OpKind::kRemoveComponents);
  EXPECT_EQ(ops[3].kind, OpKind::kUpsert);
  EXPECT_EQ(ops[3].writes, (std::vector<ComponentWrite>{{1, {}}}));
  txn.clear();
  EXPECT_TRUE(txn.empty());
  EXPECT_TRUE(txn.ops().empty());
}

TEST(Transaction, AWriteRemovedAgainStillCreatesTheEntity) {
  Transaction txn(arena_schema());
  ASSERT_TRUE(txn.set("players", 8, "health", "hp", std::int64_t{10}).ok());
  ASSERT_TRUE(txn.remove_component("players", 8, "health").ok());
  Store store(arena_schema());
  ASSERT_TRUE(store.apply_ops(txn.ops()).ok());
  ASSERT_TRUE(store.table(0).find(8).has_value());
  EXPECT_EQ(store.table(0).mask(0), 0u);
}

// The normalised ops of a random sequence of calls change a store exactly as applying each call
// on its own, in order, does.
TEST(Transaction, NormalisedOpsHaveTheEffectOfTheCallsInOrder) {
  const auto schema = arena_schema();
  for (std::uint64_t seed = 0; seed < 1000; ++seed) {
    Rng rng(seed);
    Store start(schema);
    for (EntityId id = 1; id <= 4; ++id) {
      ASSERT_TRUE(start.apply_ops({testing::random_upsert(*schema, 0, id, rng)}).ok());
    }
    Store stepwise = start;
    Transaction txn(schema);
    for (int call = 0; call < 12; ++call) {
      const EntityId entity = 1 + rng.uniform(5);
      const auto component = static_cast<std::uint16_t>(rng.uniform(5));
      const std::string& name = schema->table(0).components[component].name;
      Op single;
      single.entity = entity;
      switch (rng.uniform(6)) {
        case 0:
          ASSERT_TRUE(txn.remove_entity("players", entity).ok());
          single.kind = OpKind::kRemoveEntity;
          break;
        case 1:
          ASSERT_TRUE(txn.remove_component("players", entity, name).ok());
          single.kind = OpKind::kRemoveComponents;
          single.components = std::uint64_t{1} << component;
          break;
        case 2:
          ASSERT_TRUE(txn.add_component("players", entity, name).ok());
          single.writes = {{component, {}}};
          break;
        default: {
          const auto& fields = schema->table(0).components[component].fields;
          if (fields.empty()) continue;
          const auto field = static_cast<std::uint16_t>(rng.uniform(fields.size()));
          Value value = testing::random_value(fields[field], rng);
          ASSERT_TRUE(txn.set(0, entity, component, field, value).ok());
          single.writes = {{component, {{field, value}}}};
        }
      }
      ASSERT_TRUE(stepwise.apply_ops({single}).ok());
    }
    Store normalised = start;
    ASSERT_TRUE(normalised.apply_ops(txn.ops()).ok()) << seed;
    EXPECT_TRUE(normalised == stepwise) << "seed " << seed;
    EXPECT_LE(txn.ops().size(), 2u * 5u);
  }
}

}  // namespace
}  // namespace theta_net::data
