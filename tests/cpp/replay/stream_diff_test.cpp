// The stream diff: every difference type, the tolerance, ignores, schema drift, the first
// divergent tick, state-hash sections, reordering and the report's JSON.
#include "theta_net/replay/stream_diff.hpp"

#include <gtest/gtest.h>

#include "replay_test_util.hpp"
#include "theta_net/replay/json_parser.hpp"

namespace theta_net::replay {
namespace {

using testing::diff_text;
using testing::stream;

const std::vector<std::string> kBase = {
    R"({"entity":1,"kind":"move","pos":[1.5,64.0,2.25],"tick":1})",
    R"({"entity":2,"kind":"move","pos":[8.0,64.0,-3.5],"tick":1})",
    R"({"block":"stone","key":"4,64,2","kind":"block_edit","tick":2})",
    R"({"entity":1,"kind":"move","pos":[1.75,64.0,2.25],"tick":2})",
    R"({"chunks":"0x01","entities":"0x02","kind":"state_hash","players":"0x03","tick":3})",
    R"({"entity":2,"kind":"chat","text":"hi","tick":4})",
};

DiffReport diff_ok(const std::vector<std::string>& a, const std::vector<std::string>& b,
                   const DiffOptions& options = {}) {
  auto r = diff_text(stream(a), stream(b), options);
  EXPECT_TRUE(r.ok()) << r.error().describe();
  return r.ok() ? *r : DiffReport{};
}

TEST(StreamDiff, EqualStreamsAreEqual) {
  DiffReport r = diff_ok(kBase, kBase);
  EXPECT_TRUE(r.equal);
  EXPECT_EQ(r.total(), 0u);
  EXPECT_FALSE(r.first_divergent_tick);
  EXPECT_EQ(r.events_a, kBase.size());
  EXPECT_EQ(r.events_b, kBase.size());
  // Whitespace and key order are not structure.
  std::vector<std::string> spaced = kBase;
  spaced[0] = R"({ "tick": 1, "pos": [1.5, 64.0, 2.25], "kind": "move", "entity": 1 })";
  EXPECT_TRUE(diff_ok(kBase, spaced).equal);
}

TEST(StreamDiff, ChangedValueNamesFieldAndBothValues) {
  std::vector<std::string> b = kBase;
  b[3] = R"({"entity":1,"kind":"move","pos":[1.75,65.0,2.25],"tick":2})";
  DiffReport r = diff_ok(kBase, b);
  EXPECT_FALSE(r.equal);
  EXPECT_EQ(r.first_divergent_tick, 2);
  ASSERT_EQ(r.differences.size(), 1u);
  const Difference& d = r.differences[0];
  EXPECT_EQ(d.type, DifferenceType::kChanged);
  EXPECT_EQ(d.tick, 2);
  EXPECT_EQ(d.kind, "move");
  EXPECT_EQ(d.entity, JsonValue(1));
  EXPECT_EQ(d.field, "pos[1]");
  EXPECT_EQ(d.a, JsonValue(64.0));
  EXPECT_EQ(d.b, JsonValue(65.0));
  EXPECT_EQ(d.line_a, 5u);  // the header is line 1
  EXPECT_EQ(d.line_b, 5u);
}

TEST(StreamDiff, FloatsWithinToleranceAreEqualIntegersAreExact) {
  std::vector<std::string> b = kBase;
  b[0] = R"({"entity":1,"kind":"move","pos":[1.5000001,64.0,2.25],"tick":1})";
  EXPECT_EQ(diff_ok(kBase, b).count(DifferenceType::kChanged), 1u);
  DiffOptions tol;
  tol.float_tol = 1e-3;
  EXPECT_TRUE(diff_ok(kBase, b, tol).equal);
  // An integer differs whatever the tolerance: it is an id, a count or a hash.
  std::vector<std::string> ints_a = {R"({"hp":10,"kind":"damage","tick":1})"};
  std::vector<std::string> ints_b = {R"({"hp":11,"kind":"damage","tick":1})"};
  tol.float_tol = 5;
  EXPECT_EQ(diff_ok(ints_a, ints_b, tol).count(DifferenceType::kChanged), 1u);
  // An integer against a float compares as numbers (with the tolerance).
  ints_b = {R"({"hp":10.5,"kind":"damage","tick":1})"};
  EXPECT_TRUE(diff_ok(ints_a, ints_b, tol).equal);
}

TEST(StreamDiff, MissingAndExtraEvents) {
  std::vector<std::string> b = kBase;
  b.erase(b.begin() + 2);  // the block edit of tick 2
  b.insert(b.begin() + 4, R"({"entity":9,"kind":"spawn","tick":3})");
  b.push_back(R"({"entity":2,"kind":"disconnect","tick":7})");  // a tick only B has
  DiffReport r = diff_ok(kBase, b);
  EXPECT_EQ(r.count(DifferenceType::kMissing), 1u);
  EXPECT_EQ(r.count(DifferenceType::kExtra), 2u);
  EXPECT_EQ(r.first_divergent_tick, 2);
  ASSERT_EQ(r.differences.size(), 3u);
  EXPECT_EQ(r.differences[0].type, DifferenceType::kMissing);
  EXPECT_EQ(r.differences[0].key, JsonValue("4,64,2"));
  EXPECT_EQ(r.differences[0].line_a, 4u);
  ASSERT_TRUE(r.differences[0].event);
  EXPECT_EQ(r.differences[0].event->find("block")->as_string(), "stone");
  EXPECT_EQ(r.differences[1].type, DifferenceType::kExtra);
  EXPECT_EQ(r.differences[1].entity, JsonValue(9));
  EXPECT_EQ(r.differences[2].tick, 7);
  EXPECT_EQ(r.differences[2].line_b, 8u);
  // A whole stream missing its last ticks.
  DiffReport cut = diff_ok(kBase, {kBase.begin(), kBase.begin() + 4});
  EXPECT_EQ(cut.count(DifferenceType::kMissing), 2u);
  EXPECT_EQ(cut.first_divergent_tick, 3);
}

TEST(StreamDiff, OccurrenceAlignsRepeatedEvents) {
  const std::vector<std::string> a = {
      R"({"entity":1,"kind":"move","step":0,"tick":1})",
      R"({"entity":1,"kind":"move","step":1,"tick":1})",
      R"({"entity":1,"kind":"move","step":2,"tick":1})",
  };
  DiffReport r = diff_ok(a, {a[0], a[1]});
  ASSERT_EQ(r.differences.size(), 1u);
  EXPECT_EQ(r.differences[0].type, DifferenceType::kMissing);
  EXPECT_EQ(r.differences[0].occurrence, 2u);
}

TEST(StreamDiff, ReorderedEventsAreTheFewestThatMoved) {
  const std::vector<std::string> a = {
      R"({"entity":1,"kind":"move","tick":5})",
      R"({"entity":2,"kind":"move","tick":5})",
      R"({"entity":3,"kind":"move","tick":5})",
      R"({"entity":4,"kind":"move","tick":5})",
  };
  DiffReport r = diff_ok(a, {a[1], a[2], a[3], a[0]});  // entity 1 moved to the end
  EXPECT_EQ(r.count(DifferenceType::kReordered), 1u);
  EXPECT_EQ(r.total(), 1u);
  ASSERT_EQ(r.differences.size(), 1u);
  EXPECT_EQ(r.differences[0].entity, JsonValue(1));
  EXPECT_EQ(r.differences[0].index_a, 0);
  EXPECT_EQ(r.differences[0].index_b, 3);
  EXPECT_EQ(r.first_divergent_tick, 5);
}

TEST(StreamDiff, IgnoredFieldsAndKinds) {
  const std::vector<std::string> a = {
      R"({"debug":{"wall_ms":3.5},"entity":1,"kind":"move","players":[{"ping":20,"x":1}],"tick":1})",
      R"({"kind":"telemetry","rtt":30,"tick":1})",
  };
  const std::vector<std::string> b = {
      R"({"debug":{"wall_ms":9.0},"entity":1,"kind":"move","players":[{"ping":45,"x":1}],"tick":1})",
      R"({"kind":"telemetry","rtt":31,"tick":1})",
      R"({"kind":"telemetry","rtt":32,"tick":2})",
  };
  EXPECT_EQ(diff_ok(a, b).total(), 4u);  // wall_ms, ping, rtt, and an extra telemetry event
  DiffOptions options;
  options.ignore_fields = {"debug", "players[*].ping"};
  options.ignore_kinds = {"telemetry"};
  EXPECT_TRUE(diff_ok(a, b, options).equal);
  options.ignore_fields = {"*.wall_ms", "players"};
  EXPECT_TRUE(diff_ok(a, b, options).equal);

  options.ignore_fields = {"tick"};
  EXPECT_EQ(diff_text(stream(a), stream(b), options).error().code, ErrorCode::kInvalidArgument);
  options.ignore_fields = {"a[x]"};
  EXPECT_EQ(diff_text(stream(a), stream(b), options).error().code, ErrorCode::kInvalidArgument);
  options.ignore_fields = {};
  options.float_tol = -1;
  EXPECT_EQ(diff_text(stream(a), stream(b), options).error().code, ErrorCode::kInvalidArgument);
}

TEST(StreamDiff, HeaderDifferencesAreSchemaDrift) {
  std::string header_b(testing::kHeader);
  header_b.replace(header_b.find("0x0000000000000001"), 18, "0x00000000000000ff");
  header_b.replace(header_b.find("\"1.1\""), 5, "\"1.2\"");
  auto r = diff_text(stream(kBase), stream(kBase, header_b));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->equal);
  EXPECT_EQ(r->count(DifferenceType::kSchema), 2u);
  EXPECT_FALSE(r->first_divergent_tick);  // the events themselves agree
  ASSERT_EQ(r->differences.size(), 2u);
  EXPECT_EQ(r->differences[0].field, "protocol_version");
  EXPECT_EQ(r->differences[1].field, "schema_hash");
  EXPECT_EQ(r->differences[1].b, JsonValue("0x00000000000000ff"));
  EXPECT_FALSE(r->differences[1].tick);
  DiffOptions options;
  options.ignore_fields = {"schema_hash", "protocol_version"};
  EXPECT_TRUE(diff_text(stream(kBase), stream(kBase, header_b), options)->equal);
}

TEST(StreamDiff, StateHashNamesTheSection) {
  std::vector<std::string> b = kBase;
  b[4] = R"({"chunks":"0x01","entities":"0x02","kind":"state_hash","players":"0x04","tick":3})";
  DiffReport r = diff_ok(kBase, b);
  ASSERT_EQ(r.differences.size(), 1u);
  EXPECT_EQ(r.differences[0].section, "players");
  ASSERT_TRUE(r.first_state_hash_divergence);
  EXPECT_EQ(r.first_state_hash_divergence->tick, 3);
  EXPECT_EQ(r.first_state_hash_divergence->sections, std::vector<std::string>{"players"});
}

TEST(StreamDiff, KeepsTheFirstDifferencesAndCountsAll) {
  std::vector<std::string> a, b;
  for (int t = 1; t <= 50; ++t) {
    a.push_back(R"({"kind":"n","tick":)" + std::to_string(t) + R"(,"v":1})");
    b.push_back(R"({"kind":"n","tick":)" + std::to_string(t) + R"(,"v":2})");
  }
  DiffOptions options;
  options.max_differences = 10;
  DiffReport r = diff_ok(a, b, options);
  EXPECT_EQ(r.count(DifferenceType::kChanged), 50u);
  EXPECT_EQ(r.differences.size(), 10u);
  EXPECT_TRUE(r.truncated);
  EXPECT_EQ(r.differences.back().tick, 10);
}

TEST(StreamDiff, EscapedStringsAlignDecoded) {
  DiffReport r = diff_ok({R"({"key":"A","kind":"chunk","tick":1,"v":1})"},
                         {R"({"key":"\u0041","kind":"chun\u006b","tick":1,"v":2})"});
  ASSERT_EQ(r.differences.size(), 1u);
  EXPECT_EQ(r.differences[0].type, DifferenceType::kChanged);
  EXPECT_EQ(r.differences[0].key, JsonValue("A"));
}

TEST(StreamDiff, FieldOnlyInOneStream) {
  DiffReport r = diff_ok({R"({"kind":"k","tick":1,"x":1})"}, {R"({"kind":"k","tick":1,"y":1})"});
  ASSERT_EQ(r.differences.size(), 2u);
  EXPECT_EQ(r.differences[0].field, "x");
  EXPECT_TRUE(r.differences[0].a);
  EXPECT_FALSE(r.differences[0].b);
  EXPECT_EQ(r.differences[1].field, "y");
  EXPECT_FALSE(r.differences[1].a);
}

TEST(StreamDiff, ReportJsonHasTheDocumentedShape) {
  std::vector<std::string> b = kBase;
  b[0] = R"({"entity":1,"kind":"move","pos":[1.5,64.0,2.5],"tick":1})";
  auto json = to_canonical(diff_ok(kBase, b).to_json());
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(*json,
            R"({"counts":{"changed":1,"extra":0,"missing":0,"reordered":0,"schema":0},)"
            R"("differences":[{"a":2.25,"b":2.5,"entity":1,"field":"pos[2]","kind":"move",)"
            R"("line_a":2,"line_b":2,"occurrence":0,"tick":1,"type":"changed"}],"equal":false,)"
            R"("events":{"a":6,"b":6},"first_divergent_tick":1,)"
            R"("first_state_hash_divergence":null,"truncated":false})");
  auto equal = to_canonical(diff_ok(kBase, kBase).to_json());
  EXPECT_NE(equal->find(R"("equal":true)"), std::string::npos);
  EXPECT_NE(equal->find(R"("first_divergent_tick":null)"), std::string::npos);
}

TEST(StreamDiff, ABusyTickOverTheLimitIsAnError) {
  std::vector<std::string> a;
  for (int i = 0; i < 20; ++i) a.push_back(R"({"kind":"k","tick":1})");
  DiffOptions options;
  options.limits.max_tick_events = 10;
  auto r = diff_text(stream(a), stream(a), options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kLimitExceeded);
  EXPECT_EQ(r.error().message.rfind("a.jsonl:12:", 0), 0u) << r.error().message;
}

}  // namespace
}  // namespace theta_net::replay
