// CollabHost::replay (a recorded log applied to this host's DataHost as the server that wrote it
// applied it) and state/restore (a predecessor's state taken over, for host migration);
// collab_host.hpp says what is checked and what each guarantees.
#include <set>

#include "collab_host_state.hpp"
#include "theta_net/collab/collab_host.hpp"
#include "theta_net/collab/command_signature.hpp"
#include "theta_net/collab/data_write_command.hpp"
#include "theta_net/protocol/field_info.hpp"

namespace theta_net::collab {

Status CollabHost::replay(const std::vector<LoggedCommand>& commands, Micros now) {
  if (!waiting_.empty()) {
    return make_error(ErrorCode::kState, waiting_.size(), " commands wait for a flush");
  }
  if (log_.next_index() != 1) {
    return make_error(ErrorCode::kState, "the log holds ", log_.next_index() - 1,
                      " entries already; a replay starts from an empty one");
  }
  std::optional<data::Version> group;
  for (const LoggedCommand& logged : commands) {
    const protocol::CommandLogEntry& e = logged.entry;
    if (e.index != log_.next_index()) {
      return make_error(ErrorCode::kCorrupt, "entry ", e.index, " where entry ", log_.next_index(),
                        " comes next");
    }
    if (group && logged.version < *group) {
      return make_error(ErrorCode::kCorrupt, "entry ", e.index, " has version ", logged.version,
                        ", below the version ", *group, " before it");
    }
    if (!verify_command(e)) {
      return make_error(ErrorCode::kCorrupt, "entry ", e.index,
                        ": the signature does not verify under its author's key ",
                        key_prefix(e.author), "...");
    }
    if (e.sequence < sequences_.expected(e.author) ||
        e.lamport <= sequences_.last_lamport(e.author)) {
      return make_error(ErrorCode::kCorrupt, "entry ", e.index, ": sequence ", e.sequence,
                        " and clock ", e.lamport, " of author ", key_prefix(e.author),
                        "... are not above its previous ones (", sequences_.expected(e.author) - 1,
                        ", ", sequences_.last_lamport(e.author), ")");
    }
    // The server flushed where the version changed: so does the replay.
    if (group && logged.version != *group) data_.flush(now);
    group = logged.version;
    sequences_.set_expected(e.author, e.sequence + 1);
    sequences_.set_last_lamport(e.author, e.lamport);
    Waiting w{std::nullopt, e, {}};
    w.entry.index = 0;
    if (e.command == static_cast<std::uint16_t>(protocol::CommandKind::kDataWrite)) {
      auto ops = decode_data_write(data_.schema(), e.payload);
      if (!ops.ok()) {
        return make_error(ErrorCode::kInvalidArgument, "entry ", e.index,
                          ": data_write payload: ", ops.error().describe());
      }
      w.ops = std::move(ops).value();
    }
    std::vector<data::Op> ops;
    std::uint32_t conflicts = 0;
    if (auto refusal = resolve(w, ops, conflicts)) {
      return make_error(ErrorCode::kInvalidArgument, "entry ", e.index, " is refused on replay (",
                        protocol::enum_name(refusal->reason).value_or("refused"),
                        "): ", refusal->text);
    }
    if (Status committed = data_.commit_write(std::nullopt, 0, ops); !committed.ok()) {
      return make_error(ErrorCode::kInvalidArgument, "entry ", e.index,
                        " does not apply: ", committed.error().describe());
    }
    clock_.observe(e.lamport);
    clock_.tick();
    if (config_.resolver.committed) {
      config_.resolver.committed(
          ops, CommandOrigin{e.author, e.sequence, e.lamport, e.base_version}, data_.version() + 1);
    }
    ++stats_.accepted;
    stats_.conflicts += conflicts;
    log_.append(w.entry, logged.version);
  }
  data_.flush(now);
  return {};
}

CollabState CollabHost::state() const {
  CollabState out;
  out.clock = clock_.time();
  out.next_index = log_.next_index();
  out.authors = sequences_.list();
  out.log.assign(log_.entries().begin(), log_.entries().end());
  return out;
}

Status CollabHost::restore(const CollabState& state) {
  if (!waiting_.empty()) {
    return make_error(ErrorCode::kState, waiting_.size(), " commands wait for a flush");
  }
  if (log_.next_index() != 1 || sequences_.authors() != 0) {
    return make_error(ErrorCode::kState,
                      "this host has taken commands already; a restore "
                      "starts from a fresh one");
  }
  std::set<Ed25519PublicKey> seen;
  for (std::size_t i = 0; i < state.authors.size(); ++i) {
    const AuthorState& a = state.authors[i];
    if (a.next_sequence == 0 || !seen.insert(a.key).second) {
      return make_error(ErrorCode::kInvalidArgument, "author ", i, " (", key_prefix(a.key),
                        "...) has next sequence 0 or is listed twice");
    }
  }
  THETA_TRY(log_.restore(state.log, state.next_index));
  for (const AuthorState& a : state.authors) {
    sequences_.set_expected(a.key, a.next_sequence);
    sequences_.set_last_lamport(a.key, a.last_lamport);
  }
  clock_.observe(state.clock);
  return {};
}

}  // namespace theta_net::collab
