// The reference merges (counter, set, text) and the registry that names them and the
// application's own.
#include "theta_net/collab/conflict_merge.hpp"

#include <gtest/gtest.h>

#include "theta_net/collab/conflict_reference_merges.hpp"

namespace theta_net::collab {
namespace {

using data::FieldSpec;
using data::FieldType;
using data::Value;

FieldSpec int_field(std::int64_t min, std::int64_t max, std::uint8_t count = 1) {
  FieldSpec f;
  f.name = std::string("n");
  f.type = FieldType::kInt;
  f.min = min;
  f.max = max;
  f.count = count;
  return f;
}

FieldSpec text_field(std::uint32_t max, FieldType type = FieldType::kString) {
  FieldSpec f;
  f.name = std::string("t");
  f.type = type;
  f.max_bytes = max;
  return f;
}

Value text(const char* s) {
  return std::string(s);
}

TEST(CounterMerge, KeepsBothSidesDeltas) {
  const FieldSpec f = int_field(-100, 100);
  EXPECT_EQ(merge_counter(f, Value{10}, Value{13}, Value{8}), Value{11});  // +3 and -2
  EXPECT_EQ(merge_counter(f, Value{0}, Value{1}, Value{1}), Value{2});     // both +1
}

TEST(CounterMerge, ClampsToTheFieldsRangeAndNeverOverflows) {
  EXPECT_EQ(merge_counter(int_field(0, 10), Value{5}, Value{9}, Value{9}), Value{10});
  EXPECT_EQ(merge_counter(int_field(0, 10), Value{5}, Value{0}, Value{1}), Value{0});
  const FieldSpec wide = int_field(INT64_MIN, INT64_MAX);
  EXPECT_EQ(merge_counter(wide, Value{INT64_MIN}, Value{INT64_MAX}, Value{INT64_MAX}),
            Value{INT64_MAX});
  EXPECT_EQ(merge_counter(wide, Value{INT64_MAX}, Value{INT64_MIN}, Value{INT64_MIN}),
            Value{INT64_MIN});
}

TEST(CounterMerge, WorksOnFloatCodesF64AndArraysElementByElement) {
  FieldSpec quantized;
  quantized.name = std::string("q");
  quantized.type = FieldType::kFloat;
  quantized.bits = 4;
  quantized.float_min = -1;
  quantized.float_max = 1;
  EXPECT_EQ(merge_counter(quantized, Value{7}, Value{12}, Value{10}), Value{15});  // clamped
  FieldSpec real;
  real.name = std::string("r");
  real.type = FieldType::kF64;
  EXPECT_EQ(merge_counter(real, Value{1.0}, Value{1.5}, Value{3.0}), Value{3.5});
  EXPECT_EQ(merge_counter(real, Value{-1e308}, Value{1e308}, Value{1e308}),
            Value{std::numeric_limits<double>::max()});
  const FieldSpec array = int_field(0, 50, 3);
  EXPECT_EQ(merge_counter(array, Value{std::vector<std::int64_t>{1, 2, 3}},
                          Value{std::vector<std::int64_t>{2, 2, 0}},
                          Value{std::vector<std::int64_t>{1, 7, 3}}),
            Value{std::vector<std::int64_t>({2, 7, 0})});
}

TEST(CounterMerge, RefusesValuesOfAnotherRepresentation) {
  const FieldSpec f = int_field(0, 10);
  EXPECT_FALSE(merge_counter(f, Value{1}, Value{1.0}, Value{2}));
  EXPECT_FALSE(merge_counter(int_field(0, 10, 2), Value{std::vector<std::int64_t>{1, 2}},
                             Value{std::vector<std::int64_t>{1}},
                             Value{std::vector<std::int64_t>{1, 2}}));
  EXPECT_FALSE(merge_counter(text_field(8), text("1"), text("2"), text("3")));
}

TEST(SetMerge, IsAThreeWayUnionInWhichRemovalsWin) {
  const FieldSpec f = text_field(256);
  // Mine adds c and removes a; theirs adds d and keeps a: a stays removed (a tombstone).
  EXPECT_EQ(merge_set(f, text("a\nb"), text("b\nc"), text("a\nb\nd")), Value{text("b\nc\nd")});
  // Theirs removes b while mine keeps it: b goes.
  EXPECT_EQ(merge_set(f, text("a\nb"), text("a\nb\nx"), text("a")), Value{text("a\nx")});
  // Both add the same element: once. Empty lines are not elements; output is sorted.
  EXPECT_EQ(merge_set(f, text(""), text("z\n\nq\n"), text("q\nm")), Value{text("m\nq\nz")});
  // Both remove everything.
  EXPECT_EQ(merge_set(f, text("a\nb"), text("b"), text("a")), Value{text("")});
}

TEST(SetMerge, WorksOnBytesAndRefusesNonText) {
  EXPECT_EQ(merge_set(text_field(16, FieldType::kBytes), text("\x01\n\x02"), text("\x02"),
                      text("\x01\n\x02\n\x03")),
            Value{text("\x02\n\x03")});
  EXPECT_FALSE(merge_set(int_field(0, 9), Value{1}, Value{2}, Value{3}));
}

TEST(TextMerge, EditsToDifferentLinesBothStay) {
  const FieldSpec f = text_field(4096);
  EXPECT_EQ(merge_text(f, text("one\ntwo\nthree\nfour"), text("ONE\ntwo\nthree\nfour"),
                       text("one\ntwo\nthree\nFOUR")),
            Value{text("ONE\ntwo\nthree\nFOUR")});
  // An insert on one side and a deletion on the other.
  EXPECT_EQ(merge_text(f, text("a\nb\nc\nd"), text("a\nnew\nb\nc\nd"), text("a\nb\nd")),
            Value{text("a\nnew\nb\nd")});
}

TEST(TextMerge, ConcurrentInsertsAtOnePlaceKeepTheirsFirst) {
  const FieldSpec f = text_field(4096);
  EXPECT_EQ(merge_text(f, text("head\ntail"), text("head\nmine\ntail"), text("head\ntheirs\ntail")),
            Value{text("head\ntheirs\nmine\ntail")});
  // Both replaced the same line differently: both replacements, theirs first.
  EXPECT_EQ(merge_text(f, text("x\ny\nz"), text("x\nY1\nz"), text("x\nY2\nz")),
            Value{text("x\nY2\nY1\nz")});
  // Both made the same change: once.
  EXPECT_EQ(merge_text(f, text("x\ny\nz"), text("x\nY\nz"), text("x\nY\nz")),
            Value{text("x\nY\nz")});
}

TEST(TextMerge, KeepsTrailingNewlinesAndEmptyTexts) {
  const FieldSpec f = text_field(4096);
  EXPECT_EQ(merge_text(f, text("a\n"), text("a\nb\n"), text("z\na\n")), Value{text("z\na\nb\n")});
  EXPECT_EQ(merge_text(f, text(""), text("m"), text("t")), Value{text("t\nm")});
}

TEST(TextMerge, AMiddleTooLargeToMatchBecomesOneRegion) {
  const FieldSpec f = text_field(65536);
  std::string base, mine, theirs;
  for (int i = 0; i < 1500; ++i) {
    base += str_cat("l", i, "\n");
    mine += str_cat("m", i, "\n");
    theirs += str_cat("t", i, "\n");
  }
  auto merged =
      merge_text(f, Value{"first\n" + base}, Value{"first\n" + mine}, Value{"first\n" + theirs});
  ASSERT_TRUE(merged);
  EXPECT_EQ(*merged, Value{"first\n" + theirs + mine});
}

TEST(MergeRegistry, OneSideUnchangedGivesTheOtherWithoutCallingTheMerge) {
  MergeRegistry merges;
  int calls = 0;
  ASSERT_TRUE(
      merges
          .add("count_calls",
               [&calls](const data::FieldSpec&, const Value&, const Value& mine, const Value&) {
                 ++calls;
                 return std::optional<Value>(mine);
               })
          .ok());
  const FieldSpec f = int_field(0, 9);
  EXPECT_EQ(merges.merge(f, "count_calls", Value{1}, Value{2}, Value{1}).value, Value{2});
  EXPECT_EQ(merges.merge(f, "count_calls", Value{1}, Value{1}, Value{3}).value, Value{3});
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(merges.merge(f, "count_calls", Value{1}, Value{2}, Value{3}).value, Value{2});
  EXPECT_EQ(calls, 1);
}

TEST(MergeRegistry, RunsTheApplicationsMergeByName) {
  MergeRegistry merges;
  ASSERT_TRUE(
      merges
          .add("max",
               [](const data::FieldSpec&, const Value&, const Value& mine, const Value& theirs) {
                 return std::optional<Value>(
                     std::max(std::get<std::int64_t>(mine), std::get<std::int64_t>(theirs)));
               })
          .ok());
  EXPECT_TRUE(merges.has("max"));
  EXPECT_TRUE(merges.has("counter"));
  EXPECT_FALSE(merges.has("min"));
  const MergeOutcome out = merges.merge(int_field(0, 9), "max", Value{1}, Value{7}, Value{4});
  EXPECT_EQ(out.value, Value{7});
  EXPECT_EQ(out.fallback, MergeFallback::kNone);
}

TEST(MergeRegistry, SaysWhyNoValueCameOut) {
  MergeRegistry merges;
  ASSERT_TRUE(merges
                  .add("never", [](const data::FieldSpec&, const Value&, const Value&,
                                   const Value&) { return std::optional<Value>(); })
                  .ok());
  ASSERT_TRUE(
      merges
          .add("huge", [](const data::FieldSpec&, const Value&, const Value&,
                          const Value&) { return std::optional<Value>(Value{std::int64_t{1000}}); })
          .ok());
  const FieldSpec f = int_field(0, 9);
  EXPECT_EQ(merges.merge(f, "nobody", Value{1}, Value{2}, Value{3}).fallback,
            MergeFallback::kUnknownMerge);
  EXPECT_EQ(merges.merge(f, "never", Value{1}, Value{2}, Value{3}).fallback,
            MergeFallback::kDeclined);
  const MergeOutcome huge = merges.merge(f, "huge", Value{1}, Value{2}, Value{3});
  EXPECT_EQ(huge.fallback, MergeFallback::kInvalidResult);
  EXPECT_FALSE(huge.value);
  // A set that outgrows the field's max bytes is not a value the field takes either.
  EXPECT_EQ(merges.merge(text_field(5), "set", text("a"), text("a\nbb"), text("a\ncc")).fallback,
            MergeFallback::kInvalidResult);
}

TEST(MergeRegistry, RefusesBadNamesReferenceNamesEmptyFunctionsAndRepeats) {
  MergeRegistry merges;
  auto keep = [](const data::FieldSpec&, const Value&, const Value& mine, const Value&) {
    return std::optional<Value>(mine);
  };
  EXPECT_EQ(merges.add("9x", keep).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(merges.add("counter", keep).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(merges.add("empty", MergeFunction{}).error().code, ErrorCode::kInvalidArgument);
  ASSERT_TRUE(merges.add("keep", keep).ok());
  EXPECT_EQ(merges.add("keep", keep).error().code, ErrorCode::kState);
}

TEST(MergeRegistry, ListsTheMergesASchemaNamesThatAreMissing) {
  auto schema = data::DataSchema::from_toml(R"([schema]
name = "m"
version = "1.0"
[[table]]
name = "t"
conflict = "merge:zeta"
[[table.component]]
name = "c"
fields = [
  { name = "a", type = "int", min = 0, max = 1 },
  { name = "b", type = "int", min = 0, max = 1, conflict = "merge:alpha" },
  { name = "c", type = "int", min = 0, max = 1, conflict = "merge:counter" },
  { name = "d", type = "int", min = 0, max = 1, conflict = "merge:alpha" },
]
)");
  ASSERT_TRUE(schema.ok()) << schema.error().describe();
  MergeRegistry merges;
  EXPECT_EQ(merges.missing(**schema), (std::vector<std::string>{"alpha", "zeta"}));
  ASSERT_TRUE(merges
                  .add("zeta", [](const data::FieldSpec&, const Value&, const Value& m,
                                  const Value&) { return std::optional<Value>(m); })
                  .ok());
  EXPECT_EQ(merges.missing(**schema), (std::vector<std::string>{"alpha"}));
}

}  // namespace
}  // namespace theta_net::collab
