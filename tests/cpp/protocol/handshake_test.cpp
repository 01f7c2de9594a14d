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

// The whole handshake: hello, challenge, proof, then the server's decision (a refusal of the
// hello comes back as the outcome's reject).
HandshakeOutcome handshake(ServerHandshake& server, ClientHandshake& client,
                           std::uint32_t server_tick = 0, Micros now = Micros{0}) {
  const HelloOutcome hello = server.on_hello(client.hello(), now);
  if (hello.refused) {
    HandshakeOutcome refused;
    refused.reject = hello.reject;
    return refused;
  }
  auto proof = client.on_challenge(hello.challenge);
  EXPECT_TRUE(proof.ok()) << proof.error().describe();
  if (!proof.ok()) return {};
  return server.on_proof(hello.pending, *proof, server_tick, now);
}

HandshakeOutcome handshake(ServerHandshake& server, ClientHandshake&& client,
                           std::uint32_t server_tick = 0, Micros now = Micros{0}) {
  return handshake(server, client, server_tick, now);
}

TEST(Handshake, AcceptsAMatchingClientAndTheClientVerifiesTheAck) {
  Fixture f;
  ServerHandshake server = f.server();
  ClientHandshake client = f.client();
  const HandshakeOutcome outcome = handshake(server, client, 100);
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
    ASSERT_TRUE(encode_body(handshake(server, f.client(), 1).ack, a).ok());
  }
  {
    ServerHandshake server = f.server();
    ASSERT_TRUE(encode_body(handshake(server, f.client(), 1).ack, b).ok());
  }
  EXPECT_EQ(a, b);
}

TEST(Handshake, MajorVersionMismatchIsRejectedWithBothVersions) {
  Fixture f;
  ServerHandshake server = f.server();
  ClientHandshakeConfig config;
  config.schema.major = 2;
  ClientHandshake client = f.client(config);
  const HandshakeOutcome outcome = handshake(server, client);
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

TEST(Handshake, ClientsOlderThanTheProofOfKeyAreRefusedNamingTheMinimum) {
  Fixture f;
  ServerHandshake server = f.server();
  for (std::uint16_t minor = 0; minor < kMinimumMinor; ++minor) {
    ClientHandshakeConfig config;
    config.schema.minor = minor;  // a 1.0 .. 1.2 client: it would never prove its key
    const HelloOutcome outcome = server.on_hello(f.client(config).hello(), Micros{0});
    ASSERT_TRUE(outcome.refused);
    EXPECT_EQ(outcome.reject.reason, RejectReason::kProtocolVersion);
    EXPECT_NE(outcome.reject.text.find("needs 1.3 or newer"), std::string::npos)
        << outcome.reject.text;
  }
  EXPECT_EQ(server.connected_sessions(), 0u);
}

TEST(Handshake, MinorVersionsNegotiateDownToTheOlderPeer) {
  Fixture f;
  ServerHandshake server = f.server();
  // A newer client (one minor above ours) whose schema agrees with ours at our minor negotiates
  // our minor.
  ClientHandshakeConfig newer;
  newer.schema.minor = kProtocolMinor + 1;
  newer.schema.hash_by_minor.push_back(0x1234);
  const HandshakeOutcome up = handshake(server, f.client(newer));
  ASSERT_TRUE(up.accepted) << up.reject.text;
  EXPECT_EQ(up.ack.protocol_minor, kProtocolMinor);
}

TEST(Handshake, SchemaMismatchNamesBothHashes) {
  Fixture f;
  ServerHandshake server = f.server();
  ClientHandshakeConfig config;
  config.schema.hash_by_minor.back() ^= 0xff;
  const HandshakeOutcome outcome = handshake(server, f.client(config));
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
  EXPECT_EQ(server.on_hello(hello, Micros{0}).reject.reason, RejectReason::kMalformedHello);
}

TEST(Handshake, TokensDecideAccessAndRole) {
  Fixture f;
  ServerHandshakeConfig config;
  config.tokens = {
      {"let-me-build", Role::kEditor}, {"root", Role::kAdmin}, {"look", Role::kViewer}};
  ServerHandshake server = f.server(config);
  EXPECT_EQ(handshake(server, f.client()).reject.reason, RejectReason::kAuthRequired);
  ClientHandshakeConfig wrong;
  wrong.auth_token = "guess";
  EXPECT_EQ(handshake(server, f.client(wrong)).reject.reason, RejectReason::kAuthInvalid);
  ClientHandshakeConfig admin;
  admin.auth_token = "root";
  const HandshakeOutcome outcome = handshake(server, f.client(admin));
  ASSERT_TRUE(outcome.accepted);
  EXPECT_EQ(outcome.ack.role, Role::kAdmin);
}

TEST(Handshake, AnOpenServerLetsTokenlessHellosInAndStillRefusesUnknownTokens) {
  Fixture f;
  ServerHandshakeConfig config;
  config.tokens = {{"root", Role::kAdmin}};
  config.tokens_required = false;
  config.default_role = Role::kPlayer;
  ServerHandshake server = f.server(config);
  const HandshakeOutcome open = handshake(server, f.client());
  ASSERT_TRUE(open.accepted);
  EXPECT_EQ(open.ack.role, Role::kPlayer);
  ClientHandshakeConfig wrong;
  wrong.auth_token = "guess";
  EXPECT_EQ(handshake(server, f.client(wrong)).reject.reason, RejectReason::kAuthInvalid);
  ClientHandshakeConfig admin;
  admin.auth_token = "root";
  const HandshakeOutcome outcome = handshake(server, f.client(admin));
  ASSERT_TRUE(outcome.accepted);
  EXPECT_EQ(outcome.ack.role, Role::kAdmin);
}

TEST(Handshake, ClientRejectsATamperedOrUnpinnedAck) {
  Fixture f;
  ServerHandshake server = f.server();
  ClientHandshake client = f.client();
  SessionAck ack = handshake(server, client).ack;
  SessionAck tampered = ack;
  tampered.role = Role::kAdmin;
  auto r = client.on_reply(tampered);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "the SessionAck signature does not verify");

  // The pin is checked on the challenge, before the client signs anything for that server.
  ClientHandshakeConfig pinned;
  Rng other(99);
  pinned.expected_server_key = Ed25519KeyPair::from_rng(other).public_key();
  ClientHandshake wrong_pin = f.client(pinned);
  EXPECT_EQ(
      wrong_pin.on_challenge(server.on_hello(wrong_pin.hello(), Micros{0}).challenge).error().code,
      ErrorCode::kRejected);
  pinned.expected_server_key = f.server_key.public_key();
  ClientHandshake pinned_client = f.client(pinned);
  EXPECT_TRUE(pinned_client.on_reply(handshake(server, pinned_client).ack).ok());

  ClientHandshakeConfig modest;
  modest.capabilities = capabilities_bits::kDatagrams;
  ClientHandshake modest_client = f.client(modest);
  SessionAck greedy = handshake(server, modest_client).ack;
  greedy.capabilities |= capabilities_bits::kCompression;
  EXPECT_EQ(modest_client.on_reply(greedy).error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(client.on_reply(Heartbeat{}).error().code, ErrorCode::kCorrupt);
  // An ack before any challenge was answered is not one this client can check.
  EXPECT_EQ(f.client().on_reply(ack).error().code, ErrorCode::kCorrupt);
}

TEST(Handshake, CapabilitiesAreTheIntersection) {
  Fixture f;
  ServerHandshakeConfig config;
  config.capabilities = capabilities_bits::kDatagrams | capabilities_bits::kChunkLane;
  ServerHandshake server = f.server(config);
  ClientHandshakeConfig request;
  request.capabilities = capabilities_bits::kCompression | capabilities_bits::kDatagrams;
  ClientHandshake client = f.client(request);
  const HandshakeOutcome outcome = handshake(server, client);
  ASSERT_TRUE(outcome.accepted);
  EXPECT_EQ(outcome.ack.capabilities, capabilities_bits::kDatagrams);
  EXPECT_TRUE(client.on_reply(outcome.ack).ok());
}

TEST(Handshake, DroppedSessionsResumeWithinTheWindow) {
  Fixture f;
  ServerHandshakeConfig config;
  config.resume_window = std::chrono::seconds(10);
  ServerHandshake server = f.server(config);
  const SessionAck first = handshake(server, f.client()).ack;
  server.on_disconnect(first.session_id, Micros{1'000'000});
  EXPECT_EQ(server.connected_sessions(), 0u);

  ClientHandshakeConfig resume;
  resume.resume_token = first.resume_token;
  ClientHandshake client = f.client(resume);
  const HandshakeOutcome again = handshake(server, client, 50, Micros{5'000'000});
  ASSERT_TRUE(again.accepted) << again.reject.text;
  EXPECT_TRUE(again.ack.resumed);
  EXPECT_EQ(again.ack.session_id, first.session_id);
  EXPECT_TRUE(client.on_reply(again.ack).ok());

  server.on_disconnect(first.session_id, Micros{6'000'000});
  const HandshakeOutcome late = handshake(server, f.client(resume), 0, Micros{17'000'000});
  ASSERT_FALSE(late.accepted);
  EXPECT_EQ(late.reject.reason, RejectReason::kResumeInvalid);
}

TEST(Handshake, ResumeTokenIsBoundToTheClientKey) {
  Fixture f;
  ServerHandshake server = f.server();
  const SessionAck first = handshake(server, f.client()).ack;
  server.on_disconnect(first.session_id, Micros{1});
  ClientHandshakeConfig thief;
  thief.resume_token = first.resume_token;
  Rng other(5);
  ClientHandshake stranger(thief, Ed25519KeyPair::from_rng(other), Rng(3));
  EXPECT_EQ(handshake(server, stranger, 0, Micros{2}).reject.reason, RejectReason::kResumeInvalid);
}

TEST(Handshake, FullServersAndBannedKeysAreRefused) {
  Fixture f;
  ServerHandshakeConfig config;
  config.max_sessions = 1;
  ServerHandshake server = f.server(config);
  ASSERT_TRUE(handshake(server, f.client()).accepted);
  Rng other(5);
  const Ed25519KeyPair second_key = Ed25519KeyPair::from_rng(other);
  EXPECT_EQ(handshake(server, ClientHandshake({}, second_key, Rng(3))).reject.reason,
            RejectReason::kServerFull);
  server.ban(f.client_key.public_key());
  EXPECT_EQ(server.connected_sessions(), 0u);
  EXPECT_EQ(handshake(server, f.client()).reject.reason, RejectReason::kBanned);
  EXPECT_TRUE(handshake(server, ClientHandshake({}, second_key, Rng(3))).accepted);
}

TEST(Handshake, AllZeroPublicKeyIsRefused) {
  Fixture f;
  ServerHandshake server = f.server();
  SessionHello hello = f.client().hello();
  hello.public_key.fill(0);
  EXPECT_EQ(server.on_hello(hello, Micros{0}).reject.reason, RejectReason::kBadPublicKey);
}

TEST(Handshake, AClientThatCannotSignWithTheKeyItAnnouncesIsRefused) {
  Fixture f;
  ServerHandshake server = f.server();
  // The hello announces someone else's public key; the client holds only its own key pair.
  Rng other(77);
  const Ed25519KeyPair victim = Ed25519KeyPair::from_rng(other);
  ClientHandshake impostor_view({}, victim, Rng(7));
  const HelloOutcome hello = server.on_hello(impostor_view.hello(), Micros{0});
  ASSERT_FALSE(hello.refused) << hello.reject.text;
  auto transcript = proof_transcript(impostor_view.hello(), hello.challenge);
  ASSERT_TRUE(transcript.ok());
  SessionProof forged;
  forged.signature = f.client_key.sign(*transcript);  // the wrong private key
  const HandshakeOutcome outcome = server.on_proof(hello.pending, forged, 0, Micros{0});
  ASSERT_FALSE(outcome.accepted);
  EXPECT_EQ(outcome.reject.reason, RejectReason::kProofInvalid);
  EXPECT_NE(outcome.reject.text.find("does not verify under the public key the hello announced"),
            std::string::npos)
      << outcome.reject.text;
  EXPECT_EQ(server.connected_sessions(), 0u);
  EXPECT_TRUE(server.sessions().empty());
}

TEST(Handshake, ACorruptedProofIsRefusedAndAGoodOneAccepted) {
  Fixture f;
  ServerHandshake server = f.server();
  ClientHandshake client = f.client();
  const HelloOutcome hello = server.on_hello(client.hello(), Micros{0});
  ASSERT_FALSE(hello.refused);
  auto proof = client.on_challenge(hello.challenge);
  ASSERT_TRUE(proof.ok()) << proof.error().describe();
  for (std::size_t byte : {std::size_t{0}, std::size_t{31}, std::size_t{63}}) {
    SessionProof corrupted = *proof;
    corrupted.signature[byte] ^= 0x01;
    const HandshakeOutcome refused = server.on_proof(hello.pending, corrupted, 0, Micros{0});
    EXPECT_FALSE(refused.accepted);
    EXPECT_EQ(refused.reject.reason, RejectReason::kProofInvalid);
  }
  const HandshakeOutcome accepted = server.on_proof(hello.pending, *proof, 0, Micros{0});
  ASSERT_TRUE(accepted.accepted) << accepted.reject.text;
  EXPECT_EQ(accepted.ack.server_nonce, hello.challenge.server_nonce);
  EXPECT_TRUE(client.on_reply(accepted.ack).ok());
}

TEST(Handshake, AProofOfAnotherChallengeIsRefused) {
  Fixture f;
  ServerHandshake server = f.server();
  ClientHandshake client = f.client();
  const HelloOutcome first = server.on_hello(client.hello(), Micros{0});
  auto proof = client.on_challenge(first.challenge);
  ASSERT_TRUE(proof.ok());
  // The same hello again gets a fresh nonce: the old proof does not answer it.
  const HelloOutcome second = server.on_hello(client.hello(), Micros{0});
  ASSERT_NE(first.challenge.server_nonce, second.challenge.server_nonce);
  EXPECT_EQ(server.on_proof(second.pending, *proof, 0, Micros{0}).reject.reason,
            RejectReason::kProofInvalid);
}

TEST(Handshake, TheProofTranscriptHoldsBothHellosAfterItsLabel) {
  Fixture f;
  ClientHandshake client = f.client();
  ServerHello challenge;
  challenge.server_nonce.fill(7);
  challenge.public_key = f.server_key.public_key();
  auto transcript = proof_transcript(client.hello(), challenge);
  ASSERT_TRUE(transcript.ok());
  Bytes hello_body;
  Bytes challenge_body;
  ASSERT_TRUE(encode_body(client.hello(), hello_body, kProofMinor).ok());
  ASSERT_TRUE(encode_body(challenge, challenge_body, kProofMinor).ok());
  const std::string label = "theta/1 session proof";
  ASSERT_EQ(transcript->size(), label.size() + 4 + hello_body.size() + 4 + challenge_body.size());
  EXPECT_EQ(std::string(transcript->begin(), transcript->begin() + label.size()), label);
  EXPECT_TRUE(
      std::equal(hello_body.begin(), hello_body.end(), transcript->begin() + label.size() + 4));
  EXPECT_TRUE(std::equal(challenge_body.begin(), challenge_body.end(),
                         transcript->end() - challenge_body.size()));
  ServerHello other = challenge;
  other.server_nonce[0] ^= 1;
  EXPECT_NE(*proof_transcript(client.hello(), other), *transcript);
}

TEST(Handshake, BansLastTheirTimeOrForGoodAndSayWhy) {
  Fixture f;
  ServerHandshake server = f.server();
  server.ban(f.client_key.public_key(), Micros{10'000'000}, "griefing");
  const HelloOutcome during = server.on_hello(f.client().hello(), Micros{4'000'000});
  ASSERT_TRUE(during.refused);
  EXPECT_EQ(during.reject.reason, RejectReason::kBanned);
  EXPECT_NE(during.reject.text.find("for another 6 s: griefing"), std::string::npos)
      << during.reject.text;
  EXPECT_TRUE(handshake(server, f.client(), 0, Micros{10'000'000}).accepted);

  server.ban(f.client_key.public_key(), std::nullopt, "cheating");
  const HelloOutcome forever = server.on_hello(f.client().hello(), Micros{1'000'000'000'000});
  ASSERT_TRUE(forever.refused);
  EXPECT_NE(forever.reject.text.find("for good: cheating"), std::string::npos)
      << forever.reject.text;
  // A new key is a new identity.
  Rng other(8);
  EXPECT_TRUE(
      handshake(server, ClientHandshake({}, Ed25519KeyPair::from_rng(other), Rng(9))).accepted);
}

TEST(Handshake, ABanBetweenHelloAndProofHolds) {
  Fixture f;
  ServerHandshake server = f.server();
  ClientHandshake client = f.client();
  const HelloOutcome hello = server.on_hello(client.hello(), Micros{0});
  auto proof = client.on_challenge(hello.challenge);
  ASSERT_TRUE(proof.ok());
  server.ban(f.client_key.public_key());
  EXPECT_EQ(server.on_proof(hello.pending, *proof, 0, Micros{0}).reject.reason,
            RejectReason::kBanned);
}

TEST(Handshake, RolesChangeAndKickedSessionsCannotResume) {
  Fixture f;
  ServerHandshake server = f.server();
  const SessionAck ack = handshake(server, f.client()).ack;
  EXPECT_TRUE(server.set_role(ack.session_id, Role::kViewer));
  EXPECT_EQ(server.session(ack.session_id)->role, Role::kViewer);
  EXPECT_FALSE(server.set_role(ack.session_id + 1, Role::kViewer));
  server.end_session(ack.session_id);
  ClientHandshakeConfig resume;
  resume.resume_token = ack.resume_token;
  EXPECT_EQ(handshake(server, f.client(resume)).reject.reason, RejectReason::kResumeInvalid);
}

}  // namespace
}  // namespace theta_net::protocol
