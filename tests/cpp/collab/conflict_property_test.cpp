// Property: seeded random concurrent writes by several authors, applied through the resolver in
// (Lamport clock, author) order, give the same store, the same committed ops and the same
// conflict log, byte for byte, run after run; and every strategy meets conflicts along the way.
#include <gtest/gtest.h>

#include <algorithm>
#include <tuple>

#include "conflict_support.hpp"
#include "theta_net/core/rng.hpp"
#include "theta_net/data/op_codec.hpp"

namespace theta_net::collab {
namespace {

using data::Value;
using namespace testing;

struct Command {
  std::uint64_t lamport = 0;
  std::uint8_t author = 0;
  std::vector<data::Op> ops;
};

std::string random_lines(Rng& rng, std::size_t max_lines) {
  static constexpr const char* kWords[] = {"red", "green", "blue", "sun", "moon", "tree"};
  std::string text;
  const auto lines = rng.uniform(max_lines + 1);
  for (std::uint64_t i = 0; i < lines; ++i) {
    if (i != 0) text += '\n';
    text += kWords[rng.uniform(std::size(kWords))];
  }
  return text;
}

// One random command: one or two upserts of random fields, or (rarely) a removal.
std::vector<data::Op> random_ops(Rng& rng) {
  std::vector<data::Op> ops;
  const data::EntityId entity = 1 + rng.uniform(3);
  if (rng.chance(0.05)) {
    data::Op remove;
    remove.table = kDocs;
    remove.entity = entity;
    remove.kind = data::OpKind::kRemoveEntity;
    return {remove};
  }
  data::Op op;
  op.table = kDocs;
  op.entity = entity;
  data::ComponentWrite meta{kMeta, {}};
  for (std::uint16_t field = 0; field <= kColor; ++field) {
    if (!rng.chance(0.3)) continue;
    Value value;
    switch (field) {
      case kTitle:
      case kOwner:
        value = random_lines(rng, 1);
        break;
      case kVotes:
        value = rng.uniform_int(0, 1000);
        break;
      case kTags:
        value = random_lines(rng, 4);
        break;
      case kBody:
        value = random_lines(rng, 6);
        break;
      case kScore:
        value = static_cast<double>(rng.uniform_int(-40, 40)) / 4;
        break;
      default:
        value = rng.uniform_int(0, 255);
        break;
    }
    meta.fields.push_back(data::FieldWrite{field, std::move(value)});
  }
  if (!meta.fields.empty()) op.writes.push_back(std::move(meta));
  if (rng.chance(0.4)) {
    op.writes.push_back(
        data::ComponentWrite{kPos, {data::FieldWrite{kX, Value{rng.uniform_int(-1000, 1000)}}}});
  }
  if (op.writes.empty()) op.writes.push_back(data::ComponentWrite{kPos, {}});
  ops.push_back(std::move(op));
  if (rng.chance(0.2)) {
    ops.push_back(set_op(kLocks, entity, kLock, kHolder, Value{rng.uniform_int(0, 100)})[0]);
  }
  return ops;
}

struct RunResult {
  Bytes store;
  Bytes committed;  // every resolution's ops, encoded, in order
  std::string log;  // every conflict event
  std::map<std::string, std::uint64_t> by_strategy;
  std::uint64_t refused = 0;
};

RunResult run(std::uint64_t seed, std::size_t authors, std::size_t commands) {
  auto schema = editor_schema();
  Rng rng(seed);
  // The commands, each with its author's Lamport clock, then in the resolver's order.
  std::vector<Command> script;
  std::vector<std::uint64_t> clocks(authors, 0);
  for (std::size_t i = 0; i < commands; ++i) {
    const auto who = static_cast<std::uint8_t>(rng.uniform(authors));
    clocks[who] += 1 + rng.uniform(2);
    script.push_back(Command{clocks[who], static_cast<std::uint8_t>(who + 1), random_ops(rng)});
  }
  std::stable_sort(script.begin(), script.end(), [](const Command& a, const Command& b) {
    return std::tie(a.lamport, a.author) < std::tie(b.lamport, b.author);
  });

  ConflictServer server(schema);
  EXPECT_TRUE(server.resolver.merges()
                  .add("mix",
                       [](const data::FieldSpec&, const Value& base, const Value& mine,
                          const Value& theirs) {
                         const auto b = std::get<std::int64_t>(base);
                         return std::optional<Value>(
                             (std::get<std::int64_t>(mine) + std::get<std::int64_t>(theirs) + b) /
                             3);
                       })
                  .ok());
  RunResult result;
  for (const Command& command : script) {
    // The author saw a version up to 4 behind the newest.
    const data::Version now = server.store.version();
    const data::Version base = now - std::min<data::Version>(now, rng.uniform(5));
    const Resolution resolution =
        server.submit(command.ops, CommandContext{author(command.author), command.lamport, base});
    const Bytes encoded = data::encode_ops(*schema, resolution.ops);
    result.committed.insert(result.committed.end(), encoded.begin(), encoded.end());
    result.committed.push_back(resolution.refused ? 1 : 0);
  }
  result.store = server.store.canonical_bytes();
  for (const ConflictRecord& record : server.resolver.log().records()) {
    result.log += conflict_event_json(record, *schema, static_cast<std::int64_t>(record.version));
    result.log += '\n';
  }
  result.by_strategy = server.resolver.log().by_strategy();
  result.refused = server.resolver.stats().refused;
  return result;
}

TEST(ConflictProperty, TheSameSeededWritesGiveTheSameStoreAndLogRunAfterRun) {
  for (std::uint64_t seed : {1u, 2u, 3u, 20240601u}) {
    const RunResult first = run(seed, 4, 400);
    const RunResult second = run(seed, 4, 400);
    EXPECT_EQ(first.store, second.store) << "seed " << seed;
    EXPECT_EQ(first.committed, second.committed) << "seed " << seed;
    EXPECT_EQ(first.log, second.log) << "seed " << seed;
    // The runs meet conflicts of every strategy, so the comparison means something.
    for (const char* strategy :
         {"server", "lww", "merge:counter", "merge:set", "merge:text", "merge:mix"}) {
      EXPECT_GT(first.by_strategy.count(strategy), 0u) << strategy << ", seed " << seed;
    }
    EXPECT_GT(first.refused, 0u);
  }
}

TEST(ConflictProperty, DifferentSeedsGiveDifferentHistories) {
  EXPECT_NE(run(5, 3, 200).log, run(6, 3, 200).log);
}

}  // namespace
}  // namespace theta_net::collab
