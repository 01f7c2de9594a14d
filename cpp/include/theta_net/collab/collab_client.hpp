// CollabClient: the client side of signed commands, over a ClientDB (docs/collaboration.md). It
// holds the client's Ed25519 key pair and turns the mirror's local writes into signed commands:
//
//   writes      each DataWrite the ClientDB sends becomes a data_write CommandLogEntry: the
//               next sequence (from first_sequence, one more each command), a Lamport clock
//               one above the largest seen, the write's base version, and its ops as the
//               payload (collab/data_write_command.hpp), signed (collab/command_signature.hpp)
//   commands    send_command signs an application command the same way
//   results     a CommandResult answers one command: a data_write's becomes the DataWriteResult
//               of its ClientDB write (so the ClientDB confirms or rolls it back as it does for
//               unsigned writes; the refusal's text starts with the command's reason); an
//               application command's is listed by take_command_results
//   the log     replicated CommandLogEntry (with an index) are checked: an entry whose
//               signature does not verify is dropped and counted (forged), a repeated or
//               older index is dropped (duplicates); the rest move the clock and are listed by
//               take_log_entries
//
// Commands go out in sequence order and only while the mirror is ready (the server refuses a
// client that is not synced). After a reconnect (on_reconnect) the ClientDB rolls its pending
// writes back as lost, and the commands the server has not answered are sent again, as they
// were signed, once the mirror is ready: those the server had taken are refused as repeats,
// the others applied; their answers are not passed to the ClientDB (it no longer waits for
// them), and a command's effect, if applied, arrives in the server's batches. When the old
// connection survived (a pause), both copies of a command are answered: the second answer is
// taken quietly.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "theta_net/collab/lamport_clock.hpp"
#include "theta_net/core/ed25519.hpp"
#include "theta_net/core/time.hpp"
#include "theta_net/data/client_db.hpp"
#include "theta_net/protocol/messages.hpp"

namespace theta_net::collab {

struct CollabClientConfig {
  // The first command's sequence: a client that comes back with a key the server already
  // knows continues its numbering.
  std::uint64_t first_sequence = 1;
  std::size_t max_unanswered = 1024;   // commands sent and not answered (send_command's bound)
  std::size_t max_log_entries = 4096;  // replicated entries kept for take_log_entries
};

struct CollabClientStats {
  std::uint64_t commands = 0;  // signed (writes and application commands)
  std::uint64_t accepted = 0;
  std::uint64_t refused = 0;
  std::uint64_t resent = 0;       // sent again after a reconnect
  std::uint64_t replicated = 0;   // log entries verified
  std::uint64_t forged = 0;       // log entries dropped: bad signature or no index
  std::uint64_t duplicates = 0;   // log entries dropped: an index seen already
  std::uint64_t log_dropped = 0;  // verified entries dropped past max_log_entries

  template <class F>
  void visit(F&& f) const {
    f("commands", commands);
    f("accepted", accepted);
    f("refused", refused);
    f("resent", resent);
    f("replicated", replicated);
    f("forged", forged);
    f("duplicates", duplicates);
    f("log_dropped", log_dropped);
  }
};

// The answer to an application command.
struct CommandOutcome {
  std::uint64_t sequence = 0;
  std::uint16_t command = 0;
  bool accepted = false;
  std::uint64_t index = 0;
  std::uint64_t version = 0;
  std::optional<protocol::CommandRefuseReason> reason;
  std::string text;
  bool operator==(const CommandOutcome&) const = default;
};

class CollabClient {
 public:
  // `db` outlives the client.
  CollabClient(data::ClientDB& db, Ed25519KeyPair key, CollabClientConfig config = {});

  const Ed25519PublicKey& key() const { return key_.public_key(); }
  // What to send: the ClientDB's messages (its DataWrites as signed commands), then the
  // commands due (in sequence order, while the mirror is ready).
  std::vector<protocol::AnyMessage> take_outgoing();
  // Signs an application command (sent with the next take_outgoing); returns its sequence.
  // Errors: kInvalidArgument (a kind below 256, a payload over 65,536 bytes), kState
  // (max_unanswered commands wait for their answers).
  Result<std::uint64_t> send_command(std::uint16_t command, Bytes payload);
  // Takes one message from the server (see above); other data messages go to the ClientDB.
  // Errors: kState (a CommandResult for a sequence that was never sent, or answered already),
  // and those of ClientDB::on_message.
  Status on_message(const protocol::AnyMessage& message, Micros now);
  // The ClientDB's timers.
  void handle_timeout(Micros now) { db_.handle_timeout(now); }
  // The session came back (see above): ClientDB::on_reconnect, queued messages dropped, and the
  // unanswered commands due again.
  void on_reconnect(Micros now);

  // The connection was lost: what was queued for it is dropped (the commands among it stay
  // unanswered and go again after on_reconnect); returns how many messages were dropped.
  std::size_t drop_outgoing();

  // Application command answers since the last call.
  std::vector<CommandOutcome> take_command_results();
  // Verified replicated entries since the last call (the newest max_log_entries).
  std::vector<protocol::CommandLogEntry> take_log_entries();

  const LamportClock& clock() const { return clock_; }
  std::uint64_t next_sequence() const { return next_sequence_; }
  std::size_t unanswered() const { return unanswered_.size(); }
  // The newest log index seen (0: none).
  std::uint64_t last_index() const { return last_index_; }
  const CollabClientStats& stats() const { return stats_; }
  data::ClientDB& db() { return db_; }

 private:
  struct Sent {
    protocol::CommandLogEntry entry;
    std::optional<std::uint32_t> write_id;  // a data_write whose ClientDB write still waits
    bool resent = false;                    // due again after a reconnect: two answers may come
  };
  // Moves the ClientDB's outgoing messages into queued_, its DataWrites as commands.
  void pull_db();
  std::uint64_t sign_next(protocol::CommandLogEntry& entry);
  // Errors: those of ClientDB::on_message.
  Status on_result(const protocol::CommandResult& result, Micros now);
  void on_entry(const protocol::CommandLogEntry& entry);

  data::ClientDB& db_;
  Ed25519KeyPair key_;
  CollabClientConfig config_;
  LamportClock clock_;
  std::uint64_t next_sequence_;
  std::uint64_t next_to_send_;                // the lowest sequence not yet on this connection
  std::map<std::uint64_t, Sent> unanswered_;  // by sequence
  // Resent commands answered once: a second answer (to the other copy) is expected and taken.
  std::set<std::uint64_t> second_answers_;
  std::vector<protocol::AnyMessage> queued_;  // the ClientDB's other messages
  std::vector<CommandOutcome> outcomes_;
  std::deque<protocol::CommandLogEntry> log_entries_;
  std::uint64_t last_index_ = 0;
  CollabClientStats stats_;
};

}  // namespace theta_net::collab
