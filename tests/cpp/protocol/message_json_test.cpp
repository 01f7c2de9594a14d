#include "theta_net/protocol/message_json.hpp"

#include <gtest/gtest.h>

namespace theta_net::protocol {
namespace {

TEST(MessageJson, FieldsInSchemaOrderWithNamesForEnums) {
  SessionControl control;
  control.action = ControlAction::kKick;
  control.target = 7;
  control.reason = "said \"hi\"\n";
  EXPECT_EQ(to_json(control),
            R"({"action":"kick","target":7,"role":null,"reason":"said \"hi\"\n","migrate_to":null,)"
            R"("ban_seconds":0,"sequence":0,"signature":null,"successor_key":null})");
  TelemetryReport report;
  report.frame_ms_p50 = 1.5f;
  report.counters = {{"b", 0.1}, {"a", -2.0}};
  const std::string json = to_json(report);
  EXPECT_NE(json.find(R"("frame_ms_p50":1.5)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("counters":{"a":-2,"b":0.1})"), std::string::npos) << json;
}

TEST(MessageJson, Base64MatchesRfc4648Vectors) {
  auto b64 = [](std::string_view s) {
    return base64(ByteSpan(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
  };
  EXPECT_EQ(b64(""), "");
  EXPECT_EQ(b64("f"), "Zg==");
  EXPECT_EQ(b64("fo"), "Zm8=");
  EXPECT_EQ(b64("foo"), "Zm9v");
  EXPECT_EQ(b64("foob"), "Zm9vYg==");
  EXPECT_EQ(b64("fooba"), "Zm9vYmE=");
  EXPECT_EQ(b64("foobar"), "Zm9vYmFy");
}

}  // namespace
}  // namespace theta_net::protocol
