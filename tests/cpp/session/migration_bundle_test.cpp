// The migration bundle's file format: a bundle goes through encode and decode unchanged, and the
// decoder (a border) refuses every truncation, every flipped byte, a wrong schema, another
// format version and counts past its limits, with typed errors naming what was wrong; a
// successor imports only into a fresh server.
#include <gtest/gtest.h>

#include "migration_run.hpp"
#include "theta_net/collab/collab_host.hpp"

namespace theta_net::session {
namespace {

using testing::key_of;
using testing::MigrationRun;

// A server with a few signed commands applied, two sessions known, a ban and an admin.
MigrationBundle sample_bundle() {
  DataServer server(soak_schema(), MigrationRun::server_config(), key_of(1), Rng(1));
  SoakWorkload workload(soak_schema(), 12, Rng(2));
  for (std::uint64_t first = 1; first <= 12; first += 4) {
    EXPECT_TRUE(
        server.collab()
            ->submit(key_of(static_cast<std::uint8_t>(20 + first)),
                     static_cast<std::uint16_t>(protocol::CommandKind::kDataWrite),
                     collab::encode_data_write(*soak_schema(), workload.populate(first, 4).ops()))
            .ok());
    server.collab()->flush(Micros{0});
  }
  MigrationBundle bundle = server.export_migration(Micros{1000});
  for (std::uint8_t i = 0; i < 2; ++i) {
    protocol::SessionRecord s;
    s.session_id = 0x1000 + i;
    s.role = i == 0 ? protocol::Role::kAdmin : protocol::Role::kEditor;
    s.client_key = key_of(static_cast<std::uint8_t>(40 + i)).public_key();
    s.resume_token.fill(static_cast<std::uint8_t>(0xA0 + i));
    s.client_name = str_cat("client-", int{i});
    s.minor = protocol::kProtocolMinor;
    s.capabilities = 3;
    bundle.sessions.push_back(s);
  }
  bundle.bans.push_back(MigrationBan{key_of(50).public_key(), Micros(5'000'000), "spam"});
  bundle.bans.push_back(MigrationBan{key_of(51).public_key(), std::nullopt, "for good"});
  bundle.admins.push_back(MigrationAdmin{key_of(40).public_key(), 7});
  return bundle;
}

TEST(MigrationBundle, GoesThroughTheFileFormatUnchanged) {
  const MigrationBundle bundle = sample_bundle();
  ASSERT_TRUE(bundle.collab.has_value());
  EXPECT_EQ(bundle.collab->log.size(), 3u);
  EXPECT_EQ(bundle.store->version(), 3u);
  const Bytes file = encode_migration_bundle(bundle).value();
  auto decoded = decode_migration_bundle(file, soak_schema());
  ASSERT_TRUE(decoded.ok()) << decoded.error().describe();
  EXPECT_EQ(decoded->schema_toml, bundle.schema_toml);
  EXPECT_EQ(*decoded->store, *bundle.store);
  EXPECT_EQ(decoded->collab, bundle.collab);
  ASSERT_EQ(decoded->sessions.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(decoded->sessions[i].session_id, bundle.sessions[i].session_id);
    EXPECT_EQ(decoded->sessions[i].role, bundle.sessions[i].role);
    EXPECT_EQ(decoded->sessions[i].client_key, bundle.sessions[i].client_key);
    EXPECT_EQ(decoded->sessions[i].resume_token, bundle.sessions[i].resume_token);
    EXPECT_EQ(decoded->sessions[i].client_name, bundle.sessions[i].client_name);
    EXPECT_EQ(decoded->sessions[i].capabilities, bundle.sessions[i].capabilities);
  }
  EXPECT_EQ(decoded->bans, bundle.bans);
  EXPECT_EQ(decoded->admins, bundle.admins);
  // Encoding is deterministic: the decoded bundle gives the same bytes.
  EXPECT_EQ(encode_migration_bundle(*decoded).value(), file);
}

TEST(MigrationBundle, EveryTruncationIsRefusedWithATypedError) {
  const Bytes file = encode_migration_bundle(sample_bundle()).value();
  for (std::size_t size = 0; size < file.size(); ++size) {
    auto decoded = decode_migration_bundle(ByteSpan(file.data(), size), soak_schema());
    ASSERT_FALSE(decoded.ok()) << "a bundle cut to " << size << " bytes was taken";
    const ErrorCode code = decoded.error().code;
    EXPECT_TRUE(code == ErrorCode::kTruncated || code == ErrorCode::kLimitExceeded ||
                code == ErrorCode::kCorrupt || code == ErrorCode::kChecksumMismatch)
        << size << ": " << decoded.error().describe();
  }
}

TEST(MigrationBundle, EveryFlippedByteIsRefused) {
  const Bytes file = encode_migration_bundle(sample_bundle()).value();
  for (std::size_t at = 0; at < file.size(); ++at) {
    Bytes bad = file;
    bad[at] ^= 0x5A;
    auto decoded = decode_migration_bundle(bad, soak_schema());
    ASSERT_FALSE(decoded.ok()) << "a bundle with byte " << at << " flipped was taken";
    EXPECT_FALSE(decoded.error().message.empty());
  }
}

TEST(MigrationBundle, ErrorsNameWhatWasWrong) {
  const Bytes file = encode_migration_bundle(sample_bundle()).value();
  // A flipped byte inside a client name parses, and the checksum catches it.
  Bytes renamed = file;
  const std::string name = "client-1";
  const auto at = std::search(renamed.begin(), renamed.end(), name.begin(), name.end());
  ASSERT_NE(at, renamed.end());
  *at = 'C';
  auto decoded = decode_migration_bundle(renamed, soak_schema());
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code, ErrorCode::kChecksumMismatch);

  Bytes future = file;
  future[kMigrationBundleMagic.size() - 2] = '2';
  decoded = decode_migration_bundle(future, soak_schema());
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code, ErrorCode::kUnsupportedVersion);

  MigrationLimits few;
  few.max_sessions = 1;
  decoded = decode_migration_bundle(file, soak_schema(), few);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code, ErrorCode::kLimitExceeded);
  EXPECT_NE(decoded.error().message.find("sessions section"), std::string::npos)
      << decoded.error().message;

  // Another schema: the soak's under another name.
  std::string toml = soak_schema()->to_toml();
  const auto named = toml.find("\"soak\"");
  ASSERT_NE(named, std::string::npos);
  toml.replace(named, 6, "\"other\"");
  auto other = data::DataSchema::from_toml(toml);
  ASSERT_TRUE(other.ok()) << other.error().describe();
  decoded = decode_migration_bundle(file, *other);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code, ErrorCode::kInvalidArgument);

  Bytes not_a_bundle(64, 0x20);
  decoded = decode_migration_bundle(not_a_bundle, soak_schema());
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code, ErrorCode::kCorrupt);
}

TEST(MigrationBundle, AServerImportsIntoAFreshServerAndGoesOn) {
  const MigrationBundle bundle = sample_bundle();
  DataServer successor(soak_schema(), MigrationRun::server_config(), key_of(2), Rng(3));
  ASSERT_TRUE(successor.import_migration(bundle, Micros{0}).ok());
  EXPECT_EQ(successor.data().store(), *bundle.store);
  EXPECT_EQ(successor.sessions().handshake().sessions().size(), 2u);
  EXPECT_NE(successor.sessions().handshake().ban_of(key_of(51).public_key(), Micros{0}), nullptr);
  EXPECT_EQ(successor.sessions().control_desk().last_sequence(key_of(40).public_key()), 7u);
  // An author the predecessor knew goes on with its next sequence; its old one is a repeat.
  const Ed25519PublicKey author = key_of(21).public_key();
  EXPECT_EQ(successor.collab()->sequences().expected(author), 2u);
  ASSERT_TRUE(
      successor.collab()
          ->submit(
              key_of(21), static_cast<std::uint16_t>(protocol::CommandKind::kDataWrite),
              collab::encode_data_write(
                  *soak_schema(), SoakWorkload(soak_schema(), 12, Rng(9)).populate(13, 1).ops()))
          .ok());
  successor.collab()->flush(Micros{1});
  EXPECT_EQ(successor.data().version(), bundle.store->version() + 1);
  EXPECT_EQ(successor.collab()->log().next_index(), bundle.collab->next_index + 1);
  // A second import, or one into a server that has taken writes, is refused.
  EXPECT_EQ(successor.import_migration(bundle, Micros{0}).error().code, ErrorCode::kState);
}

}  // namespace
}  // namespace theta_net::session
