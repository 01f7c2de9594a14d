#include <gtest/gtest.h>

#include <algorithm>
#include <array>

#include "theta_net/core/siphash.hpp"
#include "theta_net/protocol/messages.hpp"

namespace theta_net::protocol {
namespace {

// The generator computes the hash in Python; the core's SipHash must agree on the same text.
TEST(Schema, GeneratedHashesAreSipHashOfTheCanonicalForm) {
  const std::string_view key_text = "theta_net.schema";
  std::array<std::uint8_t, 16> key_bytes{};
  std::copy(key_text.begin(), key_text.end(), key_bytes.begin());
  const SipKey documented = SipKey::from_bytes(key_bytes);
  for (std::size_t minor = 0; minor < kCanonicalSchema.size(); ++minor) {
    EXPECT_EQ(siphash24(documented, kCanonicalSchema[minor]), kSchemaHashByMinor[minor]) << minor;
  }
  EXPECT_EQ(kSchemaHash, kSchemaHashByMinor[kProtocolMinor]);
  EXPECT_NE(kSchemaHashByMinor[0], kSchemaHashByMinor[1]);
}

TEST(Schema, CanonicalFormLeavesOutLaterFields) {
  EXPECT_EQ(kCanonicalSchema[0].find("motd"), std::string_view::npos);
  EXPECT_NE(kCanonicalSchema[1].find("motd:str"), std::string_view::npos);
}

TEST(Schema, EnumNamesRoundTrip) {
  EXPECT_EQ(enum_name(Role::kAdmin), "admin");
  EXPECT_EQ(enum_from_name<Role>("viewer"), Role::kViewer);
  EXPECT_FALSE(enum_from_name<Role>("owner").has_value());
  EXPECT_FALSE(enum_is_valid(static_cast<RejectReason>(0)));
}

}  // namespace
}  // namespace theta_net::protocol
