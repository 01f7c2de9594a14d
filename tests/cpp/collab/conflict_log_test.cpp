// ConflictLog: bounded, queryable, counted by strategy and outcome, and one JSON event per
// conflict.
#include "theta_net/collab/conflict_log.hpp"

#include <gtest/gtest.h>

#include "conflict_support.hpp"

namespace theta_net::collab {
namespace {

using data::Value;
using namespace testing;

ConflictRecord record_at(data::Version version, std::uint16_t table, data::EntityId entity,
                         const char* strategy = "lww") {
  ConflictRecord r;
  r.version = version;
  r.table = table;
  r.entity = entity;
  r.strategy = data::parse_conflict_strategy(strategy).value();
  r.outcome = ConflictOutcome::kApplied;
  r.mine = r.theirs = r.result = Value{std::int64_t{0}};
  return r;
}

TEST(ConflictLog, QueriesByTableEntityAndVersionRangeOldestFirst) {
  ConflictLog log;
  log.add(record_at(1, 0, 7));
  log.add(record_at(2, 1, 7));
  log.add(record_at(3, 0, 8));
  log.add(record_at(5, 0, 7));
  auto versions = [](const std::vector<ConflictRecord>& records) {
    std::vector<data::Version> out;
    for (const auto& r : records) out.push_back(r.version);
    return out;
  };
  auto query = [&](std::optional<std::uint16_t> table, std::optional<data::EntityId> entity,
                   data::Version from = 0, data::Version to = 100, std::size_t limit = 100) {
    ConflictQuery q;
    q.table = table;
    q.entity = entity;
    q.from_version = from;
    q.to_version = to;
    q.limit = limit;
    return versions(log.query(q));
  };
  EXPECT_EQ(versions(log.query({})), (std::vector<data::Version>{1, 2, 3, 5}));
  EXPECT_EQ(query(0, std::nullopt), (std::vector<data::Version>{1, 3, 5}));
  EXPECT_EQ(query(0, 7), (std::vector<data::Version>{1, 5}));
  EXPECT_EQ(query(std::nullopt, std::nullopt, 2, 3), (std::vector<data::Version>{2, 3}));
  EXPECT_EQ(query(std::nullopt, 7, 0, 100, 2), (std::vector<data::Version>{1, 2}));
}

TEST(ConflictLog, KeepsTheNewestWithinItsCapacityAndCountsEverything) {
  ConflictLog log(3);
  for (data::Version v = 1; v <= 5; ++v) log.add(record_at(v, 0, v, v % 2 ? "lww" : "server"));
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log.records().front().version, 3u);
  EXPECT_EQ(log.total(), 5u);
  EXPECT_EQ(log.dropped(), 2u);
  EXPECT_EQ(log.by_strategy().at("lww"), 3u);
  EXPECT_EQ(log.by_strategy().at("server"), 2u);
  EXPECT_EQ(log.by_outcome().at("applied"), 5u);
}

TEST(ConflictLog, AnEventNamesEverythingInUserUnitsWithSortedKeys) {
  ConflictServer server(editor_schema());
  server.write(1, 1, 0, kDocs, 7, kMeta, kVotes, Value{10});
  server.write(2, 2, 1, kDocs, 7, kMeta, kVotes, Value{13});
  server.write(3, 2, 1, kDocs, 7, kMeta, kVotes, Value{9});
  ASSERT_EQ(server.resolver.log().size(), 1u);
  const std::string event =
      conflict_event_json(server.resolver.log().records()[0], *editor_schema(), 42);
  const std::string expected =
      "{\"author\":\"" + author_hex(author(3)) +
      "\",\"base\":10,\"base_version\":1,\"entity\":7,\"fallback\":\"none\",\"field\":"
      "\"meta.votes\",\"kind\":\"conflict\",\"lamport\":2,\"mine\":9,\"outcome\":\"merged\","
      "\"result\":12,\"strategy\":\"merge:counter\",\"table\":\"docs\",\"their_author\":\"" +
      author_hex(author(2)) +
      "\",\"their_lamport\":2,\"their_version\":2,\"theirs\":13,\"tick\":42,\"version\":3}";
  EXPECT_EQ(event, expected);
}

TEST(ConflictLog, EventValuesFollowTheFieldsType) {
  auto schema = data::DataSchema::from_toml(R"([schema]
name = "kinds"
version = "1.0"
[[table]]
name = "t"
[[table.component]]
name = "c"
fields = [
  { name = "flag", type = "bool" },
  { name = "mode", type = "enum", values = ["off", "on"] },
  { name = "speed", type = "fixed", frac_bits = 2, min = -8, max = 8 },
  { name = "blob", type = "bytes", max = 8 },
  { name = "pair", type = "int", min = 0, max = 9, count = 2 },
]
)");
  ASSERT_TRUE(schema.ok()) << schema.error().describe();
  auto event_for = [&](std::uint16_t field, Value value) {
    ConflictRecord r;
    r.field = field;
    r.mine = r.theirs = r.result = value;
    const std::string json = conflict_event_json(r, **schema, 0);
    const auto at = json.find("\"mine\":") + 7;
    return json.substr(at, json.find(",\"outcome\"") - at);
  };
  EXPECT_EQ(event_for(0, Value{1}), "true");
  EXPECT_EQ(event_for(1, Value{1}), "\"on\"");
  EXPECT_EQ(event_for(2, Value{-6}), "-1.5");
  EXPECT_EQ(event_for(3, Value{std::string("\x00\xff", 2)}), "\"00ff\"");
  EXPECT_EQ(event_for(4, Value{std::vector<std::int64_t>{3, 4}}), "[3,4]");
  ConflictRecord no_base;
  no_base.mine = no_base.theirs = no_base.result = Value{0};
  EXPECT_NE(conflict_event_json(no_base, **schema, 0).find("\"base\":null"), std::string::npos);
}

}  // namespace
}  // namespace theta_net::collab
