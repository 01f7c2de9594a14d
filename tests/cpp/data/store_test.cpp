#include "theta_net/data/store.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "arena_schema.hpp"
#include "random_ops.hpp"

namespace theta_net::data {
namespace {

using testing::arena_schema;

// players: position 0 (x y z yaw), health 1 (hp alive shield), inventory 2 (slots selected),
// profile 3 (name team avatar score), spawn_protected 4; items: position 0, item 1.
constexpr std::uint16_t kPlayers = 0, kItems = 1;
constexpr std::uint16_t kPosition = 0, kHealth = 1, kInventory = 2, kProfile = 3, kTag = 4;

Op upsert(std::uint16_t table, EntityId entity, std::vector<ComponentWrite> writes) {
  Op op;
  op.table = table;
  op.entity = entity;
  op.writes = std::move(writes);
  return op;
}

Op remove_components(std::uint16_t table, EntityId entity, std::uint64_t mask) {
  Op op;
  op.table = table;
  op.entity = entity;
  op.kind = OpKind::kRemoveComponents;
  op.components = mask;
  return op;
}

Op remove_entity(std::uint16_t table, EntityId entity) {
  Op op;
  op.table = table;
  op.entity = entity;
  op.kind = OpKind::kRemoveEntity;
  return op;
}

Batch batch(Version base, std::vector<Op> ops) {
  return Batch{base, base + 1, Micros{0}, std::move(ops)};
}

TEST(Store, UpsertCreatesTheEntityWithWrittenFieldsAndDefaultsForTheRest) {
  Store store(arena_schema());
  ASSERT_TRUE(store
                  .apply(batch(0, {upsert(kPlayers, 7,
                                          {{kHealth, {{0, std::int64_t{40}}}},
                                           {kProfile, {{0, std::string("ann")}}}})}))
                  .ok());
  EXPECT_EQ(store.version(), 1u);
  EXPECT_EQ(store.size(), 1u);
  const Table& players = store.table(kPlayers);
  const auto row = players.find(7);
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(players.mask(*row), (1u << kHealth) | (1u << kProfile));
  EXPECT_EQ(players.get(*row, kHealth, 0), Value(std::int64_t{40}));
  EXPECT_EQ(players.get(*row, kHealth, 1), Value(std::int64_t{1}));  // alive = true
  EXPECT_EQ(players.get(*row, kProfile, 0), Value(std::string("ann")));
  EXPECT_EQ(players.get(*row, kPosition, 1), Value(std::int64_t{64 * 256}));  // y default 64
  EXPECT_EQ(players.get(*row, kInventory, 0), Value(std::vector<std::int64_t>(9, 0)));
  EXPECT_FALSE(players.find(8).has_value());
}

TEST(Store, RemovingComponentsRestoresTheirDefaultsAndRemovingTheEntityDropsIt) {
  Store store(arena_schema());
  ASSERT_TRUE(
      store
          .apply(batch(0, {upsert(kPlayers, 1, {{kHealth, {{0, std::int64_t{5}}}}, {kTag, {}}}),
                           remove_components(kPlayers, 1, 1u << kHealth)}))
          .ok());
  const Table& players = store.table(kPlayers);
  EXPECT_EQ(players.mask(0), 1u << kTag);
  EXPECT_EQ(players.get(0, kHealth, 0), Value(std::int64_t{100}));
  // An entity left with no components stays.
  ASSERT_TRUE(store.apply(batch(1, {remove_components(kPlayers, 1, 1u << kTag)})).ok());
  EXPECT_EQ(store.size(), 1u);
  EXPECT_EQ(players.mask(0), 0u);
  ASSERT_TRUE(store.apply(batch(2, {remove_entity(kPlayers, 1), remove_entity(kItems, 9)})).ok());
  EXPECT_EQ(store.size(), 0u);
  EXPECT_EQ(store.version(), 3u);
}

TEST(Store, TableApplyReportsWhetherAnythingChanged) {
  const auto schema = arena_schema();
  Table table(schema->table(kPlayers));
  EXPECT_TRUE(table.apply(upsert(kPlayers, 1, {{kHealth, {{0, std::int64_t{5}}}}})));
  EXPECT_FALSE(table.apply(upsert(kPlayers, 1, {{kHealth, {{0, std::int64_t{5}}}}})));
  EXPECT_TRUE(table.apply(upsert(kPlayers, 1, {{kHealth, {{0, std::int64_t{6}}}}})));
  EXPECT_TRUE(table.apply(upsert(kPlayers, 1, {{kTag, {}}})));
  EXPECT_FALSE(table.apply(remove_components(kPlayers, 1, 1u << kProfile)));
  EXPECT_TRUE(table.apply(remove_components(kPlayers, 1, 1u << kTag)));
  EXPECT_FALSE(table.apply(remove_entity(kPlayers, 2)));
  EXPECT_TRUE(table.apply(remove_entity(kPlayers, 1)));
  // -0.0 and 0.0 are two values: the wire and the digest carry the bits.
  EXPECT_TRUE(table.apply(upsert(kPlayers, 3, {{kProfile, {{3, -0.0}}}})));
  EXPECT_TRUE(table.apply(upsert(kPlayers, 3, {{kProfile, {{3, 0.0}}}})));
}

TEST(Store, ABatchWithOneBadOpChangesNothing) {
  Store store(arena_schema());
  ASSERT_TRUE(
      store.apply(batch(0, {upsert(kPlayers, 1, {{kHealth, {{0, std::int64_t{5}}}}})})).ok());
  const Store before = store;
  const std::vector<Op> bad_tails[] = {
      {upsert(kPlayers, 1, {{kHealth, {{0, std::int64_t{101}}}}})},  // out of range
      {upsert(kPlayers, 1, {{kHealth, {{0, 1.0}}}})},                // wrong representation
      {upsert(5, 1, {})},                                            // no such table
      {upsert(kPlayers, 1, {{9, {}}})},                              // no such component
      {upsert(kPlayers, 1, {{kHealth, {{7, std::int64_t{0}}}}})},    // no such field
      {upsert(kPlayers, 1, {{kProfile, {}}, {kHealth, {}}})},        // out of order
      {upsert(kPlayers, 1, {{kHealth, {{1, std::int64_t{0}}, {0, std::int64_t{1}}}}})},
      {remove_components(kPlayers, 1, 0)},
      {remove_components(kPlayers, 1, 1u << 5)},
  };
  const ErrorCode codes[] = {
      ErrorCode::kOutOfRange,      ErrorCode::kInvalidArgument, ErrorCode::kOutOfRange,
      ErrorCode::kOutOfRange,      ErrorCode::kOutOfRange,      ErrorCode::kInvalidArgument,
      ErrorCode::kInvalidArgument, ErrorCode::kInvalidArgument, ErrorCode::kOutOfRange};
  for (std::size_t i = 0; i < std::size(bad_tails); ++i) {
    std::vector<Op> ops = {upsert(kPlayers, 2, {{kTag, {}}}), remove_entity(kPlayers, 1)};
    ops.insert(ops.end(), bad_tails[i].begin(), bad_tails[i].end());
    auto applied = store.apply(batch(1, ops));
    ASSERT_FALSE(applied.ok()) << i;
    EXPECT_EQ(applied.error().code, codes[i]) << i << ": " << applied.error().describe();
    EXPECT_TRUE(store == before) << i;
    EXPECT_EQ(store.version(), 1u);
    EXPECT_FALSE(store.apply_ops(ops).ok());
    EXPECT_TRUE(store == before) << i;
  }
}

TEST(Store, ABatchMustStartAtTheStoresVersionAndMoveItForward) {
  Store store(arena_schema());
  EXPECT_EQ(store.apply(Batch{1, 2, Micros{0}, {}}).error().code, ErrorCode::kState);
  EXPECT_EQ(store.apply(Batch{0, 0, Micros{0}, {}}).error().code, ErrorCode::kState);
  EXPECT_TRUE(store.apply(Batch{0, 5, Micros{0}, {}}).ok());
  EXPECT_EQ(store.version(), 5u);
}

TEST(Store, ApplyOpsLeavesTheVersionAlone) {
  Store store(arena_schema());
  store.set_version(9);
  ASSERT_TRUE(store.apply_ops({upsert(kItems, 3, {{1, {{1, std::int64_t{2}}}}})}).ok());
  EXPECT_EQ(store.version(), 9u);
  EXPECT_EQ(store.size(), 1u);
}

TEST(Store, EqualContentBuiltInDifferentOrdersHasEqualBytes) {
  const auto schema = arena_schema();
  Rng rng(14);
  std::vector<Op> ops;
  for (EntityId id = 1; id <= 60; ++id) {
    ops.push_back(testing::random_upsert(*schema, static_cast<std::uint16_t>(id % 2), id, rng));
  }
  Store forward(schema), backward(schema);
  ASSERT_TRUE(forward.apply(Batch{0, 4, Micros{0}, ops}).ok());
  std::reverse(ops.begin(), ops.end());
  // Another history for the same content: write an entity with junk first, then remove it.
  ops.insert(ops.begin(), upsert(kPlayers, 1000, {{kHealth, {{0, std::int64_t{3}}}}}));
  ops.push_back(remove_entity(kPlayers, 1000));
  ASSERT_TRUE(backward.apply(Batch{0, 2, Micros{0}, {ops.begin(), ops.begin() + 31}}).ok());
  ASSERT_TRUE(backward.apply(Batch{2, 4, Micros{0}, {ops.begin() + 31, ops.end()}}).ok());
  EXPECT_TRUE(forward == backward);
  EXPECT_EQ(forward.canonical_bytes(), backward.canonical_bytes());
  EXPECT_EQ(forward.digest(), backward.digest());

  backward.set_version(5);
  EXPECT_FALSE(forward == backward);
  EXPECT_NE(forward.canonical_bytes(), backward.canonical_bytes());
  EXPECT_EQ(forward.digest(), backward.digest());  // the digest covers content, not version

  ASSERT_TRUE(backward.apply_ops({upsert(kPlayers, 2, {{kHealth, {{2, std::int64_t{1}}}}})}).ok());
  EXPECT_NE(forward.digest(), backward.digest());
}

TEST(Store, CopiesAreEqualAndIndependent) {
  Store store(arena_schema());
  ASSERT_TRUE(store.apply(batch(0, {upsert(kPlayers, 1, {{kTag, {}}})})).ok());
  Store copy = store;
  EXPECT_TRUE(copy == store);
  ASSERT_TRUE(copy.apply(batch(1, {remove_entity(kPlayers, 1)})).ok());
  EXPECT_EQ(store.size(), 1u);
  EXPECT_EQ(copy.size(), 0u);
  copy = store;
  EXPECT_TRUE(copy == store);
  store.clear();
  EXPECT_EQ(store.size(), 0u);
  EXPECT_EQ(store.version(), 0u);
  EXPECT_EQ(copy.size(), 1u);
}

TEST(Store, ColumnsHoldEveryRowInIdOrder) {
  Store store(arena_schema());
  ASSERT_TRUE(
      store
          .apply(
              batch(0, {upsert(kPlayers, 9, {{kHealth, {{0, std::int64_t{9}}}}}),
                        upsert(kPlayers, 2, {{kHealth, {{0, std::int64_t{2}}}}}),
                        upsert(kPlayers, 5, {{kInventory, {{0, std::vector<std::int64_t>(9, 5)}}}}),
                        upsert(kPlayers, 4, {{kProfile, {{0, std::string("d")}, {3, 2.5}}}})}))
          .ok());
  const Table& players = store.table(kPlayers);
  EXPECT_EQ(std::vector<EntityId>(players.ids().begin(), players.ids().end()),
            (std::vector<EntityId>{2, 4, 5, 9}));
  const auto hp = players.int_column(kHealth, 0);
  EXPECT_EQ(std::vector<std::int64_t>(hp.begin(), hp.end()),
            (std::vector<std::int64_t>{2, 100, 100, 9}));
  EXPECT_EQ(players.int_column(kInventory, 0).size(), 4u * 9u);
  EXPECT_EQ(players.int_column(kInventory, 0)[2 * 9 + 8], 5);
  EXPECT_EQ(players.real_column(kProfile, 3)[1], 2.5);
  EXPECT_EQ(players.text_column(kProfile, 0)[1], "d");
  EXPECT_EQ(players.text_column(kProfile, 0)[0], "player");
  EXPECT_TRUE(players.real_column(kHealth, 0).empty());
  EXPECT_TRUE(players.text_column(kHealth, 0).empty());
  EXPECT_GT(store.memory_bytes(), sizeof(Store));
}

TEST(Store, RowAsOpRebuildsTheEntityInAnEmptyTable) {
  const auto schema = arena_schema();
  Rng rng(3);
  Table table(schema->table(kPlayers));
  for (EntityId id = 1; id <= 20; ++id)
    table.apply(testing::random_upsert(*schema, kPlayers, id, rng));
  Table rebuilt(schema->table(kPlayers));
  for (std::size_t row = 0; row < table.size(); ++row) {
    const Op op = table.row_as_op(row, kPlayers);
    ASSERT_TRUE(rebuilt.check_op(op).ok());
    rebuilt.apply(op);
  }
  EXPECT_TRUE(rebuilt == table);
}

}  // namespace
}  // namespace theta_net::data
