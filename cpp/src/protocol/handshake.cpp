#include "theta_net/protocol/handshake.hpp"

#include <algorithm>
#include <iomanip>
#include <sstream>

#include "theta_net/core/sha256.hpp"
#include "theta_net/protocol/message_codec.hpp"

namespace theta_net::protocol {
namespace {

constexpr std::string_view kTranscriptLabel = "theta/1 session";
constexpr std::string_view kProofLabel = "theta/1 session proof";

std::string hex64(std::uint64_t v) {
  std::ostringstream out;
  out << "0x" << std::hex << std::setw(16) << std::setfill('0') << v;
  return out.str();
}

bool all_zero(const Ed25519PublicKey& key) {
  return std::all_of(key.begin(), key.end(), [](std::uint8_t b) { return b == 0; });
}

}  // namespace

Result<Bytes> proof_transcript(const SessionHello& hello, const ServerHello& challenge) {
  Bytes hello_body;
  Bytes challenge_body;
  THETA_TRY(encode_body(hello, hello_body, kProofMinor));
  THETA_TRY(encode_body(challenge, challenge_body, kProofMinor));
  Bytes out;
  out.reserve(kProofLabel.size() + 8 + hello_body.size() + challenge_body.size());
  ByteWriter w(out);
  w.bytes(ByteSpan(reinterpret_cast<const std::uint8_t*>(kProofLabel.data()), kProofLabel.size()));
  w.u32le(static_cast<std::uint32_t>(hello_body.size()));
  w.bytes(hello_body);
  w.u32le(static_cast<std::uint32_t>(challenge_body.size()));
  w.bytes(challenge_body);
  return out;
}

Bytes handshake_transcript(const SessionHello& hello, const SessionAck& ack,
                           std::uint64_t schema_hash, const SessionProof& proof) {
  Bytes out;
  // Reserving the exact size up front also keeps GCC 12's -Wstringop-overflow false positive away.
  out.reserve(kTranscriptLabel.size() + 16 + 16 + 8 + 1 + 2 + 4 + 32 + 32 + 8 + 1 + 64);
  ByteWriter w(out);
  w.bytes(ByteSpan(reinterpret_cast<const std::uint8_t*>(kTranscriptLabel.data()),
                   kTranscriptLabel.size()));
  w.bytes(hello.client_nonce);
  w.bytes(ack.server_nonce);
  w.u64le(ack.session_id);
  w.u8(static_cast<std::uint8_t>(ack.role));
  w.u16le(ack.protocol_minor);
  w.u32le(ack.capabilities);
  w.bytes(hello.public_key);
  w.bytes(ack.public_key);
  w.u64le(schema_hash);
  w.u8(ack.resumed ? 1 : 0);
  w.bytes(proof.signature);
  return out;
}

std::string describe_reject(const SessionReject& reject) {
  std::ostringstream out;
  out << enum_name(reject.reason).value_or("unknown_reason") << ": " << reject.text << " (server "
      << reject.server_protocol_major << "." << reject.server_protocol_minor << " schema "
      << hex64(reject.server_schema_hash) << ", client " << reject.client_protocol_major << "."
      << reject.client_protocol_minor << " schema " << hex64(reject.client_schema_hash) << ")";
  return out.str();
}

ServerHandshake::ServerHandshake(ServerHandshakeConfig config, Ed25519KeyPair server_key, Rng rng)
    : config_(std::move(config)), key_(server_key), rng_(rng) {}

template <std::size_t N>
std::array<std::uint8_t, N> ServerHandshake::random_bytes() {
  std::array<std::uint8_t, N> out{};
  for (auto& b : out) b = static_cast<std::uint8_t>(rng_.next_u32());
  return out;
}

SessionReject ServerHandshake::refusal(const SessionHello& hello, RejectReason reason,
                                       std::string text) const {
  SessionReject reject;
  reject.reason = reason;
  reject.text = std::move(text);
  reject.server_protocol_major = config_.schema.major;
  reject.server_protocol_minor = config_.schema.minor;
  reject.client_protocol_major = hello.protocol_major;
  reject.client_protocol_minor = hello.protocol_minor;
  reject.server_schema_hash = config_.schema.hash();
  reject.client_schema_hash = hello.schema_hash;
  return reject;
}

HandshakeOutcome ServerHandshake::refuse(const SessionHello& hello, RejectReason reason,
                                         std::string text) const {
  HandshakeOutcome outcome;
  outcome.reject = refusal(hello, reason, std::move(text));
  return outcome;
}

std::optional<SessionReject> ServerHandshake::refuse_for_ban_or_room(const SessionHello& hello,
                                                                     bool resuming,
                                                                     Micros now) const {
  if (const KeyBan* ban = ban_of(hello.public_key, now)) {
    std::string text = "this client's key is banned from this server ";
    if (ban->until) {
      const auto left = std::chrono::ceil<std::chrono::seconds>(*ban->until - now).count();
      text += str_cat("for another ", left, " s");
    } else {
      text += "for good";
    }
    if (!ban->reason.empty()) text += ": " + ban->reason;
    return refusal(hello, RejectReason::kBanned, std::move(text));
  }
  if (!resuming && connected_sessions() >= config_.max_sessions) {
    return refusal(
        hello, RejectReason::kServerFull,
        str_cat("the server is full (", config_.max_sessions, " sessions); try again later"));
  }
  return std::nullopt;
}

HelloOutcome ServerHandshake::on_hello(const SessionHello& hello, Micros now) {
  HelloOutcome outcome;
  auto refuse_hello = [&](RejectReason reason, std::string text) {
    outcome.refused = true;
    outcome.reject = refusal(hello, reason, std::move(text));
    return outcome;
  };
  const SchemaIdentity& ours = config_.schema;
  if (hello.protocol_major != ours.major) {
    return refuse_hello(
        RejectReason::kProtocolVersion,
        str_cat("the client speaks protocol ", hello.protocol_major, ".x and this server ",
                ours.major, ".x; use a client and server of the same major version"));
  }
  if (hello.protocol_minor < kMinimumMinor) {
    return refuse_hello(
        RejectReason::kProtocolVersion,
        str_cat("the client speaks protocol ", hello.protocol_major, ".", hello.protocol_minor,
                " and this server needs ", ours.major, ".", kMinimumMinor, " or newer (from ",
                ours.major, ".", kMinimumMinor,
                " a client proves it holds the key it announces); upgrade the client"));
  }
  if (hello.schema_hashes.size() != std::size_t{hello.protocol_minor} + 1 ||
      hello.schema_hashes.back() != hello.schema_hash) {
    return refuse_hello(RejectReason::kMalformedHello,
                        str_cat("the hello lists ", hello.schema_hashes.size(),
                                " schema hashes for protocol minor ", hello.protocol_minor,
                                "; it must list one per minor version, ending with schema_hash"));
  }
  const std::uint16_t minor = std::min(hello.protocol_minor, ours.minor);
  const std::uint64_t client_hash = hello.schema_hashes[minor];
  const std::uint64_t server_hash = ours.hash_by_minor.at(minor);
  if (client_hash != server_hash) {
    refuse_hello(RejectReason::kSchemaMismatch,
                 str_cat("at protocol ", ours.major, ".", minor, " the client's schema hash is ",
                         hex64(client_hash), " and the server's is ", hex64(server_hash),
                         ": the two builds disagree on the wire format; build both from the same "
                         "schemas/theta.toml"));
    outcome.reject.client_schema_hash = client_hash;
    outcome.reject.server_schema_hash = server_hash;
    return outcome;
  }
  // An all-zero key is a client that never made one (OpenSSL accepts any 32 bytes as a key).
  if (all_zero(hello.public_key)) {
    return refuse_hello(RejectReason::kBadPublicKey,
                        "the client's Ed25519 public key is all zeros; generate a key pair");
  }
  // A ban is checked here already (a banned key is told at once, before it proves anything);
  // the room again after the proof, when it is decided.
  if (auto refused = refuse_for_ban_or_room(hello, hello.resume_token.has_value(), now)) {
    outcome.refused = true;
    outcome.reject = std::move(*refused);
    return outcome;
  }

  const TokenRole given = role_for_token(config_, hello.auth_token);
  if (!given.role) {
    return refuse_hello(given.refusal,
                        given.refusal == RejectReason::kAuthRequired
                            ? "this server requires an authentication token; pass one with the "
                              "client's token option"
                            : "the authentication token is not one this server accepts; check it "
                              "with the server's operator");
  }
  const Role role = *given.role;

  outcome.challenge.server_nonce = random_bytes<16>();
  outcome.challenge.public_key = key_.public_key();
  outcome.pending.hello = hello;
  outcome.pending.challenge = outcome.challenge;
  outcome.pending.role = role;
  outcome.pending.minor = minor;
  return outcome;
}

HandshakeOutcome ServerHandshake::on_proof(const PendingHandshake& pending,
                                           const SessionProof& proof, std::uint32_t server_tick,
                                           Micros now) {
  const SessionHello& hello = pending.hello;
  Result<Bytes> transcript = proof_transcript(hello, pending.challenge);
  if (!transcript.ok() || !ed25519_verify(hello.public_key, *transcript, proof.signature)) {
    return refuse(hello, RejectReason::kProofInvalid,
                  str_cat("the SessionProof signature does not verify under the public key the "
                          "hello announced (",
                          to_hex(ByteSpan(hello.public_key.data(), 8)),
                          "..): the client must sign the proof transcript (docs/protocol.md) "
                          "with the private half of the key it announces"));
  }

  expire(now);
  SessionRecord* resumed = nullptr;
  if (hello.resume_token) {
    // Only the proven holder of the session's key may take it back.
    for (auto& [id, record] : sessions_) {
      if (record.resume_token == *hello.resume_token && record.client_key == hello.public_key) {
        resumed = &record;
        break;
      }
    }
    if (!resumed) {
      return refuse(hello, RejectReason::kResumeInvalid,
                    "the resume token is unknown, expired or belongs to another key; connect "
                    "without it to start a new session");
    }
  }
  if (auto refused = refuse_for_ban_or_room(hello, resumed != nullptr, now)) {
    HandshakeOutcome outcome;
    outcome.reject = std::move(*refused);
    return outcome;
  }

  HandshakeOutcome outcome;
  outcome.accepted = true;
  SessionRecord record;
  if (resumed) {
    record = *resumed;
  } else {
    do {
      record.session_id = rng_.next_u64();
    } while (record.session_id == 0 || sessions_.count(record.session_id) != 0);
    record.role = pending.role;
    record.client_key = hello.public_key;
    record.resume_token = random_bytes<16>();
  }
  record.client_name = hello.client_name;
  record.minor = pending.minor;
  record.capabilities = hello.capabilities & config_.capabilities;
  record.connected = true;
  record.disconnected_at = Micros{0};
  sessions_[record.session_id] = record;

  SessionAck& ack = outcome.ack;
  ack.session_id = record.session_id;
  ack.role = record.role;
  ack.protocol_minor = pending.minor;
  ack.capabilities = record.capabilities;
  ack.server_nonce = pending.challenge.server_nonce;
  ack.public_key = key_.public_key();
  ack.resume_token = record.resume_token;
  ack.resumed = resumed != nullptr;
  ack.tick_rate = config_.tick_rate;
  ack.server_tick = server_tick;
  ack.motd = config_.motd;
  ack.signature = key_.sign(
      handshake_transcript(hello, ack, config_.schema.hash_by_minor.at(pending.minor), proof));
  outcome.session = record;
  return outcome;
}

void ServerHandshake::on_disconnect(std::uint64_t session_id, Micros now) {
  const auto it = sessions_.find(session_id);
  if (it == sessions_.end()) return;
  it->second.connected = false;
  it->second.disconnected_at = now;
}

void ServerHandshake::end_session(std::uint64_t session_id) {
  sessions_.erase(session_id);
}

bool ServerHandshake::set_role(std::uint64_t session_id, Role role) {
  const auto it = sessions_.find(session_id);
  if (it == sessions_.end()) return false;
  it->second.role = role;
  return true;
}

void ServerHandshake::ban(const Ed25519PublicKey& key, std::optional<Micros> until,
                          std::string reason) {
  banned_[key] = KeyBan{until, std::move(reason)};
  std::erase_if(sessions_, [&](const auto& entry) { return entry.second.client_key == key; });
}

const KeyBan* ServerHandshake::ban_of(const Ed25519PublicKey& key, Micros now) const {
  const auto it = banned_.find(key);
  if (it == banned_.end() || (it->second.until && now >= *it->second.until)) return nullptr;
  return &it->second;
}

void ServerHandshake::expire(Micros now) {
  std::erase_if(sessions_, [&](const auto& entry) {
    const SessionRecord& r = entry.second;
    return !r.connected && now - r.disconnected_at > config_.resume_window;
  });
  std::erase_if(
      banned_, [&](const auto& entry) { return entry.second.until && now >= *entry.second.until; });
}

Status ServerHandshake::restore_session(SessionRecord record, Micros now) {
  if (record.session_id == 0 || all_zero(record.client_key)) {
    return make_error(ErrorCode::kInvalidArgument, "a session needs an id and its client's key");
  }
  if (sessions_.contains(record.session_id)) {
    return make_error(ErrorCode::kState, "session ", record.session_id, " is known already");
  }
  record.connected = false;
  record.disconnected_at = now;
  sessions_.emplace(record.session_id, std::move(record));
  return {};
}

const SessionRecord* ServerHandshake::session(std::uint64_t session_id) const {
  const auto it = sessions_.find(session_id);
  return it == sessions_.end() ? nullptr : &it->second;
}

std::size_t ServerHandshake::connected_sessions() const {
  return static_cast<std::size_t>(
      std::count_if(sessions_.begin(), sessions_.end(),
                    [](const auto& entry) { return entry.second.connected; }));
}

ClientHandshake::ClientHandshake(ClientHandshakeConfig config, Ed25519KeyPair client_key, Rng rng)
    : config_(std::move(config)), key_(client_key) {
  hello_.protocol_major = config_.schema.major;
  hello_.protocol_minor = config_.schema.minor;
  hello_.schema_hash = config_.schema.hash();
  hello_.schema_hashes.assign(config_.schema.hash_by_minor.begin(),
                              config_.schema.hash_by_minor.begin() + config_.schema.minor + 1);
  for (auto& b : hello_.client_nonce) b = static_cast<std::uint8_t>(rng.next_u32());
  hello_.capabilities = config_.capabilities;
  hello_.auth_token = config_.auth_token;
  hello_.public_key = key_.public_key();
  hello_.resume_token = config_.resume_token;
  hello_.client_name = config_.client_name;
}

Result<SessionProof> ClientHandshake::on_challenge(const AnyMessage& reply) {
  if (const auto* reject = std::get_if<SessionReject>(&reply)) {
    return make_error(ErrorCode::kRejected,
                      "the server refused the session: ", describe_reject(*reject));
  }
  const auto* challenge = std::get_if<ServerHello>(&reply);
  if (!challenge) {
    return make_error(ErrorCode::kCorrupt, "expected ServerHello or SessionReject, got ",
                      message_name(type_of(reply)));
  }
  if (challenge_) return make_error(ErrorCode::kCorrupt, "a second ServerHello");
  if (config_.expected_server_key && challenge->public_key != *config_.expected_server_key) {
    return make_error(ErrorCode::kRejected, "the server's Ed25519 key is not the pinned one");
  }
  THETA_TRY_ASSIGN(Bytes transcript, proof_transcript(hello_, *challenge));
  challenge_ = *challenge;
  proof_.signature = key_.sign(transcript);
  return proof_;
}

Result<SessionAck> ClientHandshake::on_reply(const AnyMessage& reply) const {
  if (const auto* reject = std::get_if<SessionReject>(&reply)) {
    return make_error(ErrorCode::kRejected,
                      "the server refused the session: ", describe_reject(*reject));
  }
  const auto* ack = std::get_if<SessionAck>(&reply);
  if (!ack) {
    return make_error(ErrorCode::kCorrupt, "expected SessionAck or SessionReject, got ",
                      message_name(type_of(reply)));
  }
  if (!challenge_) {
    return make_error(ErrorCode::kCorrupt, "a SessionAck before the proof of key was asked for");
  }
  if (ack->protocol_minor < kMinimumMinor || ack->protocol_minor > config_.schema.minor) {
    return make_error(ErrorCode::kCorrupt, "the server chose protocol minor ", ack->protocol_minor,
                      "; this client speaks ", kMinimumMinor, " to ", config_.schema.minor);
  }
  if ((ack->capabilities & ~config_.capabilities) != 0) {
    return make_error(ErrorCode::kCorrupt, "the server granted capabilities ", ack->capabilities,
                      " beyond those requested (", config_.capabilities, ")");
  }
  if (ack->public_key != challenge_->public_key || ack->server_nonce != challenge_->server_nonce) {
    return make_error(ErrorCode::kCorrupt,
                      "the SessionAck names another key or nonce than the server's challenge");
  }
  const std::uint64_t hash = config_.schema.hash_by_minor.at(ack->protocol_minor);
  if (!ed25519_verify(ack->public_key, handshake_transcript(hello_, *ack, hash, proof_),
                      ack->signature)) {
    return make_error(ErrorCode::kCorrupt, "the SessionAck signature does not verify");
  }
  return *ack;
}

TokenRole role_for_token(const ServerHandshakeConfig& config,
                         const std::optional<std::string>& token) {
  if (config.tokens.empty() || (!token && !config.tokens_required)) {
    return {config.default_role, {}};
  }
  if (!token) return {std::nullopt, RejectReason::kAuthRequired};
  const auto it = config.tokens.find(*token);
  if (it == config.tokens.end()) return {std::nullopt, RejectReason::kAuthInvalid};
  return {it->second, {}};
}

}  // namespace theta_net::protocol
