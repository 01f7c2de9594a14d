#include "theta_net/data/data_schema.hpp"

#include <gtest/gtest.h>

#include "../../fuzz/arena_schema_text.hpp"
#include "arena_schema.hpp"
#include "theta_net/core/siphash.hpp"

namespace theta_net::data {
namespace {

using testing::arena_schema;

TEST(DataSchema, ArenaExampleParsesAndRoundTripsThroughCanonicalToml) {
  auto schema = arena_schema();
  ASSERT_NE(schema, nullptr);
  EXPECT_EQ(schema->name(), "arena");
  EXPECT_EQ(schema->tables().size(), 2u);
  const std::string text = schema->to_toml();
  auto again = DataSchema::from_toml(text);
  ASSERT_TRUE(again.ok()) << again.error().describe() << "\n" << text;
  EXPECT_EQ(**again, *schema);
  EXPECT_EQ((*again)->to_toml(), text);
  EXPECT_EQ((*again)->hashes(), schema->hashes());
}

// A small schema text with one field whose TOML is `field`, for error tests.
std::string with_field(const std::string& field, const std::string& version = "1.0") {
  return "[schema]\nname = \"t\"\nversion = \"" + version +
         "\"\n\n[[table]]\nname = \"things\"\n\n[[table.component]]\nname = \"c\"\n"
         "fields = [\n  " +
         field + ",\n]\n";
}

Error parse_error(const std::string& text) {
  auto parsed = DataSchema::from_toml(text);
  EXPECT_FALSE(parsed.ok()) << text;
  return parsed.ok() ? Error{ErrorCode::kInvalidArgument, "parsed"} : parsed.error();
}

bool mentions(const Error& error, const std::string& text) {
  return error.message.find(text) != std::string::npos;
}

TEST(DataSchema, UnknownFieldKeyIsRefusedNamingTheKeyAndItsLine) {
  const auto error = parse_error(with_field(R"({ name = "hp", type = "int", mn = 0, max = 5 })"));
  EXPECT_EQ(error.code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(mentions(error, "'mn'")) << error.message;
  EXPECT_TRUE(mentions(error, "line 11")) << error.message;
  EXPECT_TRUE(mentions(error, "things.c")) << error.message;
}

TEST(DataSchema, KeysOfAnotherTypeAreRefused) {
  const auto error =
      parse_error(with_field(R"({ name = "hp", type = "int", min = 0, max = 5, frac_bits = 4 })"));
  EXPECT_TRUE(mentions(error, "'frac_bits'")) << error.message;
}

TEST(DataSchema, UnknownKeysAtEveryLevelAreRefused) {
  const std::string base = with_field(R"({ name = "hp", type = "int" })");
  auto insert_after = [&](const std::string& anchor, const std::string& line) {
    std::string text = base;
    text.insert(text.find(anchor) + anchor.size(), line);
    return text;
  };
  EXPECT_TRUE(
      mentions(parse_error(insert_after("version = \"1.0\"\n", "author = \"me\"\n")), "'author'"));
  EXPECT_TRUE(mentions(parse_error(insert_after("name = \"things\"\n", "rows = 5\n")), "'rows'"));
  EXPECT_TRUE(mentions(parse_error(insert_after("name = \"c\"\n", "kind = 5\n")), "'kind'"));
  EXPECT_TRUE(mentions(parse_error("extra = 1\n" + base), "'extra'"));
}

TEST(DataSchema, TomlSyntaxErrorsAreCorruptWithLineAndColumn) {
  const auto error = parse_error("[schema]\nname = \"t\"\nversion = \"1.0\n");
  EXPECT_EQ(error.code, ErrorCode::kCorrupt);
  EXPECT_TRUE(mentions(error, "line 3")) << error.message;
  EXPECT_TRUE(mentions(error, "column")) << error.message;
}

TEST(DataSchema, BadValuesAreRefusedWithTheirPosition) {
  auto error =
      parse_error(with_field(R"({ name = "hp", type = "int", min = 0, max = 5, default = 9 })"));
  EXPECT_TRUE(mentions(error, "line 11")) << error.message;
  EXPECT_TRUE(mentions(error, "default")) << error.message;
  error = parse_error(with_field(R"({ name = "hp", type = "integer" })"));
  EXPECT_TRUE(mentions(error, "integer")) << error.message;
  error = parse_error(with_field(R"({ name = "s", type = "string" })"));
  EXPECT_TRUE(mentions(error, "'max'")) << error.message;
  error =
      parse_error(with_field(R"({ name = "e", type = "enum", values = ["a"], default = "b" })"));
  EXPECT_TRUE(mentions(error, "'b'")) << error.message;
  error = parse_error(with_field(
      R"({ name = "x", type = "fixed", min = 0, max = 1, frac_bits = 4, default = 2.5 })"));
  EXPECT_TRUE(mentions(error, "2.5")) << error.message;
  error = parse_error(with_field(R"({ name = "a", type = "int", count = 2, default = 1 })"));
  EXPECT_TRUE(mentions(error, "list of 2")) << error.message;
  error = parse_error(with_field(R"({ name = "a", type = "int", since = "2.0" })", "1.0"));
  EXPECT_TRUE(mentions(error, "since")) << error.message;
  error = parse_error(with_field(R"({ name = "a", type = "int", since = "1.2" })", "1.1"));
  EXPECT_TRUE(mentions(error, "minor")) << error.message;
  error = parse_error(with_field(R"({ name = "a", type = "int" }, { name = "a", type = "bool" })"));
  EXPECT_TRUE(mentions(error, "twice")) << error.message;
}

TEST(DataSchema, VersionMustBeMajorDotMinor) {
  for (const char* version : {"1", "1.x", "01.0", "1.65536", "", "1.0.0"}) {
    const auto error = parse_error(with_field(R"({ name = "a", type = "int" })", version));
    EXPECT_TRUE(mentions(error, "version")) << version << ": " << error.message;
  }
}

TEST(DataSchema, TextOverTheLimitIsRefusedBeforeParsing) {
  const std::string huge(kMaxSchemaTextBytes + 1, '#');
  EXPECT_EQ(parse_error(huge).code, ErrorCode::kLimitExceeded);
}

TEST(DataSchema, ComponentIdIsSipHashOfTableDotComponent) {
  const auto& players = arena_schema()->table(0);
  EXPECT_EQ(players.components[0].id, siphash24(SipKey{}, std::string_view("players.position")));
  EXPECT_NE(players.components[0].id, arena_schema()->table(1).components[0].id);
}

// The arena schema with one change made to its first table's component `c`, field `f`.
std::shared_ptr<const DataSchema> edited(void (*edit)(FieldSpec&), int c = 1, int f = 0) {
  auto tables = arena_schema()->tables();
  edit(tables[0].components[static_cast<std::size_t>(c)].fields[static_cast<std::size_t>(f)]);
  auto schema = DataSchema::make("arena", 1, 1, std::move(tables));
  EXPECT_TRUE(schema.ok()) << schema.error().describe();
  return *schema;
}

TEST(DataSchema, HashChangesWithEveryHashedParameterButNotWithDoc) {
  const auto base = arena_schema();
  EXPECT_NE(edited([](FieldSpec& f) { f.max = 101; })->hash(), base->hash());
  EXPECT_NE(edited([](FieldSpec& f) { f.name = "health"; })->hash(), base->hash());
  EXPECT_NE(edited([](FieldSpec& f) { f.default_value = std::int64_t{50}; })->hash(), base->hash());
  EXPECT_NE(edited([](FieldSpec& f) { f.type = FieldType::kFixed; })->hash(), base->hash());
  const auto documented = edited([](FieldSpec& f) { f.doc = "hit points"; });
  EXPECT_EQ(documented->hashes(), base->hashes());
  EXPECT_FALSE(*documented == *base);  // the doc is still part of the schema and its TOML
  auto renamed = DataSchema::make("arena2", 1, 1, base->tables());
  EXPECT_NE((*renamed)->hash(), base->hash());
  auto other_major = DataSchema::make("arena", 2, 1, base->tables());
  EXPECT_NE((*other_major)->hash(), base->hash());
}

TEST(DataSchema, AnAppendedSinceFieldIsCompatibleWithTheOlderMinor) {
  const auto current = arena_schema();  // 1.1: health.shield has since = "1.1"
  ASSERT_EQ(current->hashes().size(), 2u);
  EXPECT_NE(current->hashes()[0], current->hashes()[1]);
  auto tables = current->tables();
  tables[0].components[1].fields.pop_back();  // 1.0 did not have shield
  auto older = DataSchema::make("arena", 1, 0, tables);
  ASSERT_TRUE(older.ok()) << older.error().describe();
  EXPECT_EQ((*older)->hashes()[0], current->hashes()[0]);
  EXPECT_TRUE(current->compatible_with((*older)->hashes()));
  EXPECT_TRUE((*older)->compatible_with(current->hashes()));
  EXPECT_TRUE(current->compatible_with(current->hashes()));
  EXPECT_FALSE(current->compatible_with({}));

  // Editing a field that 1.0 knows is not compatible, at either minor.
  tables[0].components[1].fields[0].max = 200;
  auto edited_older = DataSchema::make("arena", 1, 0, tables);
  EXPECT_FALSE(current->compatible_with((*edited_older)->hashes()));
  EXPECT_FALSE((*edited_older)->compatible_with(current->hashes()));
}

TEST(DataSchema, MinorsWithoutNewFieldsRepeatTheHashBeforeThem) {
  auto five = DataSchema::make("arena", 1, 5, arena_schema()->tables());
  ASSERT_TRUE(five.ok());
  const auto& hashes = (*five)->hashes();
  ASSERT_EQ(hashes.size(), 6u);
  EXPECT_EQ(hashes[0], arena_schema()->hashes()[0]);
  for (std::size_t m = 2; m < hashes.size(); ++m) EXPECT_EQ(hashes[m], hashes[1]);
  EXPECT_TRUE((*five)->compatible_with(arena_schema()->hashes()));
}

TEST(DataSchema, MakeRefusesBrokenRulesNamingWhatBrokeThem) {
  auto tables = arena_schema()->tables();
  auto refuse = [](std::uint16_t minor, std::vector<TableSpec> t, ErrorCode code,
                   const std::string& text) {
    auto made = DataSchema::make("arena", 1, minor, std::move(t));
    ASSERT_FALSE(made.ok());
    EXPECT_EQ(made.error().code, code);
    EXPECT_TRUE(mentions(made.error(), text)) << made.error().message;
  };
  refuse(0, tables, ErrorCode::kInvalidArgument, "shield");  // since 1.1 above minor 0
  auto t = tables;
  t[0].components[1].fields[0].since_minor = 1;  // hp (1.1) before alive (1.0)
  refuse(1, t, ErrorCode::kInvalidArgument, "alive");
  t = tables;
  t[1].name = "players";
  refuse(1, t, ErrorCode::kInvalidArgument, "twice");
  t = tables;
  t[0].components[2].name = "health";
  refuse(1, t, ErrorCode::kInvalidArgument, "twice");
  t = tables;
  t[0].spatial->x = "yaw_missing";
  refuse(1, t, ErrorCode::kInvalidArgument, "yaw_missing");
  t = tables;
  t[0].spatial->component = "profile";
  t[0].spatial->x = "name";
  refuse(1, t, ErrorCode::kInvalidArgument, "spatial");
  t = tables;
  t[0].name = "bad name";
  refuse(1, t, ErrorCode::kInvalidArgument, "bad name");
  t.assign(kMaxTables + 1, TableSpec{});
  for (std::size_t i = 0; i < t.size(); ++i) t[i].name = str_cat("t", i);
  refuse(1, t, ErrorCode::kLimitExceeded, "tables");
  t = tables;
  t[0].components[0].fields.assign(kMaxFieldsPerComponent + 1, t[0].components[0].fields[0]);
  refuse(1, t, ErrorCode::kLimitExceeded, "fields");
}

TEST(DataSchema, CanonicalTomlEscapesTextAndWritesNonUtf8BytesAsAList) {
  auto tables = arena_schema()->tables();
  auto& profile = tables[0].components[3];
  profile.fields[0].doc = "say \"hi\"\n\tback\\slash \x01 caf\xc3\xa9";
  profile.fields[0].default_value = std::string("a\"b");
  profile.fields[2].default_value = std::string("\xff\x00", 2);
  auto schema = DataSchema::make("arena", 1, 1, std::move(tables));
  ASSERT_TRUE(schema.ok()) << schema.error().describe();
  const std::string text = (*schema)->to_toml();
  EXPECT_TRUE(text.find("default = [255, 0]") != std::string::npos) << text;
  auto again = DataSchema::from_toml(text);
  ASSERT_TRUE(again.ok()) << again.error().describe() << "\n" << text;
  EXPECT_EQ(**again, **schema);
  EXPECT_EQ((*again)->to_toml(), text);
}

TEST(DataSchema, ExtremeNumbersRoundTripThroughCanonicalToml) {
  auto text = with_field(
      R"({ name = "a", type = "int" }, { name = "b", type = "float", min = -1e-300, max = 3.5e300, bits = 32, default = 1e299 }, { name = "c", type = "fixed", min = -0.00390625, max = 1e6, frac_bits = 30, default = 0.1 }, { name = "d", type = "f64", count = 3, default = [-0.0, 5e-324, 1.7976931348623157e308] })");
  auto schema = DataSchema::from_toml(text);
  ASSERT_TRUE(schema.ok()) << schema.error().describe();
  auto again = DataSchema::from_toml((*schema)->to_toml());
  ASSERT_TRUE(again.ok()) << again.error().describe() << "\n" << (*schema)->to_toml();
  EXPECT_EQ(**again, **schema);
  const auto& field = (*schema)->table(0).components[0].fields[0];
  EXPECT_EQ(field.min, INT64_MIN);  // an int without a range takes all of int64
  EXPECT_EQ(field.max, INT64_MAX);
}

TEST(DataSchema, TheFuzzTargetsCompiledInArenaIsTheExampleFile) {
  auto compiled_in = DataSchema::from_toml(fuzzing::kArenaToml);
  ASSERT_TRUE(compiled_in.ok()) << compiled_in.error().describe();
  EXPECT_EQ(**compiled_in, *arena_schema());
}

TEST(DataSchema, LookupsByNameFindIndicesOrMinusOne) {
  const auto schema = arena_schema();
  EXPECT_EQ(schema->table_index("items"), 1);
  EXPECT_EQ(schema->table_index("nope"), -1);
  EXPECT_EQ(schema->table(0).component_index("inventory"), 2);
  EXPECT_EQ(schema->table(0).component_index("nope"), -1);
  EXPECT_EQ(schema->table(0).components[1].field_index("alive"), 1);
  EXPECT_EQ(schema->table(0).components[1].field_index("nope"), -1);
}

}  // namespace
}  // namespace theta_net::data
