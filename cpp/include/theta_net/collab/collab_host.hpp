// CollabHost: the server side of signed commands (docs/collaboration.md), over a DataHost.
// Clients' writes arrive as CommandLogEntry, signed by their authors; the host checks each one,
// applies the good ones in a deterministic total order, logs and replicates them, and answers
// every one with a CommandResult.
//
//   on_message   a CommandLogEntry is checked at once, in this order, and refused with a
//                CommandResult naming the reason when it fails (nothing of it is applied):
//                  wrong_author   its author is not the session's proven key
//                  bad_signature  the signature is not the author's over its signed bytes
//                  bad_sequence   not the author's next sequence (a repeat or a gap; the text
//                                 names the expected one and the one received)
//                a command that passes these has used its sequence, whatever follows:
//                  malformed      an index other than 0, a Lamport clock of 0, not above the
//                                 author's previous one, or more than max_lamport_lead ahead
//                                 of the server's; a data_write payload that does not decode
//                                 or holds no ops, or a base version ahead of the store's
//                  permission_denied  the may_command hook refuses the session's role
//                  unknown_command    a kind below 256 other than data_write, or an
//                                 application kind with no registered handler
//                  not_synced     the client has not finished a data sync
//                the rest waits for flush. A plain DataWrite is refused (not_allowed): writes
//                come as signed commands here. Other data messages go to the DataHost.
//   flush        the waiting commands, in (Lamport clock, author key, sequence) order: a
//                data_write's ops go through the resolver hook (which may refuse the write as
//                a conflict), an application command's handler writes a transaction; each is
//                committed as its author's write (DataHost::commit_write), gets the next log
//                index, and moves the server's clock to max(clock, its clock) + 1. A commit the
//                store refuses (malformed) or the write policy refuses (permission_denied)
//                refuses the command. Then the DataHost flushes, and the log entries get the
//                version it closed.
//   drain        the client's refusals first, then the log entries it has not had (when it
//                takes the log: `replicate`), then the DataHost's messages, in which the result
//                of a command's write becomes its CommandResult (accepted, index, version,
//                conflicts): so the answer follows the batch that holds it.
//
// A command whose author's session ends before the flush is still applied (it was authentic and
// in sequence); its answer goes nowhere. Everything is deterministic: the same messages in the
// same steps give the same log, store and answers.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "theta_net/collab/author_sequences.hpp"
#include "theta_net/collab/collab_state.hpp"
#include "theta_net/collab/command_log.hpp"
#include "theta_net/collab/lamport_clock.hpp"
#include "theta_net/collab/write_resolver_hook.hpp"
#include "theta_net/core/ed25519.hpp"
#include "theta_net/core/time.hpp"
#include "theta_net/data/data_host.hpp"
#include "theta_net/protocol/messages.hpp"

namespace theta_net::collab {

// Application command kinds start here; below are the built-in CommandKinds.
inline constexpr std::uint16_t kFirstApplicationCommand = 256;

// Whether a session of `role` may send commands of kind `command` (the roles table plugs in).
using CommandPermission = std::function<bool(protocol::Role role, std::uint16_t command)>;
// An application command: writes what it does through `tx` (committed as the command's write,
// which may be empty). An error refuses the command (malformed, with the error's text) and
// nothing of `tx` is committed. Handlers read the store through DataHost::store(), and must
// depend only on it, the payload and the author (a replay runs them again).
using CommandHandler = std::function<Status(std::uint16_t command, ByteSpan payload,
                                            const Ed25519PublicKey& author, data::Transaction& tx)>;

struct CollabHostConfig {
  bool replicate_log = true;  // accepted entries go to the clients that take the log
  // How far a command's Lamport clock may be ahead of the server's: a bound on how fast one
  // author can run the clocks up (a legitimate author is ahead by its unanswered commands).
  std::uint64_t max_lamport_lead = 1u << 20;
  std::size_t max_answers = 4096;  // refusals queued per client; past it the oldest are dropped
  CommandLogLimits log;
  CommandLogSink on_append;       // every log entry as it is appended (e.g. to a file)
  CommandPermission may_command;  // empty: every role may send every command
  WriteResolverHook resolver;     // empty: every data_write is committed as it came
  // Sees every refusal sent (the server's event stream records them).
  std::function<void(data::DataClientId client, const protocol::CommandResult& refusal)> on_refused;
};

struct CollabHostStats {
  std::uint64_t received = 0;  // CommandLogEntry messages
  std::uint64_t accepted = 0;
  std::uint64_t refused = 0;
  std::uint64_t wrong_author = 0;  // refusals by reason ...
  std::uint64_t bad_signature = 0;
  std::uint64_t bad_sequence = 0;
  std::uint64_t permission_denied = 0;
  std::uint64_t unknown_command = 0;
  std::uint64_t malformed = 0;
  std::uint64_t conflict = 0;
  std::uint64_t not_synced = 0;
  std::uint64_t conflicts = 0;         // fields resolved in accepted commands
  std::uint64_t unsigned_writes = 0;   // plain DataWrites refused
  std::uint64_t replicated = 0;        // entries drained to clients
  std::uint64_t replication_gaps = 0;  // entries a client missed (dropped from memory first)
  std::uint64_t answers_dropped = 0;   // refusals past max_answers

  template <class F>
  void visit(F&& f) const {
    f("received", received);
    f("accepted", accepted);
    f("refused", refused);
    f("wrong_author", wrong_author);
    f("bad_signature", bad_signature);
    f("bad_sequence", bad_sequence);
    f("permission_denied", permission_denied);
    f("unknown_command", unknown_command);
    f("malformed", malformed);
    f("conflict", conflict);
    f("not_synced", not_synced);
    f("conflicts", conflicts);
    f("unsigned_writes", unsigned_writes);
    f("replicated", replicated);
    f("replication_gaps", replication_gaps);
    f("answers_dropped", answers_dropped);
  }
};

class CollabHost {
 public:
  using ClientId = data::DataClientId;

  // `data` outlives the host; the host flushes it (flush()).
  explicit CollabHost(data::DataHost& data, CollabHostConfig config = {});
  ~CollabHost();

  // A DataHost client (added there first) with its session's proven key and role; `replicate`:
  // it takes the log's entries (from the next one appended).
  // Errors: kInvalidArgument (no such DataHost client, or one added here already).
  Status add_client(ClientId id, const Ed25519PublicKey& key, protocol::Role role,
                    bool replicate = true);
  // Errors: kInvalidArgument (no client `id` here).
  Status set_role(ClientId id, protocol::Role role);
  void remove_client(ClientId id);
  // Errors: kInvalidArgument (a kind below kFirstApplicationCommand, an empty handler, or a
  // kind registered already).
  Status register_command(std::uint16_t command, CommandHandler handler);

  // Takes one message from a client (see above). Refusals are answers, not errors.
  // Errors: kInvalidArgument (no client `id` here), and those of DataHost::on_message.
  Status on_message(ClientId id, const protocol::AnyMessage& message, Micros now);
  // A command of the server's own (or of any author whose key it holds): signed here with the
  // author's next sequence and a clock one above the server's, checked like a client's but for
  // role and sync, and applied at the next flush like the others; its answer goes nowhere.
  // This is how the application writes so that the log holds every change (replay()).
  // Returns the command's sequence.
  // Errors: kInvalidArgument (the checks refuse it: the message names the reason and why).
  Result<std::uint64_t> submit(const Ed25519KeyPair& author, std::uint16_t command, Bytes payload);
  // Applies the waiting commands, then flushes the DataHost; returns what DataHost::flush did.
  std::optional<data::Version> flush(Micros now);
  // The client's next messages within `credit` bytes of encoded bodies (see above).
  std::vector<protocol::AnyMessage> drain(ClientId id, std::size_t credit);

  // Applies a log (a file's, or another server's) to this host's DataHost, as the server that
  // wrote it did: commands in index order, a flush wherever the version changes and after the
  // last, each entry's signature checked again and each author's sequences and clocks rising.
  // The log then holds the entries (with their indices) and the sequences and the clock
  // continue from them. The same log on a fresh DataHost of the same schema gives the same
  // store, byte for byte, when every change the server made went through commands.
  // Errors: kState (commands are waiting for a flush, or the log here is not empty),
  // kCorrupt (an entry whose signature does not verify, whose index is not the next, whose
  // sequence or clock is not above its author's previous one, or whose version is lower than
  // the one before), kInvalidArgument (an entry that does not apply: the message names its
  // index and why, e.g. an unknown command or ops the store refuses; the entries before it
  // stay applied).
  Status replay(const std::vector<LoggedCommand>& commands, Micros now);

  // The signed-command state a successor server needs (host migration): clock, authors, the
  // log held in memory. Take it after a flush: waiting commands are not in it.
  CollabState state() const;
  // Goes on from a predecessor's state (CollabState): its log, its authors' sequences and
  // clocks, its clock. The DataHost must hold the predecessor's store at the same version
  // (DataHost::restore) for the log's versions to mean anything.
  // Errors: kState (commands wait for a flush, or the log here is not empty), kInvalidArgument
  // (an author listed twice or with next sequence 0, and those of CommandLog::restore).
  Status restore(const CollabState& state);

  const CommandLog& log() const { return log_; }
  const LamportClock& clock() const { return clock_; }
  const AuthorSequences& sequences() const { return sequences_; }
  const CollabHostStats& stats() const { return stats_; }
  std::size_t waiting() const;  // commands waiting for the next flush
  data::DataHost& data() { return data_; }
  const data::DataHost& data() const { return data_; }

 private:
  struct Client;
  struct Waiting;
  struct Refusal {
    protocol::CommandRefuseReason reason;
    std::string text;
  };

  // The checks at receipt (see above) for a client's command (`c`) or the server's own
  // (nullptr: no role or sync to check); the ops of a data_write, decoded.
  std::optional<Refusal> check(const Client* c, std::optional<ClientId> id,
                               const protocol::CommandLogEntry& entry, std::vector<data::Op>& ops);
  // A command's effect: the ops to commit, its conflicts, or why it is refused.
  std::optional<Refusal> resolve(const Waiting& w, std::vector<data::Op>& ops,
                                 std::uint32_t& conflicts);
  void refuse(std::optional<ClientId> id, std::uint64_t sequence, Refusal refusal);
  void queue_answer(Client& c, protocol::AnyMessage message);
  std::uint32_t next_write_id(Client& c);

  data::DataHost& data_;
  CollabHostConfig config_;
  CommandLog log_;
  LamportClock clock_;
  AuthorSequences sequences_;
  std::map<std::uint16_t, CommandHandler> handlers_;
  std::map<ClientId, std::unique_ptr<Client>> clients_;
  std::vector<Waiting> waiting_;
  CollabHostStats stats_;
};

}  // namespace theta_net::collab
