#include "theta_net/protocol/handshake.hpp"

#include <gtest/gtest.h>

#include "theta_net/protocol/message_codec.hpp"

namespace theta_net::protocol {
namespace {

struct Fixture {
  Rng key_rng{1};
  Ed25519KeyPair server_key = Ed25519KeyPair::from_rng(key_rng);
  Ed25519KeyPair client_key = Ed25519KeyPair::from_rng(key_rng);

  ServerHandshake server(ServerHandshakeConfig config = {}) {
    return {config, server_key, Rng(42)};
  }
  ClientHandshake client(ClientHandshakeConfig config = {}) { return {config, client_key, Rng(7)}; }
};

TEST(Handshake, AcceptsAMatchingClientAndTheClientVerifiesTheAck) {
  Fixture f;
  ServerHandshake server = f.server();
  ClientHandshake client = f.client();
  const HandshakeOutcome outcome = server.on_hello(client.hello(), 100, Micros{0});
  ASSERT_TRUE(outcome.accepted) << outcome.reject.text;
  EXPECT_EQ(outcome.ack.protocol_minor, kProtocolMinor);
  EXPECT_EQ(outcome.ack.role, Role::kEditor);
  EXPECT_EQ(outcome.ack.server_tick, 100u);
  EXPECT_NE(outcome.ack.session_id, 0u);
  EXPECT_FALSE(outcome.ack.resumed);
  auto ack = client.on_reply(outcome.ack);
  ASSERT_TRUE(ack.ok()) << ack.error().describe();
  EXPECT_EQ(server.connected_sessions(), 1u);
  ASSERT_NE(server.session(ack->session_id), nullptr);
  EXPECT_EQ(server.session(ack->session_id)->client_key, f.client_key.public_key());
}

TEST(Handshake, SameSeedsGiveByteIdenticalAcks) {
  Fixture f;
  Bytes a;
  Bytes b;
  {
    ServerHandshake server = f.server();
    ASSERT_TRUE(encode_body(server.on_hello(f.client().hello(), 1, Micros{0}).ack, a).ok());
  }
  {
    ServerHandshake server = f.server();
    ASSERT_TRUE(encode_body(server.on_hello(f.client().hello(), 1, Micros{0}).ack, b).ok());
  }
  EXPECT_EQ(a, b);
}

TEST(Handshake, MajorVersionMismatchIsRejectedWithBothVersions) {
  Fixture f;
  ServerHandshake server = f.server();
  ClientHandshakeConfig config;
  config.schema.major = 2;
  ClientHandshake client = f.client(config);
  const HandshakeOutcome outcome = server.on_hello(client.hello(), 0, Micros{0});
  ASSERT_FALSE(outcome.accepted);
  EXPECT_EQ(outcome.reject.reason, RejectReason::kProtocolVersion);
  EXPECT_EQ(outcome.reject.client_protocol_major, 2);
  EXPECT_EQ(outcome.reject.server_protocol_major, 1);
  auto reply = client.on_reply(outcome.reject);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().code, ErrorCode::kRejected);
  EXPECT_NE(reply.error().message.find("protocol_version: the client speaks protocol 2.x"),
            std::string::npos)
      << reply.error().message;
}

TEST(Handshake, MinorVersionsNegotiateDownToTheOlderPeer) {
  Fixture f;
  ServerHandshake server = f.server();
  ClientHandshakeConfig config;
  config.schema.minor = 0;  // a 1.0 client against this newer server
  ClientHandshake client = f.client(config);
  const HandshakeOutcome outcome = server.on_hello(client.hello(), 0, Micros{0});
  ASSERT_TRUE(outcome.accepted) << outcome.reject.text;
  EXPECT_EQ(outcome.ack.protocol_minor, 0);
  // The ack goes out as a 1.0 peer expects it; the client verifies it against its 1.0 hash.
  Bytes body;
  ASSERT_TRUE(encode_body(outcome.ack, body, outcome.ack.protocol_minor).ok());
  auto decoded = decode_body<SessionAck>(body);
  ASSERT_TRUE(decoded.ok());
  SessionAck expected = outcome.ack;
  expected.motd = "";  // a 1.1 field the 1.0 peer never sees
  EXPECT_EQ(*decoded, expected);
  EXPECT_TRUE(client.on_reply(*decoded).ok());

  // A newer client (one minor above ours) whose schema agrees with ours at our minor negotiates
  // our minor.
  ClientHandshakeConfig newer;
  newer.schema.minor = kProtocolMinor + 1;
  newer.schema.hash_by_minor.push_back(0x1234);
  const HandshakeOutcome up = server.on_hello(f.client(newer).hello(), 0, Micros{0});
  ASSERT_TRUE(up.accepted) << up.reject.text;
  EXPECT_EQ(up.ack.protocol_minor, kProtocolMinor);
}

TEST(Handshake, SchemaMismatchNamesBothHashes) {
  Fixture f;
  ServerHandshake server = f.server();
  ClientHandshakeConfig config;
  config.schema.hash_by_minor.back() ^= 0xff;
  const HandshakeOutcome outcome = server.on_hello(f.client(config).hello(), 0, Micros{0});
  ASSERT_FALSE(outcome.accepted);
  EXPECT_EQ(outcome.reject.reason, RejectReason::kSchemaMismatch);
  EXPECT_EQ(outcome.reject.client_schema_hash, kSchemaHash ^ 0xff);
  EXPECT_EQ(outcome.reject.server_schema_hash, kSchemaHash);
  EXPECT_NE(outcome.reject.text.find("build both from the same schemas/theta.toml"),
            std::string::npos);
}

TEST(Handshake, MalformedHashListIsRejected) {
  Fixture f;
  ServerHandshake server = f.server();
  ClientHandshake client = f.client();
  SessionHello hello = client.hello();
  hello.schema_hashes.pop_back();
  EXPECT_EQ(server.on_hello(hello, 0, Micros{0}).reject.reason, RejectReason::kMalformedHello);
}

TEST(Handshake, TokensDecideAccessAndRole) {
  Fixture f;
  ServerHandshakeConfig config;
  config.tokens = {
      {"let-me-build", Role::kEditor}, {"root", Role::kAdmin}, {"look", Role::kViewer}};
  ServerHandshake server = f.server(config);
  EXPECT_EQ(server.on_hello(f.client().hello(), 0, Micros{0}).reject.reason,
            RejectReason::kAuthRequired);
  ClientHandshakeConfig wrong;
  wrong.auth_token = "guess";
  EXPECT_EQ(server.on_hello(f.client(wrong).hello(), 0, Micros{0}).reject.reason,
            RejectReason::kAuthInvalid);
  ClientHandshakeConfig admin;
  admin.auth_token = "root";
  const HandshakeOutcome outcome = server.on_hello(f.client(admin).hello(), 0, Micros{0});
  ASSERT_TRUE(outcome.accepted);
  EXPECT_EQ(outcome.ack.role, Role::kAdmin);
}

TEST(Handshake, ClientRejectsATamperedOrUnpinnedAck) {
  Fixture f;
  ServerHandshake server = f.server();
  ClientHandshake client = f.client();
  SessionAck ack = server.on_hello(client.hello(), 0, Micros{0}).ack;
  SessionAck tampered = ack;
  tampered.role = Role::kAdmin;
  auto r = client.on_reply(tampered);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "the SessionAck signature does not verify");

  ClientHandshakeConfig pinned;
  Rng other(99);
  pinned.expected_server_key = Ed25519KeyPair::from_rng(other).public_key();
  EXPECT_EQ(f.client(pinned).on_reply(ack).error().code, ErrorCode::kRejected);
  pinned.expected_server_key = f.server_key.public_key();
  ClientHandshake pinned_client = f.client(pinned);
  EXPECT_TRUE(
      pinned_client.on_reply(server.on_hello(pinned_client.hello(), 0, Micros{0}).ack).ok());

  SessionAck greedy = ack;
  ClientHandshakeConfig modest;
  modest.capabilities = capabilities_bits::kDatagrams;
  EXPECT_EQ(f.client(modest).on_reply(greedy).error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(client.on_reply(Heartbeat{}).error().code, ErrorCode::kCorrupt);
}

TEST(Handshake, CapabilitiesAreTheIntersection) {
  Fixture f;
  ServerHandshakeConfig config;
  config.capabilities = capabilities_bits::kDatagrams | capabilities_bits::kChunkLane;
  ServerHandshake server = f.server(config);
  ClientHandshakeConfig request;
  request.capabilities = capabilities_bits::kCompression | capabilities_bits::kDatagrams;
  ClientHandshake client = f.client(request);
  const HandshakeOutcome outcome = server.on_hello(client.hello(), 0, Micros{0});
  ASSERT_TRUE(outcome.accepted);
  EXPECT_EQ(outcome.ack.capabilities, capabilities_bits::kDatagrams);
  EXPECT_TRUE(client.on_reply(outcome.ack).ok());
}

TEST(Handshake, DroppedSessionsResumeWithinTheWindow) {
  Fixture f;
  ServerHandshakeConfig config;
  config.resume_window = std::chrono::seconds(10);
  ServerHandshake server = f.server(config);
  const SessionAck first = server.on_hello(f.client().hello(), 0, Micros{0}).ack;
  server.on_disconnect(first.session_id, Micros{1'000'000});
  EXPECT_EQ(server.connected_sessions(), 0u);

  ClientHandshakeConfig resume;
  resume.resume_token = first.resume_token;
  ClientHandshake client = f.client(resume);
  const HandshakeOutcome again = server.on_hello(client.hello(), 50, Micros{5'000'000});
  ASSERT_TRUE(again.accepted) << again.reject.text;
  EXPECT_TRUE(again.ack.resumed);
  EXPECT_EQ(again.ack.session_id, first.session_id);
  EXPECT_TRUE(client.on_reply(again.ack).ok());

  server.on_disconnect(first.session_id, Micros{6'000'000});
  const HandshakeOutcome late = server.on_hello(client.hello(), 0, Micros{17'000'000});
  ASSERT_FALSE(late.accepted);
  EXPECT_EQ(late.reject.reason, RejectReason::kResumeInvalid);
}

TEST(Handshake, ResumeTokenIsBoundToTheClientKey) {
  Fixture f;
  ServerHandshake server = f.server();
  const SessionAck first = server.on_hello(f.client().hello(), 0, Micros{0}).ack;
  server.on_disconnect(first.session_id, Micros{1});
  ClientHandshakeConfig thief;
  thief.resume_token = first.resume_token;
  Rng other(5);
  ClientHandshake stranger(thief, Ed25519KeyPair::from_rng(other), Rng(3));
  EXPECT_EQ(server.on_hello(stranger.hello(), 0, Micros{2}).reject.reason,
            RejectReason::kResumeInvalid);
}

TEST(Handshake, FullServersAndBannedKeysAreRefused) {
  Fixture f;
  ServerHandshakeConfig config;
  config.max_sessions = 1;
  ServerHandshake server = f.server(config);
  ASSERT_TRUE(server.on_hello(f.client().hello(), 0, Micros{0}).accepted);
  Rng other(5);
  ClientHandshake second({}, Ed25519KeyPair::from_rng(other), Rng(3));
  EXPECT_EQ(server.on_hello(second.hello(), 0, Micros{0}).reject.reason, RejectReason::kServerFull);
  server.ban(f.client_key.public_key());
  EXPECT_EQ(server.connected_sessions(), 0u);
  EXPECT_EQ(server.on_hello(f.client().hello(), 0, Micros{0}).reject.reason, RejectReason::kBanned);
  EXPECT_TRUE(server.on_hello(second.hello(), 0, Micros{0}).accepted);
}

TEST(Handshake, AllZeroPublicKeyIsRefused) {
  Fixture f;
  ServerHandshake server = f.server();
  SessionHello hello = f.client().hello();
  hello.public_key.fill(0);
  EXPECT_EQ(server.on_hello(hello, 0, Micros{0}).reject.reason, RejectReason::kBadPublicKey);
}

}  // namespace
}  // namespace theta_net::protocol
