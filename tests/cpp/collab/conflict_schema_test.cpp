// Conflict strategies as the data schema declares them: TOML, the C++ builder, the canonical
// TOML and the schema hash, and the refusals of declarations that cannot work.
#include <gtest/gtest.h>

#include "conflict_support.hpp"
#include "theta_net/data/conflict_strategy.hpp"
#include "theta_net/data/data_schema.hpp"

namespace theta_net::collab {
namespace {

using data::ConflictKind;
using data::ConflictStrategy;
using data::DataSchema;
using testing::editor_schema;

std::string one_field_schema(const std::string& table_extra, const std::string& field) {
  return "[schema]\nname = \"t\"\nversion = \"1.0\"\n\n[[table]]\nname = \"things\"\n" +
         table_extra + "\n[[table.component]]\nname = \"c\"\nfields = [\n  " + field + ",\n]\n";
}

Error refusal(const std::string& text) {
  auto parsed = DataSchema::from_toml(text);
  EXPECT_FALSE(parsed.ok()) << text;
  return parsed.ok() ? Error{ErrorCode::kState, "parsed"} : parsed.error();
}

bool mentions(const Error& error, const std::string& text) {
  return error.message.find(text) != std::string::npos;
}

TEST(ConflictSchema, StrategiesAreReadPerTableAndPerFieldWithTheFieldWinning) {
  auto schema = editor_schema();
  ASSERT_NE(schema, nullptr);
  const data::TableSpec& docs = schema->table(testing::kDocs);
  EXPECT_EQ(docs.conflict, ConflictStrategy::lww());
  EXPECT_EQ(docs.conflict_strategy(testing::kMeta, testing::kTitle), ConflictStrategy::lww());
  EXPECT_EQ(docs.conflict_strategy(testing::kMeta, testing::kOwner), ConflictStrategy::server());
  EXPECT_EQ(docs.conflict_strategy(testing::kMeta, testing::kVotes),
            ConflictStrategy::merge_by("counter"));
  EXPECT_EQ(docs.conflict_strategy(testing::kMeta, testing::kColor).merge, "mix");
  const data::TableSpec& locks = schema->table(testing::kLocks);
  EXPECT_FALSE(locks.conflict.has_value());
  EXPECT_EQ(locks.conflict_strategy(testing::kLock, testing::kHolder).kind, ConflictKind::kServer);
}

TEST(ConflictSchema, CanonicalTomlCarriesTheStrategiesAndRoundTrips) {
  auto schema = editor_schema();
  const std::string text = schema->to_toml();
  EXPECT_NE(text.find("conflict = \"lww\"\n"), std::string::npos) << text;
  EXPECT_NE(text.find("conflict = \"merge:counter\" }"), std::string::npos) << text;
  auto again = DataSchema::from_toml(text);
  ASSERT_TRUE(again.ok()) << again.error().describe() << "\n" << text;
  EXPECT_EQ(**again, *schema);
  EXPECT_EQ((*again)->to_toml(), text);
  EXPECT_EQ((*again)->hashes(), schema->hashes());
}

TEST(ConflictSchema, EveryStrategyChangesTheHashAndNoneLeavesItAsBefore) {
  const std::string field = R"({ name = "n", type = "int", min = 0, max = 9 })";
  auto plain = DataSchema::from_toml(one_field_schema("", field));
  ASSERT_TRUE(plain.ok());
  std::vector<std::uint64_t> hashes{(*plain)->hash()};
  for (const char* strategy : {"server", "lww", "merge:counter", "merge:mine"}) {
    const std::string declared = std::string("conflict = \"") + strategy + "\"\n";
    auto on_table = DataSchema::from_toml(one_field_schema(declared, field));
    ASSERT_TRUE(on_table.ok()) << on_table.error().describe();
    auto on_field = DataSchema::from_toml(one_field_schema(
        "", std::string(R"({ name = "n", type = "int", min = 0, max = 9, conflict = ")") +
                strategy + "\" }"));
    ASSERT_TRUE(on_field.ok()) << on_field.error().describe();
    hashes.push_back((*on_table)->hash());
    hashes.push_back((*on_field)->hash());
  }
  std::sort(hashes.begin(), hashes.end());
  EXPECT_EQ(std::unique(hashes.begin(), hashes.end()), hashes.end());
}

TEST(ConflictSchema, AStrategyOnAFieldAddedInALaterMinorLeavesTheOlderHashAlone) {
  const std::string old_text =
      one_field_schema("", R"({ name = "n", type = "int", min = 0, max = 9 })");
  std::string new_text = old_text;
  new_text.replace(new_text.find("\"1.0\""), 5, "\"1.1\"");
  new_text.insert(new_text.rfind("]"),
                  "  { name = \"m\", type = \"int\", min = 0, max = 9, since = \"1.1\", "
                  "conflict = \"merge:counter\" },\n");
  auto older = DataSchema::from_toml(old_text);
  auto newer = DataSchema::from_toml(new_text);
  ASSERT_TRUE(older.ok() && newer.ok()) << new_text;
  EXPECT_EQ((*newer)->hashes()[0], (*older)->hash());
  EXPECT_NE((*newer)->hashes()[1], (*older)->hash());
  EXPECT_TRUE((*newer)->compatible_with((*older)->hashes()));
}

TEST(ConflictSchema, TheBuilderTakesStrategiesLikeToml) {
  auto from_toml = editor_schema();
  std::vector<data::TableSpec> tables = from_toml->tables();
  auto built = DataSchema::make("editor", 1, 0, tables);
  ASSERT_TRUE(built.ok()) << built.error().describe();
  EXPECT_EQ((*built)->hash(), from_toml->hash());
  tables[testing::kDocs].components[testing::kMeta].fields[testing::kTitle].conflict =
      ConflictStrategy::merge_by("text");
  auto changed = DataSchema::make("editor", 1, 0, tables);
  ASSERT_TRUE(changed.ok()) << changed.error().describe();
  EXPECT_NE((*changed)->hash(), from_toml->hash());
}

TEST(ConflictSchema, ACounterMergeOnANonNumericFieldIsRefusedNamingTheField) {
  for (const char* field :
       {R"({ name = "f", type = "string", max = 8, conflict = "merge:counter" })",
        R"({ name = "f", type = "bool", conflict = "merge:counter" })",
        R"({ name = "f", type = "enum", values = ["a"], conflict = "merge:counter" })"}) {
    const Error error = refusal(one_field_schema("", field));
    EXPECT_EQ(error.code, ErrorCode::kInvalidArgument);
    EXPECT_TRUE(mentions(error, "things.c.f")) << error.message;
    EXPECT_TRUE(mentions(error, "merge:counter")) << error.message;
  }
}

TEST(ConflictSchema, SetAndTextMergesOnNonTextFieldsAreRefusedNamingTheField) {
  for (const char* strategy : {"merge:set", "merge:text"}) {
    const Error error = refusal(one_field_schema(
        "", std::string(R"({ name = "f", type = "int", min = 0, max = 3, conflict = ")") +
                strategy + "\" }"));
    EXPECT_EQ(error.code, ErrorCode::kInvalidArgument);
    EXPECT_TRUE(mentions(error, "things.c.f")) << error.message;
    EXPECT_TRUE(mentions(error, "string or bytes")) << error.message;
  }
}

TEST(ConflictSchema, ATableStrategyMustFitEveryFieldThatInheritsIt) {
  const Error error = refusal(one_field_schema(
      "conflict = \"merge:set\"\n", R"({ name = "hp", type = "int", min = 0, max = 3 })"));
  EXPECT_TRUE(mentions(error, "things.c.hp")) << error.message;
  EXPECT_TRUE(mentions(error, "the table's strategy")) << error.message;
  // A field that declares its own is not bound by the table's.
  auto fine = DataSchema::from_toml(
      one_field_schema("conflict = \"merge:set\"\n",
                       R"({ name = "hp", type = "int", min = 0, max = 3, conflict = "lww" })"));
  EXPECT_TRUE(fine.ok()) << fine.error().describe();
}

TEST(ConflictSchema, UnknownStrategiesAreRefusedNamingWhereTheyAre) {
  for (const char* text : {"newest", "merge:", "merge:9lives", "merge:a.b", "LWW", ""}) {
    const Error on_field = refusal(one_field_schema(
        "", std::string(R"({ name = "f", type = "int", min = 0, max = 3, conflict = ")") + text +
                "\" }"));
    EXPECT_EQ(on_field.code, ErrorCode::kInvalidArgument);
    EXPECT_TRUE(mentions(on_field, "things.c.f")) << on_field.message;
    EXPECT_TRUE(mentions(on_field, "unknown conflict strategy")) << on_field.message;
    const Error on_table =
        refusal(one_field_schema(std::string("conflict = \"") + text + "\"\n",
                                 R"({ name = "f", type = "int", min = 0, max = 3 })"));
    EXPECT_TRUE(mentions(on_table, "table 'things'")) << on_table.message;
  }
  const Error not_text = refusal(
      one_field_schema("", R"({ name = "f", type = "int", min = 0, max = 3, conflict = 1 })"));
  EXPECT_TRUE(mentions(not_text, "things.c.f: conflict must be a string")) << not_text.message;
}

TEST(ConflictSchema, TheBuilderRefusesMalformedStrategiesNamingTheField) {
  std::vector<data::TableSpec> tables = editor_schema()->tables();
  auto& title = tables[testing::kDocs].components[testing::kMeta].fields[testing::kTitle];
  title.conflict = ConflictStrategy{ConflictKind::kLww, "extra"};
  auto named = DataSchema::make("editor", 1, 0, tables);
  ASSERT_FALSE(named.ok());
  EXPECT_TRUE(mentions(named.error(), "docs.meta.title")) << named.error().message;
  title.conflict = ConflictStrategy::merge_by("no spaces");
  auto spaced = DataSchema::make("editor", 1, 0, tables);
  ASSERT_FALSE(spaced.ok());
  EXPECT_TRUE(mentions(spaced.error(), "unknown conflict strategy")) << spaced.error().message;
  title.conflict.reset();
  tables[testing::kDocs].conflict = ConflictStrategy{static_cast<ConflictKind>(7), ""};
  auto kind = DataSchema::make("editor", 1, 0, tables);
  ASSERT_FALSE(kind.ok());
  EXPECT_TRUE(mentions(kind.error(), "table 'docs'")) << kind.error().message;
}

TEST(ConflictSchema, StrategyTextParsesBackToTheSameStrategy) {
  for (const char* text :
       {"server", "lww", "merge:counter", "merge:set", "merge:text", "merge:x_1"}) {
    auto parsed = data::parse_conflict_strategy(text);
    ASSERT_TRUE(parsed.ok()) << text;
    EXPECT_EQ(parsed->text(), text);
  }
}

}  // namespace
}  // namespace theta_net::collab
