// Fuzzes the two signatures a session's identity rests on (docs/protocol.md, "Handshake" and
// "Session control"): the handshake's proof of key, and an admin's SessionControl. The input's
// first byte picks the part; the rest drives it.
//   proof    a client's SessionHello (its own, one decoded from the bytes, or its own with a
//            field changed) goes to a ServerHandshake; a challenge is answered by a proof that is
//            honest, decoded from the bytes, honest with a bit flipped, or signed by another key.
//            An accepted session must hold a proof that verifies under the announced key over
//            the transcript of both hellos; an honest proof of an unchanged hello is accepted,
//            a flipped or foreign one refused; every refusal is a SessionReject with a text.
//            The client's side then reads a reply decoded from the bytes.
//   control  a program of SessionControls to a SessionControlDesk from an admin session: bodies
//            decoded from the bytes, controls signed by the admin and then changed (a field or
//            the signature), controls from a session that is no admin, and bare verifications
//            under keys from the bytes. An accepted control must verify under the admin's key
//            with the admin's next sequence; a changed one is refused; every refusal has a text.
// Nothing may crash, whatever comes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include "fuzz_program.hpp"
#include "theta_net/core/ed25519.hpp"
#include "theta_net/core/rng.hpp"
#include "theta_net/protocol/control_signature.hpp"
#include "theta_net/protocol/handshake.hpp"
#include "theta_net/protocol/message_codec.hpp"
#include "theta_net/session/session_control.hpp"

namespace {

using namespace theta_net;
using namespace theta_net::protocol;
using fuzzing::Input;

void require(bool condition) {
  if (!condition) std::abort();
}

template <class M>
std::optional<M> decoded(Input& in) {
  const ByteSpan body = in.bytes(in.number());
  Result<M> m = decode_body<M>(body);
  if (!m.ok()) {
    require(!m.error().message.empty());  // refusals are typed and say why
    return std::nullopt;
  }
  return *m;
}

void flip_bit(std::uint8_t* data, std::size_t size, Input& in) {
  const std::uint64_t bit = in.number() % (size * 8);
  data[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
}

const Ed25519KeyPair& key(std::uint64_t n) {
  static const Ed25519KeyPair keys[3] = {[] {
                                           Rng r(1);
                                           return Ed25519KeyPair::from_rng(r);
                                         }(),
                                         [] {
                                           Rng r(2);
                                           return Ed25519KeyPair::from_rng(r);
                                         }(),
                                         [] {
                                           Rng r(3);
                                           return Ed25519KeyPair::from_rng(r);
                                         }()};
  return keys[n % 3];
}

void fuzz_proof(Input& in) {
  ServerHandshake server({}, key(0), Rng(11));
  ClientHandshakeConfig client_config;
  client_config.client_name = "fuzz";
  ClientHandshake client(client_config, key(1), Rng(12));

  SessionHello hello = client.hello();
  bool honest_hello = true;
  switch (in.byte() % 4) {
    case 1:
      if (auto h = decoded<SessionHello>(in)) {
        honest_hello = *h == client.hello();
        hello = std::move(*h);
      }
      break;
    case 2:
      flip_bit(hello.public_key.data(), hello.public_key.size(), in);
      honest_hello = false;
      break;
    case 3:
      flip_bit(hello.client_nonce.data(), hello.client_nonce.size(), in);
      {
        const ByteSpan name = in.bytes(8);
        hello.client_name.assign(reinterpret_cast<const char*>(name.data()), name.size());
      }
      honest_hello = false;
      break;
    default:
      break;
  }
  const Micros now{1'000'000};
  const HelloOutcome hello_outcome = server.on_hello(hello, now);
  if (hello_outcome.refused) {
    require(!hello_outcome.reject.text.empty());
    return;
  }

  SessionProof proof;
  const auto how = in.byte() % 4;
  if (how == 1) {
    if (auto p = decoded<SessionProof>(in)) proof = *p;
  } else {
    Result<SessionProof> honest = client.on_challenge(AnyMessage{hello_outcome.challenge});
    if (!honest.ok()) return;  // the client refuses a challenge it cannot answer
    proof = *honest;
    if (how == 2) flip_bit(proof.signature.data(), proof.signature.size(), in);
    if (how == 3) {
      const Result<Bytes> transcript = proof_transcript(hello, hello_outcome.challenge);
      if (!transcript.ok()) return;
      proof.signature = key(2).sign(*transcript);
    }
  }
  const HandshakeOutcome outcome = server.on_proof(hello_outcome.pending, proof, 0, now);
  if (outcome.accepted) {
    const Result<Bytes> transcript = proof_transcript(hello, hello_outcome.challenge);
    require(transcript.ok());
    require(ed25519_verify(hello.public_key, *transcript, proof.signature));
    require(outcome.session.client_key == hello.public_key);
  } else {
    require(!outcome.reject.text.empty());
  }
  if (honest_hello && how == 0) require(outcome.accepted);
  if (how == 2 || how == 3) require(!outcome.accepted);

  // The client reads whatever reply comes.
  if (auto reply = decoded<SessionReject>(in)) (void)client.on_reply(AnyMessage{*reply});
  if (outcome.accepted) (void)client.on_reply(AnyMessage{outcome.ack});
}

// A server with one session (the target), from an honest handshake.
ServerHandshake server_with_a_session(std::uint64_t& target) {
  ServerHandshake server({}, key(0), Rng(21));
  ClientHandshake client({}, key(1), Rng(22));
  const HelloOutcome h = server.on_hello(client.hello(), Micros{0});
  require(!h.refused);
  Result<SessionProof> proof = client.on_challenge(AnyMessage{h.challenge});
  require(proof.ok());
  const HandshakeOutcome o = server.on_proof(h.pending, *proof, 0, Micros{0});
  require(o.accepted);
  target = o.session.session_id;
  return server;
}

void fuzz_control(Input& in) {
  std::uint64_t target = 0;
  const ServerHandshake sessions = server_with_a_session(target);
  session::SessionControlDesk desk;
  SessionRecord admin;
  admin.role = Role::kAdmin;
  admin.client_key = key(2).public_key();
  admin.session_id = 99;

  for (int step = 0; step < 64 && !in.done(); ++step) {
    const std::uint64_t before = desk.last_sequence(admin.client_key);
    switch (in.byte() % 4) {
      case 0: {  // a body from the bytes
        const std::optional<SessionControl> control = decoded<SessionControl>(in);
        if (!control) break;
        const session::ControlDecision d = desk.check(*control, admin, sessions);
        if (d.accepted) {
          require(verify_session_control(*control, admin.client_key));
          require(control->sequence == before + 1);
        }
        require(!d.text.empty());
        break;
      }
      case 1: {  // signed by the admin, sent through the codec, perhaps changed
        const auto action = static_cast<ControlAction>(in.byte() % 4);
        const std::uint64_t to = in.byte() % 2 ? target : in.number();
        const std::uint64_t sequence = in.byte() % 4 ? before + 1 : in.number();
        const std::optional<Role> role =
            in.byte() % 2 ? std::optional<Role>(static_cast<Role>(in.byte() % 5)) : std::nullopt;
        const ByteSpan reason = in.bytes(in.byte() % 24);
        SessionControl control = signed_session_control(
            key(2), action, to, sequence, role,
            std::string(reinterpret_cast<const char*>(reason.data()), reason.size()),
            static_cast<std::uint32_t>(in.number()));
        Bytes body;
        if (!encode_body(control, body).ok()) break;  // a field past its bound: never sent
        Result<SessionControl> back = decode_body<SessionControl>(body);
        require(back.ok() && *back == control);
        const auto change = in.byte() % 6;
        switch (change) {
          case 1:
            control.target ^= 1;
            break;
          case 2:
            control.sequence += 1;
            break;
          case 3:
            control.reason += "!";
            break;
          case 4:
            flip_bit(control.signature->data(), control.signature->size(), in);
            break;
          case 5:
            control.signature.reset();
            break;
          default:
            break;
        }
        const session::ControlDecision d = desk.check(control, admin, sessions);
        require(!d.text.empty());
        if (change != 0) require(!d.accepted);
        if (d.accepted) require(control.sequence == before + 1);
        break;
      }
      case 2: {  // a session that is no admin, signing properly
        SessionRecord other = admin;
        other.role = static_cast<Role>(in.byte() % 5);
        if (other.role == Role::kAdmin) other.role = Role::kViewer;
        const SessionControl control =
            signed_session_control(key(2), ControlAction::kKick, target, before + 1);
        const session::ControlDecision d = desk.check(control, other, sessions);
        require(!d.accepted && !d.text.empty());
        require(desk.last_sequence(admin.client_key) == before);
        break;
      }
      default: {  // bare verification under a key from the bytes
        const std::optional<SessionControl> control = decoded<SessionControl>(in);
        if (!control) break;
        Ed25519PublicKey k{};
        const ByteSpan raw = in.bytes(k.size());
        std::copy(raw.begin(), raw.end(), k.begin());
        (void)verify_session_control(*control, k);
        break;
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in(data, size);
  if (in.byte() % 2 == 0) {
    fuzz_proof(in);
  } else {
    fuzz_control(in);
  }
  return 0;
}
