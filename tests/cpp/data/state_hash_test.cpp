// Table state hashes (state_hash.hpp): the sum of entity record hashes, kept up to date by every
// op, equal for equal contents whatever their history, and independent per table.
#include "theta_net/data/state_hash.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "arena_schema.hpp"
#include "random_ops.hpp"
#include "theta_net/core/siphash.hpp"
#include "theta_net/data/store.hpp"

namespace theta_net::data {
namespace {

using testing::arena_schema;

// The hash of a table summed from scratch, entity by entity.
std::uint64_t rehash(const Table& table) {
  std::uint64_t sum = 0;
  for (std::size_t row = 0; row < table.size(); ++row) sum += table.entity_hash(row);
  return sum;
}

// One table "t" with one component "c" of one int field "v" in -100..100.
std::shared_ptr<const DataSchema> tiny_schema() {
  FieldSpec v;
  v.name = "v";
  v.type = FieldType::kInt;
  v.min = -100;
  v.max = 100;
  TableSpec t;
  t.name = "t";
  t.components = {{"c", {v}}};
  auto schema = DataSchema::make("tiny", 1, 0, {t});
  EXPECT_TRUE(schema.ok()) << schema.error().describe();
  return *schema;
}

Op set_v(EntityId entity, std::int64_t v) {
  Op op;
  op.entity = entity;
  op.writes = {{0, {{0, v}}}};
  return op;
}

TEST(StateHash, ATableHashIsTheSumOfSipHashesOfItsEntityRecords) {
  Store store(tiny_schema());
  EXPECT_EQ(store.table(0).state_hash(), 0u);  // empty
  ASSERT_TRUE(store.apply_ops({set_v(5, 3), set_v(9, -2)}).ok());
  // Records by hand: id, mask (component 0), v as a zigzag varint (3 -> 6, -2 -> 3).
  const Bytes five{5, 1, 6}, nine{9, 1, 3};
  const std::uint64_t expected = siphash24(SipKey{0, 0}, five) + siphash24(SipKey{0, 0}, nine);
  EXPECT_EQ(store.table(0).state_hash(), expected);
  // The same figure on every machine and build, run after run.
  EXPECT_EQ(store.table(0).state_hash(), 0x3b0642440ee0f1f5u);
}

TEST(StateHash, TheMaintainedHashEqualsARehashAfterEveryKindOfOp) {
  const auto schema = arena_schema();
  Store store(schema);
  Rng rng(31);
  for (int round = 0; round < 300; ++round) {
    std::vector<Op> ops;
    for (int i = 0; i < 5; ++i) ops.push_back(testing::random_op(*schema, 40, rng));
    ASSERT_TRUE(store.apply_ops(ops).ok());
    for (std::size_t t = 0; t < store.table_count(); ++t) {
      ASSERT_EQ(store.table(t).state_hash(), rehash(store.table(t))) << "round " << round;
    }
  }
  EXPECT_GT(store.size(), 0u);
  store.clear();
  EXPECT_EQ(store.table(0).state_hash(), 0u);
}

TEST(StateHash, EqualContentBuiltInDifferentOrdersHashesEqually) {
  const auto schema = arena_schema();
  Rng rng(8);
  std::vector<Op> ops;
  for (EntityId id = 1; id <= 50; ++id) {
    ops.push_back(testing::random_upsert(*schema, static_cast<std::uint16_t>(id % 2), id, rng));
  }
  Store forward(schema), backward(schema);
  ASSERT_TRUE(forward.apply_ops(ops).ok());
  std::reverse(ops.begin(), ops.end());
  // Another history: an entity written and removed again.
  ops.insert(ops.begin(), testing::random_upsert(*schema, 0, 999, rng));
  Op gone;
  gone.entity = 999;
  gone.kind = OpKind::kRemoveEntity;
  ops.push_back(gone);
  ASSERT_TRUE(backward.apply_ops(ops).ok());
  ASSERT_TRUE(forward == backward);
  for (std::size_t t = 0; t < forward.table_count(); ++t) {
    EXPECT_EQ(forward.table(t).state_hash(), backward.table(t).state_hash());
  }
}

TEST(StateHash, AChangeToOneTableLeavesTheOtherTablesHashesAlone) {
  const auto schema = arena_schema();
  Store store(schema);
  Rng rng(3);
  for (EntityId id = 1; id <= 20; ++id) {
    ASSERT_TRUE(store
                    .apply_ops({testing::random_upsert(*schema, 0, id, rng),
                                testing::random_upsert(*schema, 1, id, rng)})
                    .ok());
  }
  const std::uint64_t players = store.table(0).state_hash();
  const std::uint64_t items = store.table(1).state_hash();
  Op drop;
  drop.table = 1;
  drop.entity = 4;
  drop.kind = OpKind::kRemoveEntity;
  ASSERT_TRUE(store.apply_ops({drop}).ok());
  EXPECT_EQ(store.table(0).state_hash(), players);
  EXPECT_NE(store.table(1).state_hash(), items);
}

TEST(StateHash, ReplacingATableBringsItsHashAndLeavesTheOthers) {
  const auto schema = tiny_schema();
  Store mine(schema), theirs(schema);
  ASSERT_TRUE(mine.apply_ops({set_v(1, 1), set_v(2, 2)}).ok());
  ASSERT_TRUE(theirs.apply_ops({set_v(1, 1), set_v(3, 3)}).ok());
  mine.set_version(4);
  const std::uint64_t expected = theirs.table(0).state_hash();
  ASSERT_TRUE(mine.replace_table(0, std::move(theirs)).ok());
  EXPECT_EQ(mine.table(0).state_hash(), expected);
  EXPECT_EQ(mine.table(0).state_hash(), rehash(mine.table(0)));
  EXPECT_EQ(mine.version(), 4u);

  Store other_schema(tiny_schema());  // an equal schema, but another object
  EXPECT_EQ(mine.replace_table(0, std::move(other_schema)).error().code,
            ErrorCode::kInvalidArgument);
  Store same(schema);
  EXPECT_EQ(mine.replace_table(1, std::move(same)).error().code, ErrorCode::kOutOfRange);
}

}  // namespace
}  // namespace theta_net::data
