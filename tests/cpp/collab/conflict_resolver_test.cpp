// ConflictResolver: each strategy with concurrent and non-concurrent writes, the base an author
// saw, the fallbacks, and what reaches the log.
#include "theta_net/collab/conflict_resolver.hpp"

#include <gtest/gtest.h>

#include "conflict_support.hpp"

namespace theta_net::collab {
namespace {

using data::Value;
using namespace testing;

Value text(const char* s) {
  return std::string(s);
}

class ConflictResolverTest : public ::testing::Test {
 protected:
  ConflictServer server{editor_schema()};
};

TEST_F(ConflictResolverTest, WritesBasedOnTheLatestVersionAreNeverConcurrent) {
  auto first = server.write(1, 1, 0, kDocs, 7, kMeta, kOwner, text("ada"));
  auto second = server.write(2, 2, 1, kDocs, 7, kMeta, kOwner, text("bob"));
  EXPECT_FALSE(second.refused);
  EXPECT_TRUE(first.conflicts.empty());
  EXPECT_TRUE(second.conflicts.empty());
  EXPECT_EQ(server.get(kDocs, 7, kMeta, kOwner), text("bob"));
  EXPECT_EQ(server.resolver.log().size(), 0u);
}

TEST_F(ConflictResolverTest, AnAuthorsOwnLaterWritesAreNotConcurrentWithItsEarlierOnes) {
  server.write(1, 1, 0, kDocs, 7, kMeta, kOwner, text("ada"));
  auto again = server.write(1, 2, 0, kDocs, 7, kMeta, kOwner, text("ada2"));
  EXPECT_FALSE(again.refused);
  EXPECT_TRUE(again.conflicts.empty());
}

TEST_F(ConflictResolverTest, ServerRefusesTheLaterConcurrentWriteWholeNamingFieldAndAuthor) {
  server.write(1, 1, 0, kDocs, 7, kMeta, kOwner, text("ada"));
  // Author 2 had not seen version 1; its command also writes a lww field.
  auto ops = set_op(kDocs, 7, kMeta, kOwner, text("bob"));
  ops[0].writes[0].fields.insert(ops[0].writes[0].fields.begin(),
                                 data::FieldWrite{kTitle, text("bob's")});
  auto late = server.submit(ops, CommandContext{author(2), 1, 0});
  ASSERT_TRUE(late.refused);
  EXPECT_TRUE(late.ops.empty());
  EXPECT_NE(late.text.find("docs.meta.owner of entity 7"), std::string::npos) << late.text;
  EXPECT_NE(late.text.find(author_hex(author(1)).substr(0, 16)), std::string::npos) << late.text;
  EXPECT_NE(late.text.find("server"), std::string::npos) << late.text;
  EXPECT_EQ(server.get(kDocs, 7, kMeta, kOwner), text("ada"));
  EXPECT_EQ(server.get(kDocs, 7, kMeta, kTitle), text(""));
  EXPECT_EQ(server.store.version(), 1u);
  ASSERT_EQ(server.resolver.log().size(), 1u);
  const ConflictRecord& record = server.resolver.log().records().front();
  EXPECT_EQ(record.outcome, ConflictOutcome::kRefused);
  EXPECT_EQ(record.version, 2u);  // the open batch's version when it was refused
  EXPECT_EQ(record.their_author, author(1));
  EXPECT_EQ(record.mine, text("bob"));
  EXPECT_EQ(record.theirs, text("ada"));
  EXPECT_EQ(record.result, text("ada"));
  EXPECT_EQ(record.base, text(""));
  EXPECT_EQ(server.resolver.stats().refused, 1u);
}

TEST_F(ConflictResolverTest, LwwKeepsTheLaterLamportClock) {
  server.write(1, 5, 0, kDocs, 7, kMeta, kTitle, text("from 1"));
  auto later = server.write(2, 6, 0, kDocs, 7, kMeta, kTitle, text("from 2"));
  ASSERT_EQ(later.conflicts.size(), 1u);
  EXPECT_EQ(later.conflicts[0].outcome, ConflictOutcome::kApplied);
  EXPECT_EQ(server.get(kDocs, 7, kMeta, kTitle), text("from 2"));
  // An older clock loses: its field is dropped, the command's other fields are committed.
  auto ops = set_op(kDocs, 7, kMeta, kTitle, text("from 3"));
  ops[0].writes.push_back(data::ComponentWrite{kPos, {data::FieldWrite{kX, Value{4}}}});
  auto older = server.submit(ops, CommandContext{author(3), 4, 0});
  EXPECT_FALSE(older.refused);
  ASSERT_EQ(older.conflicts.size(), 1u);
  EXPECT_EQ(older.conflicts[0].outcome, ConflictOutcome::kDropped);
  EXPECT_EQ(older.conflicts[0].their_author, author(2));
  EXPECT_EQ(older.conflicts[0].result, text("from 2"));
  ASSERT_EQ(older.ops.size(), 1u);
  ASSERT_EQ(older.ops[0].writes.size(), 1u);
  EXPECT_EQ(older.ops[0].writes[0].component, kPos);
  EXPECT_EQ(server.get(kDocs, 7, kMeta, kTitle), text("from 2"));
  EXPECT_EQ(server.get(kDocs, 7, kPos, kX), Value{4});
}

TEST_F(ConflictResolverTest, LwwBreaksEqualClocksByAuthorKey) {
  server.write(5, 3, 0, kDocs, 7, kMeta, kTitle, text("five"));
  auto smaller = server.write(4, 3, 0, kDocs, 7, kMeta, kTitle, text("four"));
  EXPECT_EQ(smaller.conflicts.at(0).outcome, ConflictOutcome::kDropped);
  // A command whose every write lost commits nothing (it would create the entity otherwise).
  EXPECT_TRUE(smaller.ops.empty());
  auto larger = server.write(6, 3, 0, kDocs, 7, kMeta, kTitle, text("six"));
  EXPECT_EQ(larger.conflicts.at(0).outcome, ConflictOutcome::kApplied);
  EXPECT_EQ(server.get(kDocs, 7, kMeta, kTitle), text("six"));
}

TEST_F(ConflictResolverTest, CounterMergeKeepsEveryAuthorsDelta) {
  server.write(1, 1, 0, kDocs, 7, kMeta, kVotes, Value{10});               // v1: 10
  server.write(2, 2, 1, kDocs, 7, kMeta, kVotes, Value{13});               // v2: +3, saw v1
  auto merged = server.write(3, 2, 1, kDocs, 7, kMeta, kVotes, Value{9});  // -1, saw v1
  ASSERT_EQ(merged.conflicts.size(), 1u);
  const ConflictRecord& record = merged.conflicts[0];
  EXPECT_EQ(record.outcome, ConflictOutcome::kMerged);
  EXPECT_EQ(record.base, Value{10});
  EXPECT_EQ(record.mine, Value{9});
  EXPECT_EQ(record.theirs, Value{13});
  EXPECT_EQ(record.result, Value{12});
  EXPECT_EQ(server.get(kDocs, 7, kMeta, kVotes), Value{12});
  // The first two concurrent writes to a fresh field merge from the value beneath the first.
  server.write(1, 5, 3, kDocs, 8, kMeta, kVotes, Value{1});
  server.write(2, 5, 3, kDocs, 8, kMeta, kVotes, Value{1});
  EXPECT_EQ(server.get(kDocs, 8, kMeta, kVotes), Value{2});
}

TEST_F(ConflictResolverTest, AnAuthorsSecondPendingWriteMergesFromItsFirst) {
  server.write(9, 1, 0, kDocs, 7, kMeta, kVotes, Value{10});  // v1
  server.write(2, 2, 1, kDocs, 7, kMeta, kVotes, Value{20});  // v2: +10
  // Author 1 saw v1 and incremented twice before hearing of v2: 11, then 12.
  server.write(1, 2, 1, kDocs, 7, kMeta, kVotes, Value{11});
  EXPECT_EQ(server.get(kDocs, 7, kMeta, kVotes), Value{21});
  auto second = server.write(1, 3, 1, kDocs, 7, kMeta, kVotes, Value{12});
  ASSERT_EQ(second.conflicts.size(), 1u);
  EXPECT_EQ(second.conflicts[0].base, Value{11});  // what it wrote, not what was committed
  EXPECT_EQ(server.get(kDocs, 7, kMeta, kVotes), Value{22});
}

TEST_F(ConflictResolverTest, SetAndTextMergesCombineBothSides) {
  server.write(1, 1, 0, kDocs, 7, kMeta, kTags, text("red\nblue"));
  server.write(1, 1, 0, kDocs, 7, kMeta, kBody, text("intro\nmiddle\nend"));
  server.write(2, 3, 2, kDocs, 7, kMeta, kTags, text("blue\ngreen"));
  server.write(2, 3, 2, kDocs, 7, kMeta, kBody, text("INTRO\nmiddle\nend"));
  server.write(3, 3, 2, kDocs, 7, kMeta, kTags, text("red\nblue\nwhite"));
  server.write(3, 3, 2, kDocs, 7, kMeta, kBody, text("intro\nmiddle\nEND"));
  EXPECT_EQ(server.get(kDocs, 7, kMeta, kTags), text("blue\ngreen\nwhite"));
  EXPECT_EQ(server.get(kDocs, 7, kMeta, kBody), text("INTRO\nmiddle\nEND"));
  EXPECT_EQ(server.resolver.log().by_strategy().at("merge:set"), 1u);
  EXPECT_EQ(server.resolver.log().by_strategy().at("merge:text"), 1u);
}

TEST_F(ConflictResolverTest, AnApplicationMergeRunsByItsName) {
  ASSERT_TRUE(
      server.resolver.merges()
          .add("mix",
               [](const data::FieldSpec&, const Value&, const Value& mine, const Value& theirs) {
                 return std::optional<Value>(
                     (std::get<std::int64_t>(mine) + std::get<std::int64_t>(theirs)) / 2);
               })
          .ok());
  server.write(1, 1, 0, kDocs, 7, kMeta, kColor, Value{100});
  server.write(2, 1, 0, kDocs, 7, kMeta, kColor, Value{200});
  EXPECT_EQ(server.get(kDocs, 7, kMeta, kColor), Value{150});
}

TEST_F(ConflictResolverTest, AnUnknownMergeFallsBackToLwwAndSaysSo) {
  server.write(1, 1, 0, kDocs, 7, kMeta, kColor, Value{100});
  auto late = server.write(2, 1, 0, kDocs, 7, kMeta, kColor, Value{200});
  ASSERT_EQ(late.conflicts.size(), 1u);
  EXPECT_EQ(late.conflicts[0].fallback, MergeFallback::kUnknownMerge);
  EXPECT_EQ(late.conflicts[0].outcome, ConflictOutcome::kApplied);  // author 2 > author 1
  EXPECT_EQ(server.get(kDocs, 7, kMeta, kColor), Value{200});
}

TEST(ConflictResolver, AMergeWhoseBaseIsNoLongerKeptFallsBackToLww) {
  ConflictResolverConfig config;
  config.history.max_writes_per_field = 2;
  ConflictServer server(editor_schema(), config);
  for (std::uint64_t i = 0; i < 4; ++i) {
    server.write(1, i + 1, i, kDocs, 7, kMeta, kVotes, Value{static_cast<std::int64_t>(i + 1)});
  }
  // The history keeps versions 3 and 4 (and knows the value from version 2 on): base 1 is gone.
  EXPECT_EQ(server.resolver.history().find({kDocs, 7, kMeta, kVotes})->reach_from, 2u);
  auto stale = server.write(2, 1, 1, kDocs, 7, kMeta, kVotes, Value{50});
  ASSERT_EQ(stale.conflicts.size(), 1u);
  EXPECT_EQ(stale.conflicts[0].fallback, MergeFallback::kNoBase);
  EXPECT_FALSE(stale.conflicts[0].base);
  EXPECT_EQ(stale.conflicts[0].outcome, ConflictOutcome::kDropped);  // clock 1 < 4
  EXPECT_EQ(server.get(kDocs, 7, kMeta, kVotes), Value{4});
  // Base 2 is still known.
  auto known = server.write(3, 9, 2, kDocs, 7, kMeta, kVotes, Value{12});
  EXPECT_EQ(known.conflicts.at(0).outcome, ConflictOutcome::kMerged);
  EXPECT_EQ(server.get(kDocs, 7, kMeta, kVotes), Value{14});
}

TEST(ConflictResolver, ForgottenFieldsAreCountedWhenAWriteCannotBeChecked) {
  ConflictResolverConfig config;
  config.history.max_fields = 2;
  ConflictServer server(editor_schema(), config);
  for (data::EntityId e = 1; e <= 3; ++e) {
    server.write(1, e, e - 1, kDocs, e, kMeta, kOwner, text("ada"));
  }
  EXPECT_EQ(server.resolver.history().fields(), 2u);
  EXPECT_EQ(server.resolver.history().evicted_fields(), 1u);
  EXPECT_EQ(server.resolver.history().forgotten_through(), 1u);
  // Entity 1's owner was forgotten: a write based before it cannot be checked.
  auto unchecked = server.write(2, 9, 0, kDocs, 1, kMeta, kOwner, text("bob"));
  EXPECT_FALSE(unchecked.refused);
  EXPECT_EQ(server.resolver.stats().unchecked_writes, 1u);
}

TEST_F(ConflictResolverTest, RemovalsAreNotConcurrentAndResetTheBase) {
  server.write(1, 1, 0, kDocs, 7, kMeta, kVotes, Value{10});  // v1
  data::Op remove;
  remove.table = kDocs;
  remove.entity = 7;
  remove.kind = data::OpKind::kRemoveEntity;
  auto removed = server.submit({remove}, CommandContext{author(2), 2, 1});  // v2
  EXPECT_TRUE(removed.conflicts.empty());
  // Written again after the removal by 3, and concurrently by 4 who saw the removal.
  server.write(3, 3, 2, kDocs, 7, kMeta, kVotes, Value{5});
  auto both = server.write(4, 3, 2, kDocs, 7, kMeta, kVotes, Value{1});
  ASSERT_EQ(both.conflicts.size(), 1u);
  EXPECT_EQ(both.conflicts[0].base, Value{0});
  EXPECT_EQ(server.get(kDocs, 7, kMeta, kVotes), Value{6});
}

TEST_F(ConflictResolverTest, OpsTheStoreDoesNotTakeAreAnError) {
  auto bad = server.resolver.resolve(set_op(kDocs, 7, kMeta, kVotes, Value{5000}),
                                     CommandContext{author(1), 1, 0}, server.store);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kOutOfRange);
  std::string renamed = kEditorSchema;
  renamed.replace(renamed.find("editor"), 6, "editor2");
  data::Store other(data::DataSchema::from_toml(renamed).value());
  auto foreign = server.resolver.resolve(set_op(kDocs, 7, kMeta, kVotes, Value{5}),
                                         CommandContext{author(1), 1, 0}, other);
  ASSERT_FALSE(foreign.ok());
  EXPECT_EQ(foreign.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(ConflictResolverTest, ConflictsReachTheLogAtTheCommittedVersion) {
  server.write(1, 1, 0, kDocs, 7, kMeta, kTitle, text("a"));
  auto resolution = server.resolver.resolve(set_op(kDocs, 7, kMeta, kTitle, text("b")),
                                            CommandContext{author(2), 2, 0}, server.store);
  ASSERT_TRUE(resolution.ok());
  EXPECT_EQ(server.resolver.log().size(), 0u);  // nothing logged before committed()
  server.resolver.committed(resolution->ops, CommandContext{author(2), 2, 0}, 40);
  ASSERT_EQ(server.resolver.log().size(), 1u);
  EXPECT_EQ(server.resolver.log().records()[0].version, 40u);
  // committed() for another context logs nothing of a stale resolution.
  auto other = server.resolver.resolve(set_op(kDocs, 7, kMeta, kTitle, text("c")),
                                       CommandContext{author(3), 3, 0}, server.store);
  ASSERT_TRUE(other.ok());
  server.resolver.committed({}, CommandContext{author(4), 3, 0}, 41);
  EXPECT_EQ(server.resolver.log().size(), 1u);
}

}  // namespace
}  // namespace theta_net::collab
