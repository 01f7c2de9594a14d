#include "theta_net/data/data_schema.hpp"

#include <gtest/gtest.h>

#include "arena_schema.hpp"

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

}  // namespace
}  // namespace theta_net::data
