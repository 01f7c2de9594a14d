// The canonical JSON writer, the parser and the event-line scanner: the writer matches Python's
// json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False); the readers are borders
// and agree with each other.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "theta_net/replay/event_line_scanner.hpp"
#include "theta_net/replay/json_parser.hpp"
#include "theta_net/replay/json_value.hpp"

namespace theta_net::replay {
namespace {

std::string canonical(const JsonValue& v) {
  auto r = to_canonical(v);
  EXPECT_TRUE(r.ok()) << r.error().describe();
  return r.ok() ? *r : "";
}

TEST(CanonicalJson, FloatsAreWrittenAsPythonRepr) {
  // Expected strings from Python 3.11: repr(value).
  const std::pair<double, const char*> cases[] = {
      {0.0, "0.0"},
      {-0.0, "-0.0"},
      {1.0, "1.0"},
      {0.1, "0.1"},
      {100.0, "100.0"},
      {1e15, "1000000000000000.0"},
      {1e16, "1e+16"},
      {1.5e16, "1.5e+16"},
      {123456789.125, "123456789.125"},
      {0.0001, "0.0001"},
      {0.00001, "1e-05"},
      {1.234e-5, "1.234e-05"},
      {5e-324, "5e-324"},
      {1.7976931348623157e308, "1.7976931348623157e+308"},
      {-3.75, "-3.75"},
      {1e22, "1e+22"},
      {12345678901234567890.0, "1.2345678901234567e+19"},
      {0.30000000000000004, "0.30000000000000004"},
      {9007199254740993.0, "9007199254740992.0"},
      {1.0 / 3.0, "0.3333333333333333"},
  };
  for (const auto& [value, text] : cases) EXPECT_EQ(canonical(JsonValue(value)), text) << text;
}

TEST(CanonicalJson, SortsKeysAndEscapesLikePython) {
  JsonValue v = JsonValue::object({{"b", 1},
                                   {"a", "x\xc3\xa9\"\\\n\x01\x7f\xe2\x80\xa8"},
                                   {"A", JsonValue::array({true, nullptr, -5})}});
  EXPECT_EQ(canonical(v),
            "{\"A\":[true,null,-5],\"a\":\"x\xc3\xa9\\\"\\\\\\n\\u0001\x7f\xe2\x80\xa8\","
            "\"b\":1}");
  EXPECT_EQ(canonical(JsonValue(std::numeric_limits<std::uint64_t>::max())),
            "18446744073709551615");
  EXPECT_EQ(canonical(JsonValue(std::numeric_limits<std::int64_t>::min())), "-9223372036854775808");
  EXPECT_EQ(canonical(JsonValue("\b\f\r\t")), R"("\b\f\r\t")");
}

TEST(CanonicalJson, RefusesWhatReadersRefuse) {
  auto nan = to_canonical(JsonValue::object({{"pos", JsonValue::array({1.0, NAN})}}));
  ASSERT_FALSE(nan.ok());
  EXPECT_EQ(nan.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(nan.error().message.find("pos[1]"), std::string::npos) << nan.error().message;
  EXPECT_FALSE(to_canonical(JsonValue(INFINITY)).ok());
  EXPECT_FALSE(to_canonical(JsonValue("\xff")).ok());
  EXPECT_FALSE(to_canonical(JsonValue(JsonObject{{"a", 1}, {"a", 2}})).ok());
  JsonValue deep = 1;
  for (int i = 0; i < kMaxJsonDepth; ++i) deep = JsonValue::array({deep});
  EXPECT_TRUE(to_canonical(deep).ok());
  EXPECT_FALSE(to_canonical(JsonValue::array({deep})).ok());
  std::string out = "keep";
  EXPECT_FALSE(append_canonical(JsonValue::array({1, NAN}), out).ok());
  EXPECT_EQ(out, "keep");  // nothing half-written
}

TEST(JsonParser, ReadsValuesAndSortsKeys) {
  auto v =
      parse_json(R"( {"b": [1, -2, 3.5e1, "x\u00e9\ud83d\ude00"], "a": {"z": null, "y": true}} )");
  ASSERT_TRUE(v.ok()) << v.error().describe();
  EXPECT_EQ(canonical(*v),
            "{\"a\":{\"y\":true,\"z\":null},\"b\":[1,-2,35.0,\"x\xc3\xa9\xf0\x9f\x98\x80\"]}");
  EXPECT_EQ(parse_json("18446744073709551615")->type(), JsonValue::Type::kUint);
  EXPECT_EQ(parse_json("-9223372036854775808")->type(), JsonValue::Type::kInt);
  EXPECT_EQ(parse_json("18446744073709551616")->type(), JsonValue::Type::kDouble);
  EXPECT_EQ(parse_json("1e-400")->as_double(), 0.0);  // underflow reads as zero
}

TEST(JsonParser, ErrorsNameTheColumn) {
  struct Case {
    const char* text;
    ErrorCode code;
    const char* message_part;
  };
  const Case cases[] = {
      {R"({"a":1)", ErrorCode::kTruncated, "column 7"},
      {R"({"a" 1})", ErrorCode::kCorrupt, "expected ':'"},
      {R"({"a":1,})", ErrorCode::kCorrupt, "expected a string key"},
      {R"([1 2])", ErrorCode::kCorrupt, "expected ',' or ']'"},
      {R"({"a":01})", ErrorCode::kCorrupt, "leading 0"},
      {R"({"a":NaN})", ErrorCode::kCorrupt, "unexpected character 'N'"},
      {R"({"a":1e400})", ErrorCode::kOverflow, "range of a double"},
      {R"({"a":"\ud800"})", ErrorCode::kCorrupt, "surrogate"},
      {R"({"a":"\x"})", ErrorCode::kCorrupt, "invalid escape"},
      {"{\"a\":\"\xc0\xaf\"}", ErrorCode::kCorrupt, "UTF-8"},
      {"{\"a\":\"\x01\"}", ErrorCode::kCorrupt, "control character"},
      {R"({"a":1,"a":2})", ErrorCode::kCorrupt, "appears twice"},
      {R"({"a":1} x)", ErrorCode::kCorrupt, "after the JSON value"},
      {R"({"a":tru)", ErrorCode::kTruncated, "literal"},
      {"", ErrorCode::kTruncated, "column 1"},
  };
  for (const Case& c : cases) {
    auto r = parse_json(c.text);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.error().code, c.code) << c.text << ": " << r.error().describe();
    EXPECT_NE(r.error().message.find(c.message_part), std::string::npos)
        << c.text << ": " << r.error().message;
  }
  std::string deep(kMaxJsonDepth + 1, '[');
  deep += std::string(kMaxJsonDepth + 1, ']');
  EXPECT_EQ(parse_json(deep).error().code, ErrorCode::kLimitExceeded);
  EXPECT_TRUE(parse_json(deep.substr(1, deep.size() - 2)).ok());
}

TEST(EventLineScanner, FindsAlignmentFields) {
  const std::string line =
      R"({"entity":42,"kind":"move","nested":{"tick":9,"kind":1},"pos":[1.5,2,3],"tick":1200})";
  EventLineFields f;
  EventLineError e;
  ASSERT_TRUE(scan_event_line(line, f, e)) << e.message;
  EXPECT_TRUE(f.has_tick && f.has_kind && f.has_entity && !f.has_key);
  EXPECT_EQ(f.tick, 1200);  // the top-level tick, not the nested one
  EXPECT_EQ(f.kind.in(line), "move");
  EXPECT_EQ(f.entity.in(line), "42");
  EXPECT_FALSE(f.keys_sorted);  // the nested object's keys are not sorted

  ASSERT_TRUE(scan_event_line(R"({"key":"3,-1,4","kind":"chunk_load","tick":5})", f, e));
  EXPECT_TRUE(f.keys_sorted);
  EXPECT_TRUE(f.has_key);
  ASSERT_TRUE(scan_event_line(R"({"\u0074ick":5,"kind":"x"})", f, e));
  EXPECT_TRUE(f.has_tick);  // an escaped key still names the tick
  EXPECT_FALSE(f.keys_sorted);
}

TEST(EventLineScanner, RefusesBadEventFields) {
  EventLineFields f;
  EventLineError e;
  EXPECT_FALSE(scan_event_line(R"({"kind":"x","tick":-1})", f, e));
  EXPECT_FALSE(scan_event_line(R"({"kind":"x","tick":1.5})", f, e));
  EXPECT_FALSE(scan_event_line(R"({"kind":"x","tick":9223372036854775808})", f, e));
  EXPECT_EQ(e.code, ErrorCode::kOverflow);
  EXPECT_FALSE(scan_event_line(R"({"kind":7,"tick":1})", f, e));
  EXPECT_FALSE(scan_event_line(R"({"entity":[1],"kind":"x","tick":1})", f, e));
  EXPECT_FALSE(scan_event_line(R"({"entity":123456789012345678901234,"kind":"x","tick":1})", f, e));
  EXPECT_FALSE(scan_event_line(R"([1,2])", f, e));
  // As the parser reads them: "-0" is a zero tick, a 64-bit id is an id.
  ASSERT_TRUE(scan_event_line(R"({"kind":"x","tick":-0})", f, e));
  EXPECT_EQ(f.tick, 0);
  EXPECT_TRUE(scan_event_line(R"({"entity":18446744073709551615,"kind":"x","tick":1})", f, e));
  EXPECT_TRUE(scan_event_line(R"({"entity":-9223372036854775808,"kind":"x","tick":1})", f, e));
  EXPECT_FALSE(scan_event_line("", f, e));
}

// Every text the parser accepts as an object the scanner accepts, and the other way round for
// texts whose keys are sorted (duplicates are the parser's job otherwise).
TEST(EventLineScanner, AgreesWithTheParser) {
  const char* texts[] = {
      R"({"a":1})",
      R"({"a":1,"b":[true,false,null,{"c":"d"}],"kind":"k","tick":3})",
      R"({ "a" : 1 , "b" : -0.5e-3 })",
      R"({"a":"\u00e9\ud83d\ude00\n"})",
      R"({"a":1e400})",
      R"({"a":1e-400})",
      R"({"a":1)",
      R"({"a":"\ud800"})",
      R"({"a":"\udc00"})",
      "{\"a\":\"\xed\xa0\x80\"}",
      "{\"a\":\"\xf4\x90\x80\x80\"}",
      R"({"a":-})",
      R"({"a":.5})",
      R"({"a":1.})",
      R"({"a":1e})",
      R"({"a":[1,]})",
      R"({"a":1,"a":2})",
      R"({"b":1,"a":2})",
      R"({"a":00})",
      R"({"a":"x"}})",
      "{\"a\":\"tab\there\"}",
      R"({"a":1}   )",
      R"({})",
      R"({"a":{"b":{"c":{}}}})",
  };
  for (const char* text : texts) {
    EventLineFields f;
    EventLineError e;
    const bool scanned = scan_event_line(text, f, e);
    const bool parsed = parse_json(text).ok();
    if (parsed) {
      EXPECT_TRUE(scanned) << text << ": " << e.message;
    }
    if (scanned && f.keys_sorted) {
      EXPECT_TRUE(parsed) << text;
    }
  }
}

}  // namespace
}  // namespace theta_net::replay
