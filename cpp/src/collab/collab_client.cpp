#include "theta_net/collab/collab_client.hpp"

#include "theta_net/collab/command_signature.hpp"
#include "theta_net/collab/data_write_command.hpp"
#include "theta_net/protocol/field_info.hpp"

namespace theta_net::collab {
namespace {

// CommandLogEntry.payload's bound in schemas/theta.toml.
constexpr std::size_t kMaxCommandPayload = 65536;

// The DataWriteResult reason a refused command's ClientDB write gets.
protocol::DataRefuseReason write_reason(protocol::CommandRefuseReason reason) {
  switch (reason) {
    case protocol::CommandRefuseReason::kMalformed:
      return protocol::DataRefuseReason::kMalformed;
    case protocol::CommandRefuseReason::kNotSynced:
      return protocol::DataRefuseReason::kNotSynced;
    default:
      return protocol::DataRefuseReason::kNotAllowed;
  }
}

}  // namespace

CollabClient::CollabClient(data::ClientDB& db, Ed25519KeyPair key, CollabClientConfig config)
    : db_(db),
      key_(key),
      config_(config),
      next_sequence_(config.first_sequence),
      next_to_send_(config.first_sequence) {}

std::uint64_t CollabClient::sign_next(protocol::CommandLogEntry& entry) {
  entry.sequence = next_sequence_++;
  entry.lamport = clock_.tick();
  entry.index = 0;
  sign_command(entry, key_);
  ++stats_.commands;
  return entry.sequence;
}

void CollabClient::pull_db() {
  for (protocol::AnyMessage& message : db_.take_outgoing()) {
    const auto* write = std::get_if<protocol::DataWrite>(&message);
    if (!write) {
      queued_.push_back(std::move(message));
      continue;
    }
    protocol::CommandLogEntry entry;
    entry.base_version = write->base_version;
    entry.command = static_cast<std::uint16_t>(protocol::CommandKind::kDataWrite);
    entry.payload = data_write_payload(write->ops, write->payload);
    if (entry.payload.size() > kMaxCommandPayload) {
      // The op count's few bytes took it past the command's bound: refused here, unsent.
      protocol::DataWriteResult refused;
      refused.write_id = write->write_id;
      refused.reason = protocol::DataRefuseReason::kTooLarge;
      refused.text = str_cat("a data_write payload of ", entry.payload.size(),
                             " bytes; a command carries at most ", kMaxCommandPayload);
      (void)db_.on_message(refused, Micros{0});
      continue;
    }
    const std::uint64_t sequence = sign_next(entry);
    unanswered_.emplace(sequence, Sent{std::move(entry), write->write_id});
  }
}

std::vector<protocol::AnyMessage> CollabClient::take_outgoing() {
  pull_db();
  std::vector<protocol::AnyMessage> out = std::exchange(queued_, {});
  if (db_.status().state != data::SyncState::kReady) return out;
  for (auto it = unanswered_.lower_bound(next_to_send_); it != unanswered_.end(); ++it) {
    out.push_back(it->second.entry);
    next_to_send_ = it->first + 1;
  }
  return out;
}

Result<std::uint64_t> CollabClient::send_command(std::uint16_t command, Bytes payload) {
  if (command < 256) {
    return make_error(ErrorCode::kInvalidArgument, "application command kinds start at 256; ",
                      command, " is a built-in kind");
  }
  if (payload.size() > kMaxCommandPayload) {
    return make_error(ErrorCode::kInvalidArgument, "a command payload of ", payload.size(),
                      " bytes; at most ", kMaxCommandPayload);
  }
  if (unanswered_.size() >= config_.max_unanswered) {
    return make_error(ErrorCode::kState, unanswered_.size(),
                      " commands wait for the server's answer (max_unanswered)");
  }
  // The ClientDB's writes made before this command get the sequences before it.
  pull_db();
  protocol::CommandLogEntry entry;
  entry.base_version = db_.version();
  entry.command = command;
  entry.payload = std::move(payload);
  const std::uint64_t sequence = sign_next(entry);
  unanswered_.emplace(sequence, Sent{std::move(entry), std::nullopt});
  return sequence;
}

Status CollabClient::on_message(const protocol::AnyMessage& message, Micros now) {
  if (const auto* result = std::get_if<protocol::CommandResult>(&message)) {
    return on_result(*result, now);
  }
  if (const auto* entry = std::get_if<protocol::CommandLogEntry>(&message)) {
    on_entry(*entry);
    return {};
  }
  return db_.on_message(message, now);
}

Status CollabClient::on_result(const protocol::CommandResult& result, Micros now) {
  const auto it = unanswered_.find(result.sequence);
  if (it == unanswered_.end()) {
    if (second_answers_.erase(result.sequence) > 0) return {};
    return make_error(ErrorCode::kState, "a CommandResult for sequence ", result.sequence,
                      ", which is not waiting for an answer");
  }
  Sent sent = std::move(it->second);
  unanswered_.erase(it);
  if (sent.resent) {
    if (second_answers_.size() >= config_.max_unanswered) {
      second_answers_.erase(second_answers_.begin());
    }
    second_answers_.insert(result.sequence);
  }
  if (result.accepted) {
    ++stats_.accepted;
  } else {
    ++stats_.refused;
  }
  if (sent.write_id) {
    protocol::DataWriteResult write;
    write.write_id = *sent.write_id;
    write.accepted = result.accepted;
    write.version = result.version;
    if (!result.accepted) {
      const auto reason = result.reason.value_or(protocol::CommandRefuseReason::kMalformed);
      write.reason = write_reason(reason);
      write.text = str_cat(protocol::enum_name(reason).value_or("refused"), ": ", result.text);
    }
    return db_.on_message(write, now);
  }
  if (sent.entry.command >= 256) {
    CommandOutcome outcome;
    outcome.sequence = result.sequence;
    outcome.command = sent.entry.command;
    outcome.accepted = result.accepted;
    outcome.index = result.index;
    outcome.version = result.version;
    outcome.reason = result.reason;
    outcome.text = result.text;
    outcomes_.push_back(std::move(outcome));
  }
  // A data_write whose ClientDB write was lost with a connection: nobody waits for it.
  return {};
}

void CollabClient::on_entry(const protocol::CommandLogEntry& entry) {
  if (entry.index == 0 || !verify_command(entry)) {
    ++stats_.forged;
    return;
  }
  if (entry.index <= last_index_) {
    ++stats_.duplicates;
    return;
  }
  last_index_ = entry.index;
  clock_.observe(entry.lamport);
  ++stats_.replicated;
  log_entries_.push_back(entry);
  if (log_entries_.size() > config_.max_log_entries) {
    log_entries_.pop_front();
    ++stats_.log_dropped;
  }
}

void CollabClient::on_reconnect(Micros now) {
  // Writes made before the reconnect become commands first, so their sequences stay in order.
  pull_db();
  queued_.clear();
  db_.on_reconnect(now);
  for (auto& [sequence, sent] : unanswered_) {
    sent.write_id.reset();  // the ClientDB rolled it back as lost
    if (sequence < next_to_send_) {
      sent.resent = true;
      ++stats_.resent;
    }
  }
  next_to_send_ = unanswered_.empty() ? next_sequence_ : unanswered_.begin()->first;
}

std::size_t CollabClient::drop_outgoing() {
  pull_db();
  return std::exchange(queued_, {}).size();
}

std::vector<CommandOutcome> CollabClient::take_command_results() {
  return std::exchange(outcomes_, {});
}

std::vector<protocol::CommandLogEntry> CollabClient::take_log_entries() {
  std::vector<protocol::CommandLogEntry> out(log_entries_.begin(), log_entries_.end());
  log_entries_.clear();
  return out;
}

}  // namespace theta_net::collab
