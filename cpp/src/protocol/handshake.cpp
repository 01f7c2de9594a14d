#include "theta_net/protocol/handshake.hpp"

#include <algorithm>
#include <iomanip>
#include <sstream>

#include "theta_net/protocol/message_codec.hpp"

namespace theta_net::protocol {
namespace {

constexpr std::string_view kTranscriptLabel = "theta/1 session";

std::string hex64(std::uint64_t v) {
  std::ostringstream out;
  out << "0x" << std::hex << std::setw(16) << std::setfill('0') << v;
  return out.str();
}

bool all_zero(const Ed25519PublicKey& key) {
  return std::all_of(key.begin(), key.end(), [](std::uint8_t b) { return b == 0; });
}

}  // namespace

Bytes handshake_transcript(const SessionHello& hello, const SessionAck& ack,
                           std::uint64_t schema_hash) {
  Bytes out;
  // Reserving the exact size up front also keeps GCC 12's -Wstringop-overflow false positive away.
  out.reserve(kTranscriptLabel.size() + 16 + 16 + 8 + 1 + 2 + 4 + 32 + 32 + 8 + 1);
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

HandshakeOutcome ServerHandshake::refuse(const SessionHello& hello, RejectReason reason,
                                         std::string text) const {
  HandshakeOutcome outcome;
  outcome.reject.reason = reason;
  outcome.reject.text = std::move(text);
  outcome.reject.server_protocol_major = config_.schema.major;
  outcome.reject.server_protocol_minor = config_.schema.minor;
  outcome.reject.client_protocol_major = hello.protocol_major;
  outcome.reject.client_protocol_minor = hello.protocol_minor;
  outcome.reject.server_schema_hash = config_.schema.hash();
  outcome.reject.client_schema_hash = hello.schema_hash;
  return outcome;
}

HandshakeOutcome ServerHandshake::on_hello(const SessionHello& hello, std::uint32_t server_tick,
                                           Micros now) {
  const SchemaIdentity& ours = config_.schema;
  if (hello.protocol_major != ours.major) {
    return refuse(
        hello, RejectReason::kProtocolVersion,
        str_cat("the client speaks protocol ", hello.protocol_major, ".x and this server ",
                ours.major, ".x; use a client and server of the same major version"));
  }
  if (hello.schema_hashes.size() != std::size_t{hello.protocol_minor} + 1 ||
      hello.schema_hashes.back() != hello.schema_hash) {
    return refuse(hello, RejectReason::kMalformedHello,
                  str_cat("the hello lists ", hello.schema_hashes.size(),
                          " schema hashes for protocol minor ", hello.protocol_minor,
                          "; it must list one per minor version, ending with schema_hash"));
  }
  const std::uint16_t minor = std::min(hello.protocol_minor, ours.minor);
  const std::uint64_t client_hash = hello.schema_hashes[minor];
  const std::uint64_t server_hash = ours.hash_by_minor.at(minor);
  if (client_hash != server_hash) {
    HandshakeOutcome outcome =
        refuse(hello, RejectReason::kSchemaMismatch,
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
    return refuse(hello, RejectReason::kBadPublicKey,
                  "the client's Ed25519 public key is all zeros; generate a key pair");
  }
  if (std::find(banned_.begin(), banned_.end(), hello.public_key) != banned_.end()) {
    return refuse(hello, RejectReason::kBanned, "this client's key is banned from this server");
  }

  Role role = config_.default_role;
  if (!config_.tokens.empty()) {
    if (!hello.auth_token) {
      return refuse(hello, RejectReason::kAuthRequired,
                    "this server requires an authentication token; pass one with the client's "
                    "token option");
    }
    const auto it = config_.tokens.find(*hello.auth_token);
    if (it == config_.tokens.end()) {
      return refuse(hello, RejectReason::kAuthInvalid,
                    "the authentication token is not one this server accepts; check it with the "
                    "server's operator");
    }
    role = it->second;
  }

  expire(now);
  SessionRecord* resumed = nullptr;
  if (hello.resume_token) {
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
  if (!resumed && connected_sessions() >= config_.max_sessions) {
    return refuse(
        hello, RejectReason::kServerFull,
        str_cat("the server is full (", config_.max_sessions, " sessions); try again later"));
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
    record.role = role;
    record.client_key = hello.public_key;
    record.resume_token = random_bytes<16>();
  }
  record.client_name = hello.client_name;
  record.minor = minor;
  record.capabilities = hello.capabilities & config_.capabilities;
  record.connected = true;
  record.disconnected_at = Micros{0};
  sessions_[record.session_id] = record;

  SessionAck& ack = outcome.ack;
  ack.session_id = record.session_id;
  ack.role = record.role;
  ack.protocol_minor = minor;
  ack.capabilities = record.capabilities;
  ack.server_nonce = random_bytes<16>();
  ack.public_key = key_.public_key();
  ack.resume_token = record.resume_token;
  ack.resumed = resumed != nullptr;
  ack.tick_rate = config_.tick_rate;
  ack.server_tick = server_tick;
  ack.motd = config_.motd;
  ack.signature = key_.sign(handshake_transcript(hello, ack, server_hash));
  outcome.session = record;
  return outcome;
}

void ServerHandshake::on_disconnect(std::uint64_t session_id, Micros now) {
  const auto it = sessions_.find(session_id);
  if (it == sessions_.end()) return;
  it->second.connected = false;
  it->second.disconnected_at = now;
}

void ServerHandshake::ban(const Ed25519PublicKey& key) {
  if (std::find(banned_.begin(), banned_.end(), key) == banned_.end()) banned_.push_back(key);
  std::erase_if(sessions_, [&](const auto& entry) { return entry.second.client_key == key; });
}

void ServerHandshake::expire(Micros now) {
  std::erase_if(sessions_, [&](const auto& entry) {
    const SessionRecord& r = entry.second;
    return !r.connected && now - r.disconnected_at > config_.resume_window;
  });
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
  if (ack->protocol_minor > config_.schema.minor) {
    return make_error(ErrorCode::kCorrupt, "the server chose protocol minor ", ack->protocol_minor,
                      ", newer than this client's ", config_.schema.minor);
  }
  if ((ack->capabilities & ~config_.capabilities) != 0) {
    return make_error(ErrorCode::kCorrupt, "the server granted capabilities ", ack->capabilities,
                      " beyond those requested (", config_.capabilities, ")");
  }
  if (config_.expected_server_key && ack->public_key != *config_.expected_server_key) {
    return make_error(ErrorCode::kRejected, "the server's Ed25519 key is not the pinned one");
  }
  const std::uint64_t hash = config_.schema.hash_by_minor.at(ack->protocol_minor);
  if (!ed25519_verify(ack->public_key, handshake_transcript(hello_, *ack, hash), ack->signature)) {
    return make_error(ErrorCode::kCorrupt, "the SessionAck signature does not verify");
  }
  return *ack;
}

}  // namespace theta_net::protocol
