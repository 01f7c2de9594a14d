#include "theta_net/core/json_writer.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace theta_net {
namespace {

TEST(JsonWriter, SeparatorsInNestedContainers) {
  std::string out = "prefix ";  // appends to what is there
  JsonWriter json(out);
  json.begin_object();
  json.key("a");
  json.begin_array();
  json.integer(std::int64_t{-1});
  json.integer(std::uint64_t{18446744073709551615u});
  json.begin_object();
  json.end_object();
  json.begin_array();
  json.end_array();
  json.null();
  json.end_array();
  json.key("b");
  json.boolean(true);
  json.key("c");
  json.string("x");
  json.end_object();
  EXPECT_EQ(out, R"(prefix {"a":[-1,18446744073709551615,{},[],null],"b":true,"c":"x"})");
}

TEST(JsonWriter, StringsUsePythonsEscapes) {
  std::string out;
  append_json_string(out, "q\"b\\\b\f\n\r\t\x01\x1f\x7f \xce\xb8");
  EXPECT_EQ(out, "\"q\\\"b\\\\\\b\\f\\n\\r\\t\\u0001\\u001f\x7f \xce\xb8\"");
}

TEST(JsonWriter, TheTwoNumberForms) {
  auto canonical = [](double d) {
    std::string out;
    JsonWriter(out).number(d);
    return out;
  };
  auto shortest = [](auto v) {
    std::string out;
    JsonWriter(out).shortest_number(v);
    return out;
  };
  EXPECT_EQ(canonical(2.0), "2.0");
  EXPECT_EQ(canonical(-0.0), "-0.0");
  EXPECT_EQ(canonical(1e-5), "1e-05");
  EXPECT_EQ(canonical(0.0001), "0.0001");
  EXPECT_EQ(canonical(1e16), "1e+16");
  EXPECT_EQ(canonical(123456789012345.6), "123456789012345.6");
  EXPECT_EQ(canonical(static_cast<double>(0.1f)), "0.10000000149011612");
  EXPECT_EQ(shortest(2.0), "2");
  EXPECT_EQ(shortest(0.1f), "0.1");
  EXPECT_EQ(shortest(-2.5), "-2.5");
}

}  // namespace
}  // namespace theta_net
