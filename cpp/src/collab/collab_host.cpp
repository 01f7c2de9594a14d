// CollabHost: its clients, and the checks a command passes when it arrives (flush, drain and
// replay are in collab_host_apply.cpp and collab_host_replay.cpp).
#include "theta_net/collab/collab_host.hpp"

#include "collab_host_state.hpp"
#include "theta_net/collab/command_signature.hpp"
#include "theta_net/collab/data_write_command.hpp"
#include "theta_net/protocol/field_info.hpp"
#include "theta_net/protocol/message_codec.hpp"

namespace theta_net::collab {

using protocol::CommandRefuseReason;

std::string key_prefix(const Ed25519PublicKey& key) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < 8; ++i) {
    out += kDigits[key[i] >> 4];
    out += kDigits[key[i] & 15];
  }
  return out;
}

std::string command_name(std::uint16_t command) {
  if (auto name = protocol::enum_name(static_cast<protocol::CommandKind>(command))) {
    return str_cat(*name, " (", command, ")");
  }
  return str_cat("kind ", command);
}

std::string answer_text(std::string text) {
  constexpr std::size_t kMax = 1024;  // CommandResult.text's bound in schemas/theta.toml
  if (text.size() <= kMax) return text;
  std::size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  return text;
}

std::size_t body_bound(const protocol::AnyMessage& message) {
  Bytes body;
  return protocol::encode_body(message, body).ok() ? body.size() : 0;
}

CollabHost::CollabHost(data::DataHost& data, CollabHostConfig config)
    : data_(data), config_(std::move(config)), log_(config_.log, config_.on_append) {}

CollabHost::~CollabHost() = default;

Status CollabHost::add_client(ClientId id, const Ed25519PublicKey& key, protocol::Role role,
                              bool replicate) {
  if (!data_.stats(id)) return make_error(ErrorCode::kInvalidArgument, "no data client ", id);
  if (clients_.contains(id)) {
    return make_error(ErrorCode::kInvalidArgument, "client ", id, " was added already");
  }
  auto c = std::make_unique<Client>();
  c->key = key;
  c->role = role;
  c->replicate = replicate && config_.replicate_log;
  c->next_entry = log_.next_index();
  clients_.emplace(id, std::move(c));
  return {};
}

Status CollabHost::set_role(ClientId id, protocol::Role role) {
  const auto it = clients_.find(id);
  if (it == clients_.end()) return make_error(ErrorCode::kInvalidArgument, "no client ", id);
  it->second->role = role;
  return {};
}

std::size_t CollabHost::waiting() const {
  return waiting_.size();
}

void CollabHost::remove_client(ClientId id) {
  clients_.erase(id);
}

Status CollabHost::register_command(std::uint16_t command, CommandHandler handler) {
  if (command < kFirstApplicationCommand) {
    return make_error(ErrorCode::kInvalidArgument, "application command kinds start at ",
                      kFirstApplicationCommand, "; ", command, " is a built-in kind");
  }
  if (!handler) return make_error(ErrorCode::kInvalidArgument, "an empty handler for ", command);
  if (!handlers_.emplace(command, std::move(handler)).second) {
    return make_error(ErrorCode::kInvalidArgument, "command ", command, " has a handler already");
  }
  return {};
}

Status CollabHost::on_message(ClientId id, const protocol::AnyMessage& message, Micros now) {
  const auto it = clients_.find(id);
  if (it == clients_.end()) return make_error(ErrorCode::kInvalidArgument, "no client ", id);
  Client& c = *it->second;
  if (const auto* entry = std::get_if<protocol::CommandLogEntry>(&message)) {
    ++stats_.received;
    std::vector<data::Op> ops;
    if (auto refusal = check(&c, id, *entry, ops)) {
      refuse(id, entry->sequence, std::move(*refusal));
    } else {
      waiting_.push_back(Waiting{id, *entry, std::move(ops)});
    }
    return {};
  }
  if (const auto* write = std::get_if<protocol::DataWrite>(&message)) {
    ++stats_.unsigned_writes;
    protocol::DataWriteResult result;
    result.write_id = write->write_id;
    result.accepted = false;
    result.reason = protocol::DataRefuseReason::kNotAllowed;
    result.text = "this server takes writes as signed commands (CommandLogEntry), not DataWrite";
    queue_answer(c, std::move(result));
    return {};
  }
  return data_.on_message(id, message, now);
}

std::optional<CollabHost::Refusal> CollabHost::check(const Client* c, std::optional<ClientId> id,
                                                     const protocol::CommandLogEntry& entry,
                                                     std::vector<data::Op>& ops) {
  if (c && entry.author != c->key) {
    return Refusal{CommandRefuseReason::kWrongAuthor,
                   str_cat("the command's author ", key_prefix(entry.author),
                           "... is not this session's key ", key_prefix(c->key), "...")};
  }
  if (!verify_command(entry)) {
    return Refusal{CommandRefuseReason::kBadSignature,
                   str_cat("the signature of sequence ", entry.sequence,
                           " does not verify under its author's key")};
  }
  if (auto taken = sequences_.take(entry.author, entry.sequence); !taken.ok()) {
    return Refusal{CommandRefuseReason::kBadSequence, taken.error().message};
  }
  // Authentic and in sequence: the sequence is used, whatever follows.
  const std::uint64_t last = sequences_.last_lamport(entry.author);
  const std::uint64_t lead_limit = clock_.time() > UINT64_MAX - config_.max_lamport_lead
                                       ? UINT64_MAX
                                       : clock_.time() + config_.max_lamport_lead;
  if (entry.index != 0) {
    return Refusal{CommandRefuseReason::kMalformed,
                   str_cat("index ", entry.index, " from an author (the server gives indices)")};
  }
  if (entry.lamport == 0 || entry.lamport <= last || entry.lamport > lead_limit) {
    return Refusal{CommandRefuseReason::kMalformed,
                   str_cat("Lamport clock ", entry.lamport, ": it must be above the author's last ",
                           last, " and at most ", config_.max_lamport_lead,
                           " ahead of the server's ", clock_.time())};
  }
  sequences_.set_last_lamport(entry.author, entry.lamport);
  if (c && config_.may_command && !config_.may_command(c->role, entry.command)) {
    return Refusal{CommandRefuseReason::kPermissionDenied,
                   str_cat("role '", protocol::enum_name(c->role).value_or("unknown"),
                           "' may not send command ", command_name(entry.command))};
  }
  const bool data_write =
      entry.command == static_cast<std::uint16_t>(protocol::CommandKind::kDataWrite);
  if (!data_write && !handlers_.contains(entry.command)) {
    return Refusal{CommandRefuseReason::kUnknownCommand,
                   str_cat("no command ", command_name(entry.command), " on this server")};
  }
  if (c && id) {
    const data::DataClientStats* s = data_.stats(*id);
    if (!s || !s->ready) {
      return Refusal{CommandRefuseReason::kNotSynced,
                     "the client has not finished a data sync (ClientReady)"};
    }
  }
  if (data_write) {
    if (entry.base_version > data_.version()) {
      return Refusal{CommandRefuseReason::kMalformed,
                     str_cat("based on version ", entry.base_version,
                             ", ahead of the server's version ", data_.version())};
    }
    auto decoded = decode_data_write(data_.schema(), entry.payload);
    if (!decoded.ok()) {
      return Refusal{CommandRefuseReason::kMalformed,
                     str_cat("data_write payload: ", decoded.error().describe())};
    }
    if (decoded->empty()) return Refusal{CommandRefuseReason::kMalformed, "a data_write of no ops"};
    ops = std::move(decoded).value();
  }
  return std::nullopt;
}

Result<std::uint64_t> CollabHost::submit(const Ed25519KeyPair& author, std::uint16_t command,
                                         Bytes payload) {
  protocol::CommandLogEntry entry;
  entry.author = author.public_key();
  entry.sequence = sequences_.expected(entry.author);
  entry.lamport = std::max(clock_.time(), sequences_.last_lamport(entry.author)) + 1;
  entry.base_version = data_.version();
  entry.command = command;
  entry.payload = std::move(payload);
  sign_command(entry, author);
  std::vector<data::Op> ops;
  if (auto refusal = check(nullptr, std::nullopt, entry, ops)) {
    return make_error(ErrorCode::kInvalidArgument,
                      protocol::enum_name(refusal->reason).value_or("refused"), ": ",
                      refusal->text);
  }
  const std::uint64_t sequence = entry.sequence;
  waiting_.push_back(Waiting{std::nullopt, std::move(entry), std::move(ops)});
  return sequence;
}

void CollabHost::refuse(std::optional<ClientId> id, std::uint64_t sequence, Refusal refusal) {
  ++stats_.refused;
  switch (refusal.reason) {
    case CommandRefuseReason::kBadSignature:
      ++stats_.bad_signature;
      break;
    case CommandRefuseReason::kBadSequence:
      ++stats_.bad_sequence;
      break;
    case CommandRefuseReason::kPermissionDenied:
      ++stats_.permission_denied;
      break;
    case CommandRefuseReason::kUnknownCommand:
      ++stats_.unknown_command;
      break;
    case CommandRefuseReason::kMalformed:
      ++stats_.malformed;
      break;
    case CommandRefuseReason::kConflict:
      ++stats_.conflict;
      break;
    case CommandRefuseReason::kNotSynced:
      ++stats_.not_synced;
      break;
    case CommandRefuseReason::kWrongAuthor:
      ++stats_.wrong_author;
      break;
  }
  if (!id) return;
  const auto it = clients_.find(*id);
  if (it == clients_.end()) return;
  protocol::CommandResult result;
  result.sequence = sequence;
  result.accepted = false;
  result.reason = refusal.reason;
  result.text = answer_text(std::move(refusal.text));
  if (config_.on_refused) config_.on_refused(*id, result);
  queue_answer(*it->second, std::move(result));
}

void CollabHost::queue_answer(Client& c, protocol::AnyMessage message) {
  if (c.answers.size() >= config_.max_answers) {
    c.answers.pop_front();
    ++stats_.answers_dropped;
  }
  const std::size_t bytes = body_bound(message);
  c.answers.push_back(QueuedAnswer{std::move(message), bytes});
}

std::uint32_t CollabHost::next_write_id(Client& c) {
  const std::uint32_t id = c.next_write++;
  if (c.next_write == 0) c.next_write = 1;  // 0 is never an id
  return id;
}

}  // namespace theta_net::collab
