// CollabHost: applying the waiting commands at flush (in their total order), and draining a
// client's answers, log entries and data messages.
#include <algorithm>

#include "collab_host_state.hpp"
#include "theta_net/collab/collab_host.hpp"
#include "theta_net/protocol/field_info.hpp"

namespace theta_net::collab {

using protocol::CommandRefuseReason;

namespace {

CommandOrigin origin_of(const protocol::CommandLogEntry& e) {
  return CommandOrigin{e.author, e.sequence, e.lamport, e.base_version};
}

// An upper bound of a CommandLogEntry's encoded body: fixed fields at their widest, and the
// payload with its widest length prefix.
std::size_t entry_body_bound(const protocol::CommandLogEntry& entry) {
  return entry.payload.size() + 160;
}

}  // namespace

std::optional<CollabHost::Refusal> CollabHost::resolve(const Waiting& w, std::vector<data::Op>& ops,
                                                       std::uint32_t& conflicts) {
  const protocol::CommandLogEntry& e = w.entry;
  if (e.command == static_cast<std::uint16_t>(protocol::CommandKind::kDataWrite)) {
    ops = w.ops;
    if (!config_.resolver.resolve) return std::nullopt;
    WriteResolution r = config_.resolver.resolve(ops, origin_of(e), data_.store());
    if (r.refused) return Refusal{CommandRefuseReason::kConflict, std::move(r.text)};
    ops = std::move(r.ops);
    conflicts = r.conflicts;
    return std::nullopt;
  }
  const auto handler = handlers_.find(e.command);
  if (handler == handlers_.end()) {
    return Refusal{CommandRefuseReason::kUnknownCommand,
                   str_cat("no command ", command_name(e.command), " on this server")};
  }
  data::Transaction tx = data_.transaction();
  if (Status done = handler->second(e.command, e.payload, e.author, tx); !done.ok()) {
    return Refusal{CommandRefuseReason::kMalformed, done.error().describe()};
  }
  ops = tx.ops();
  return std::nullopt;
}

std::optional<data::Version> CollabHost::flush(Micros now) {
  std::vector<Waiting> waiting = std::exchange(waiting_, {});
  // The total order: Lamport clock, then author key, then (for one author) sequence.
  std::stable_sort(waiting.begin(), waiting.end(), [](const Waiting& a, const Waiting& b) {
    const auto& x = a.entry;
    const auto& y = b.entry;
    if (x.lamport != y.lamport) return x.lamport < y.lamport;
    if (x.author != y.author) return x.author < y.author;
    return x.sequence < y.sequence;
  });
  std::vector<protocol::CommandLogEntry> applied;
  for (Waiting& w : waiting) {
    std::vector<data::Op> ops;
    std::uint32_t conflicts = 0;
    if (auto refusal = resolve(w, ops, conflicts)) {
      refuse(w.client, w.entry.sequence, std::move(*refusal));
      continue;
    }
    Client* c = nullptr;
    if (w.client) {
      const auto it = clients_.find(*w.client);
      if (it != clients_.end()) c = it->second.get();
    }
    // An author whose session has gone is applied all the same; nobody is answered.
    const std::uint32_t write_id = c ? next_write_id(*c) : 0;
    const auto answer_to = c ? w.client : std::nullopt;
    if (Status committed = data_.commit_write(answer_to, write_id, ops); !committed.ok()) {
      const bool policy = committed.error().code == ErrorCode::kRejected;
      refuse(
          w.client, w.entry.sequence,
          Refusal{policy ? CommandRefuseReason::kPermissionDenied : CommandRefuseReason::kMalformed,
                  committed.error().describe()});
      continue;
    }
    const std::uint64_t index = log_.next_index() + applied.size();
    if (c) c->writes[write_id] = WriteAnswer{w.entry.sequence, index, conflicts};
    clock_.observe(w.entry.lamport);
    clock_.tick();
    if (config_.resolver.committed) {
      config_.resolver.committed(ops, origin_of(w.entry), data_.version() + 1);
    }
    ++stats_.accepted;
    stats_.conflicts += conflicts;
    applied.push_back(std::move(w.entry));
  }
  const std::optional<data::Version> closed = data_.flush(now);
  for (protocol::CommandLogEntry& entry : applied) log_.append(std::move(entry), data_.version());
  return closed;
}

std::vector<protocol::AnyMessage> CollabHost::drain(ClientId id, std::size_t credit) {
  std::vector<protocol::AnyMessage> out;
  const auto it = clients_.find(id);
  if (it == clients_.end()) return out;
  Client& c = *it->second;
  // Nothing overtakes a message the credit does not cover (DataClientQueue's rule).
  bool blocked = false;
  while (!c.answers.empty()) {
    if (c.answers.front().bytes > credit) {
      blocked = true;
      break;
    }
    credit -= c.answers.front().bytes;
    out.push_back(std::move(c.answers.front().message));
    c.answers.pop_front();
  }
  if (c.replicate && !blocked) {
    if (c.next_entry < log_.first_index()) {
      stats_.replication_gaps += log_.first_index() - c.next_entry;
      c.next_entry = log_.first_index();
    }
    while (c.next_entry < log_.next_index()) {
      const LoggedCommand* logged = log_.at(c.next_entry);
      const std::size_t bytes = entry_body_bound(logged->entry);
      if (bytes > credit) {
        blocked = true;
        break;
      }
      credit -= bytes;
      out.push_back(logged->entry);
      ++c.next_entry;
      ++stats_.replicated;
    }
  }
  if (blocked) return out;
  for (protocol::AnyMessage& message : data_.drain(id, credit)) {
    auto* result = std::get_if<protocol::DataWriteResult>(&message);
    const auto answer = result ? c.writes.find(result->write_id) : c.writes.end();
    if (answer == c.writes.end()) {
      out.push_back(std::move(message));
      continue;
    }
    // Only accepted results come from the DataHost for commands (commit_write refusals are
    // answered by the host itself).
    protocol::CommandResult command;
    command.sequence = answer->second.sequence;
    command.accepted = result->accepted;
    command.index = answer->second.index;
    command.version = result->version;
    command.conflicts = answer->second.conflicts;
    c.writes.erase(answer);
    out.push_back(std::move(command));
  }
  return out;
}

}  // namespace theta_net::collab
