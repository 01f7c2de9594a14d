// The session handshake as sans-I/O state machines (docs/protocol.md, "Handshake"): the client
// sends SessionHello on the control lane; the server answers a challenge (ServerHello) or
// SessionReject; the client proves it holds the key its hello announced (SessionProof: a
// signature over both hellos); the server verifies it and answers SessionAck or SessionReject.
// A session's identity is that proven key: bans and resumes rely on it. Neither class touches a
// socket or a clock: they turn messages into messages, given `now` and a seeded Rng, so the same
// inputs always give the same session ids, nonces and tokens.
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

// The oldest minor a server accepts: 1.3 brought the proof of key, and no session goes without.
inline constexpr std::uint16_t kMinimumMinor = 3;
// Both hellos enter the proof transcript encoded at this minor (the one that defined it).
inline constexpr std::uint16_t kProofMinor = 3;

// The bytes the client signs in SessionProof.signature: a label, then the SessionHello body and
// the ServerHello body, each encoded at kProofMinor and preceded by its length (u32 little-endian).
// Errors: those of encode_body (a field beyond its schema limit).
Result<Bytes> proof_transcript(const SessionHello& hello, const ServerHello& challenge);
// The bytes the server signs in SessionAck.signature: the session's terms, both keys, both
// nonces, the schema hash and the client's proof signature.
Bytes handshake_transcript(const SessionHello& hello, const SessionAck& ack,
                           std::uint64_t schema_hash, const SessionProof& proof);

struct ServerHandshakeConfig {
  SchemaIdentity schema;
  std::uint32_t capabilities = kAllCapabilities;  // offered
  std::map<std::string, Role> tokens;             // token -> role; empty = no token needed
  // With tokens configured: false lets a hello without a token in with default_role (an open
  // server whose admins prove themselves with a token); a token it does carry must be known.
  bool tokens_required = true;
  Role default_role = Role::kEditor;  // the role of a hello that needs no token
  std::size_t max_sessions = 256;
  std::uint16_t tick_rate = 20;
  std::string motd;
  Micros resume_window = std::chrono::seconds(60);  // how long a dropped session can be resumed
};

// The role a token gives on a server with this config: the one rule for hellos and for requests
// made another way (HTTP/3 uploads). No token needed (none configured, or a hello without one
// when tokens_required is false): the default role. Else the token's role, or no role and why.
struct TokenRole {
  std::optional<Role> role;
  RejectReason refusal = RejectReason::kAuthRequired;  // without a role: kAuthRequired/Invalid
};
TokenRole role_for_token(const ServerHandshakeConfig& config,
                         const std::optional<std::string>& token);

struct SessionRecord {
  std::uint64_t session_id = 0;
  Role role = Role::kViewer;
  Ed25519PublicKey client_key{};  // proven in the handshake
  ResumeToken resume_token{};
  std::string client_name;
  std::uint16_t minor = 0;
  std::uint32_t capabilities = 0;
  bool connected = false;
  Micros disconnected_at{0};
};

// A key refused in the handshake: until a time on the server's clock, or for good.
struct KeyBan {
  std::optional<Micros> until;  // none: for good
  std::string reason;
};

// What the server keeps of a handshake between its challenge and the client's proof. The
// caller holds it (one per connection) and hands it back with the proof.
struct PendingHandshake {
  SessionHello hello;
  ServerHello challenge;
  Role role = Role::kViewer;  // from the token, or the default
  std::uint16_t minor = 0;    // negotiated
};

// The server's answer to a SessionHello: a challenge, or a refusal.
struct HelloOutcome {
  bool refused = false;
  ServerHello challenge;     // when not refused
  PendingHandshake pending;  // when not refused
  SessionReject reject;      // when refused
};

// The server's answer to a SessionProof: the session, or a refusal.
struct HandshakeOutcome {
  bool accepted = false;
  SessionAck ack;        // when accepted
  SessionReject reject;  // when refused
  SessionRecord session;
};

class ServerHandshake {
 public:
  ServerHandshake(ServerHandshakeConfig config, Ed25519KeyPair server_key, Rng rng);

  // Checks a hello (version, schema, key, ban, token, room) and challenges it. Nothing is
  // recorded until the proof.
  HelloOutcome on_hello(const SessionHello& hello, Micros now);
  // Verifies the client's proof of its key against the challenge, then decides the session
  // (ban and room again, resume). An accepted session is recorded as connected.
  HandshakeOutcome on_proof(const PendingHandshake& pending, const SessionProof& proof,
                            std::uint32_t server_tick, Micros now);
  // The session's connection ended; its resume token stays valid for the resume window.
  void on_disconnect(std::uint64_t session_id, Micros now);
  // Forgets a session: it cannot be resumed (a kick).
  void end_session(std::uint64_t session_id);
  // Gives a session another role; false when there is no such session.
  bool set_role(std::uint64_t session_id, Role role);
  // Refuses this key until `until` (none: for good) and forgets its sessions.
  void ban(const Ed25519PublicKey& key, std::optional<Micros> until = std::nullopt,
           std::string reason = {});
  // The ban on `key` in force at `now`, if any.
  const KeyBan* ban_of(const Ed25519PublicKey& key, Micros now) const;
  // Forgets dropped sessions whose resume window has passed, and bans that ran out.
  void expire(Micros now);

  // Takes over a predecessor's session (host migration): held as dropped at `now`, so its
  // client may resume it with its token (proving its key) within the resume window.
  // Errors: kInvalidArgument (session id 0, or an all-zero key), kState (a session with that id
  // is known here already).
  Status restore_session(SessionRecord record, Micros now);
  // The bans held (some may have run out: expire() forgets those).
  const std::map<Ed25519PublicKey, KeyBan>& bans() const { return banned_; }

  const SessionRecord* session(std::uint64_t session_id) const;
  // Every session known (connected or resumable), by id.
  const std::map<std::uint64_t, SessionRecord>& sessions() const { return sessions_; }
  std::size_t connected_sessions() const;
  const ServerHandshakeConfig& config() const { return config_; }
  const Ed25519KeyPair& key() const { return key_; }

 private:
  SessionReject refusal(const SessionHello& hello, RejectReason reason, std::string text) const;
  HandshakeOutcome refuse(const SessionHello& hello, RejectReason reason, std::string text) const;
  // The reason a hello is refused by the current bans or room, if it is.
  std::optional<SessionReject> refuse_for_ban_or_room(const SessionHello& hello, bool resuming,
                                                      Micros now) const;
  template <std::size_t N>
  std::array<std::uint8_t, N> random_bytes();

  ServerHandshakeConfig config_;
  Ed25519KeyPair key_;
  Rng rng_;
  std::map<std::uint64_t, SessionRecord> sessions_;  // ordered: deterministic iteration
  std::map<Ed25519PublicKey, KeyBan> banned_;
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
  // Answers the server's challenge with the proof of our key. A SessionReject becomes a
  // kRejected error whose message says why and what to do.
  // Errors: kRejected (a SessionReject, or a challenge from a key other than the pinned one),
  // kCorrupt (a reply that is neither ServerHello nor SessionReject, a second challenge), and
  // those of proof_transcript.
  Result<SessionProof> on_challenge(const AnyMessage& reply);
  // Checks the server's answer to the proof.
  // Errors: kRejected (a SessionReject), kCorrupt (a reply that is neither Ack nor Reject, an
  // Ack before the challenge was answered, from another key or with another nonce than the
  // challenge's, with a minor version older than 1.3 or newer than ours, an unrequested
  // capability, or a signature that does not verify).
  Result<SessionAck> on_reply(const AnyMessage& reply) const;

 private:
  ClientHandshakeConfig config_;
  Ed25519KeyPair key_;
  SessionHello hello_;
  std::optional<ServerHello> challenge_;
  SessionProof proof_;
};

// A person-readable account of a SessionReject ("schema_mismatch: ...; server 1.1 0x.., client
// ..").
std::string describe_reject(const SessionReject& reject);

}  // namespace theta_net::protocol
