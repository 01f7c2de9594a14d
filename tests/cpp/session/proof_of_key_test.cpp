// The proof of key over SimNet: a client must sign the proof transcript with the key its
// SessionHello announces. One that announces a key it does not hold (someone else's public key,
// or a corrupted signature) is refused with proof_invalid and the reason, and its connection is
// closed; an honest one gets its SessionAck.
#include <gtest/gtest.h>

#include "session_world.hpp"
#include "theta_net/protocol/handshake.hpp"
#include "theta_net/protocol/message_codec.hpp"

namespace theta_net::session {
namespace {

using namespace protocol;
using namespace std::chrono_literals;
using testing::test_key;

// A client that speaks the lanes by hand, so that it can send what a SessionClient never would.
struct HandClient {
  HandClient(transport::SimNet& net, transport::SimEndpoint& server)
      : endpoint(net.add_endpoint("hand")) {
    endpoint.connect(server);
  }
  void pump() {
    endpoint.poll(Nanos{0});
    while (auto e = endpoint.next_event()) {
      if (e->kind == transport::EventKind::kConnected) conn = e->conn;
      if (e->kind == transport::EventKind::kMessage) {
        auto messages = lanes.receive(static_cast<LaneId>(e->lane), e->payload);
        ASSERT_TRUE(messages.ok()) << messages.error().describe();
        for (auto& m : *messages) received.push_back(std::move(m));
      }
      if (e->kind == transport::EventKind::kDisconnected) closed = e->close;
    }
  }
  void send(const AnyMessage& message) {
    ASSERT_TRUE(conn.has_value());
    ASSERT_TRUE(lanes.queue(message).ok());
    lanes.flush(out, *conn);
    while (auto t = out.poll()) ASSERT_TRUE(endpoint.send(t->conn, t->lane, t->bytes).ok());
  }
  template <class M>
  const M* last() const {
    for (auto it = received.rbegin(); it != received.rend(); ++it) {
      if (const auto* m = std::get_if<M>(&*it)) return m;
    }
    return nullptr;
  }

  transport::SimEndpoint& endpoint;
  ConnectionLanes lanes;
  TransmitQueue out;
  std::optional<transport::ConnectionId> conn;
  std::vector<AnyMessage> received;
  std::optional<transport::CloseInfo> closed;
};

struct ProofWorld {
  ProofWorld()
      : net(5),
        server_endpoint(net.add_endpoint("server")),
        host(SessionHostConfig{}, test_key(1), Rng(2)),
        driver(server_endpoint, host),
        hand(net, server_endpoint) {}
  void run(Micros d) {
    for (const Micros end = to_micros(net.now()) + d; to_micros(net.now()) < end;) {
      net.advance_by(5ms);
      driver.step(to_micros(net.now()));
      hand.pump();
    }
  }
  // Says hello announcing `announced`'s key, then answers the challenge with `sign(transcript)`.
  template <class Sign>
  void handshake(const Ed25519KeyPair& announced, Sign&& sign) {
    run(50ms);
    ClientHandshake honest({}, announced, Rng(7));
    hand.send(honest.hello());
    run(100ms);
    const ServerHello* challenge = hand.last<ServerHello>();
    ASSERT_NE(challenge, nullptr) << "the server challenges the hello";
    auto transcript = proof_transcript(honest.hello(), *challenge);
    ASSERT_TRUE(transcript.ok());
    SessionProof proof;
    proof.signature = sign(*transcript);
    hand.send(proof);
    run(100ms);
  }
  void expect_refused_for_the_proof() {
    const SessionReject* reject = hand.last<SessionReject>();
    ASSERT_NE(reject, nullptr);
    EXPECT_EQ(reject->reason, RejectReason::kProofInvalid);
    EXPECT_NE(reject->text.find("does not verify under the public key the hello announced"),
              std::string::npos)
        << reject->text;
    EXPECT_EQ(hand.last<SessionAck>(), nullptr);
    ASSERT_TRUE(hand.closed.has_value()) << "the server closes the connection";
    EXPECT_EQ(hand.closed->code, static_cast<std::uint64_t>(CloseCode::kHandshakeRejected));
    EXPECT_EQ(hand.closed->reason, "proof_invalid");
    EXPECT_EQ(host.counters().accepted, 0u);
    EXPECT_EQ(host.counters().rejected, 1u);
    EXPECT_TRUE(host.handshake().sessions().empty()) << "nothing recorded for it";
  }

  transport::SimNet net;
  transport::SimEndpoint& server_endpoint;
  SessionHost host;
  ServerDriver driver;
  HandClient hand;
};

TEST(ProofOfKey, AClientAnnouncingSomeoneElsesKeyIsRefusedWithTheReason) {
  ProofWorld w;
  const Ed25519KeyPair victim = test_key(50);
  const Ed25519KeyPair own = test_key(51);
  w.handshake(victim, [&](const Bytes& transcript) { return own.sign(transcript); });
  w.expect_refused_for_the_proof();
}

TEST(ProofOfKey, ACorruptedSignatureIsRefusedWithTheReason) {
  ProofWorld w;
  const Ed25519KeyPair own = test_key(51);
  w.handshake(own, [&](const Bytes& transcript) {
    Ed25519Signature signature = own.sign(transcript);
    signature[10] ^= 0x40;
    return signature;
  });
  w.expect_refused_for_the_proof();
}

TEST(ProofOfKey, AnHonestClientIsAcceptedAndItsKeyIsTheSessions) {
  ProofWorld w;
  const Ed25519KeyPair own = test_key(51);
  w.handshake(own, [&](const Bytes& transcript) { return own.sign(transcript); });
  const SessionAck* ack = w.hand.last<SessionAck>();
  ASSERT_NE(ack, nullptr);
  EXPECT_EQ(w.host.counters().accepted, 1u);
  ASSERT_NE(w.host.handshake().session(ack->session_id), nullptr);
  EXPECT_EQ(w.host.handshake().session(ack->session_id)->client_key, own.public_key());
}

TEST(ProofOfKey, AMessageInsteadOfTheProofBreaksTheProtocol) {
  ProofWorld w;
  w.run(50ms);
  ClientHandshake honest({}, test_key(51), Rng(7));
  w.hand.send(honest.hello());
  w.run(100ms);
  Heartbeat ping;
  w.hand.send(ping);
  w.run(100ms);
  ASSERT_TRUE(w.hand.closed.has_value());
  EXPECT_EQ(w.hand.closed->code, static_cast<std::uint64_t>(CloseCode::kProtocolError));
  EXPECT_EQ(w.hand.closed->reason, "expected SessionProof, got Heartbeat");
}

TEST(ProofOfKey, AClientOlderThanTheProofIsToldTheMinimum) {
  testing::RoleWorld w(SessionHostConfig{});
  SessionClientConfig old;
  old.handshake.schema.minor = 2;
  w.clients.push_back(std::make_unique<SessionClient>(old, test_key(60), Rng(61)));
  transport::SimEndpoint& endpoint = w.net.add_endpoint("old");
  endpoint.connect(w.server_endpoint);
  w.drivers.push_back(std::make_unique<ClientDriver>(endpoint, *w.clients.back()));
  w.client_events.emplace_back();
  w.run(300ms);
  EXPECT_EQ(w.client(0).state(), SessionState::kRejected);
  ASSERT_FALSE(w.client_events[0].empty());
  const std::string& detail = w.client_events[0].front().detail;
  EXPECT_NE(detail.find("protocol_version: the client speaks protocol 1.2 and this server needs "
                        "1.3 or newer"),
            std::string::npos)
      << detail;
}

}  // namespace
}  // namespace theta_net::session
