// The session handshake as sans-I/O state machines (docs/protocol.md, "Handshake"): the client
// sends SessionHello on the control lane; the server answers SessionAck or SessionReject. Neither
// class touches a socket or a clock: they turn messages into messages, given `now` and a seeded
// Rng, so the same inputs always give the same session ids, nonces and tokens.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "theta_net/core/ed25519.hpp"
#include "theta_net/core/result.hpp"
#include "theta_net/core/rng.hpp"
#include "theta_net/core/time.hpp"
#include "theta_net/protocol/messages.hpp"

namespace theta_net::protocol {

using Nonce = std::array<std::uint8_t, 16>;
using ResumeToken = std::array<std::uint8_t, 16>;

// What a peer's build speaks: its protocol version and its schema hash at every minor version.
struct SchemaIdentity {
  std::uint16_t major = kProtocolMajor;
  std::uint16_t minor = kProtocolMinor;
  std::vector<std::uint64_t> hash_by_minor{kSchemaHashByMinor.begin(), kSchemaHashByMinor.end()};

  std::uint64_t hash() const { return hash_by_minor.at(minor); }
};

inline constexpr std::uint32_t kAllCapabilities = 0xff;

// The bytes the server signs in SessionAck.signature.
Bytes handshake_transcript(const SessionHello& hello, const SessionAck& ack,
                           std::uint64_t schema_hash);

struct ServerHandshakeConfig {
  SchemaIdentity schema;
  std::uint32_t capabilities = kAllCapabilities;  // offered
  std::map<std::string, Role> tokens;             // token -> role; empty = no token needed
  Role default_role = Role::kEditor;              // the role when no tokens are configured
  std::size_t max_sessions = 256;
  std::uint16_t tick_rate = 20;
  std::string motd;
  Micros resume_window = std::chrono::seconds(60);  // how long a dropped session can be resumed
};

struct SessionRecord {
  std::uint64_t session_id = 0;
  Role role = Role::kViewer;
  Ed25519PublicKey client_key{};
  ResumeToken resume_token{};
  std::string client_name;
  std::uint16_t minor = 0;
  std::uint32_t capabilities = 0;
  bool connected = false;
  Micros disconnected_at{0};
};

struct HandshakeOutcome {
  bool accepted = false;
  SessionAck ack;        // when accepted
  SessionReject reject;  // when refused
  SessionRecord session;
};

class ServerHandshake {
 public:
  ServerHandshake(ServerHandshakeConfig config, Ed25519KeyPair server_key, Rng rng);

  // Decides on a hello. An accepted session is recorded as connected.
  HandshakeOutcome on_hello(const SessionHello& hello, std::uint32_t server_tick, Micros now);
  // The session's connection ended; its resume token stays valid for the resume window.
  void on_disconnect(std::uint64_t session_id, Micros now);
  // Refuses this key from now on.
  void ban(const Ed25519PublicKey& key);
  // Forgets dropped sessions whose resume window has passed.
  void expire(Micros now);

  const SessionRecord* session(std::uint64_t session_id) const;
  std::size_t connected_sessions() const;
  const ServerHandshakeConfig& config() const { return config_; }
  const Ed25519KeyPair& key() const { return key_; }

 private:
  HandshakeOutcome refuse(const SessionHello& hello, RejectReason reason, std::string text) const;
  template <std::size_t N>
  std::array<std::uint8_t, N> random_bytes();

  ServerHandshakeConfig config_;
  Ed25519KeyPair key_;
  Rng rng_;
  std::map<std::uint64_t, SessionRecord> sessions_;  // ordered: deterministic iteration
  std::vector<Ed25519PublicKey> banned_;
};

struct ClientHandshakeConfig {
  SchemaIdentity schema;
  std::uint32_t capabilities = kAllCapabilities;  // requested
  std::optional<std::string> auth_token;
  std::optional<ResumeToken> resume_token;
  std::string client_name;
  std::optional<Ed25519PublicKey> expected_server_key;  // pin the server's identity
};

class ClientHandshake {
 public:
  ClientHandshake(ClientHandshakeConfig config, Ed25519KeyPair client_key, Rng rng);

  const SessionHello& hello() const { return hello_; }
  // Checks the server's reply. A SessionReject becomes a kRejected error whose message says why
  // and what to do.
  // Errors: kRejected (a SessionReject, or an Ack from a key other than the pinned one),
  // kCorrupt (a reply that is neither Ack nor Reject, or an Ack with a minor version newer than
  // ours, an unrequested capability or a signature that does not verify).
  Result<SessionAck> on_reply(const AnyMessage& reply) const;

 private:
  ClientHandshakeConfig config_;
  Ed25519KeyPair key_;
  SessionHello hello_;
};

// A person-readable account of a SessionReject ("schema_mismatch: ...; server 1.1 0x.., client
// ..").
std::string describe_reject(const SessionReject& reject);

}  // namespace theta_net::protocol
