// DataServer: the standalone data-layer server, sans-I/O: a ServerApp made of a SessionHost
// (handshake, resume, heartbeats) and a DataHost (the versioned store, syncs, batches), driven by
// a ServerDriver over QUIC or SimNet like the reference GameServer (which may embed the same
// pieces). What one driver step does with it:
//   sessions  a started session becomes a DataHost client; an ended or refused one is removed
//             (a resumed session gets a fresh client, and its ClientDB resubscribes from the
//             version it holds, so it catches up from the archive); replication-lane messages
//             go to the DataHost; anything it does not take closes that session for breaking
//             the protocol
//   flush     the application's committed writes and the clients' accepted writes close into
//             the next version: every step (flush_interval 0: latency first) or on a fixed tick
//   drain     each client's queued messages, within its token bucket and while its connection's
//             send backlog (reported by the driver) is under max_send_backlog
//   timeout   DataHost::handle_timeout: a client that stopped acknowledging is resynced
// The application writes between steps through transaction() and commit().
//
// Signed commands (config.signed_commands, docs/collaboration.md): the server offers the
// signed_commands capability and puts a collab::CollabHost over the DataHost. Every session's
// client joins it with the session's key and role; replication-lane messages go through it
// (a CommandLogEntry from a session that did not negotiate the capability breaks the protocol,
// and plain DataWrites are refused: writes come as signed commands); the flush applies the
// step's commands before the DataHost's flush, and the drain takes the CollabHost's answers and
// log entries with the DataHost's messages. Without the flag the capability is not offered.
// Unless the configuration brings its own hooks, the CollabHost checks command kinds against the
// roles table (protocol::role_may_command) and resolves conflicts with a collab::ConflictResolver
// over the schema's strategies (conflicts(): register application merges there before the first
// command; a merge it lacks falls back to lww, and its conflict log says so).
//
// Host migration (docs/collaboration.md, "Host migration"): export_migration flushes and puts
// what a successor needs in a MigrationBundle (the store at its version, the signed-command
// state, the sessions); import_migration on a fresh DataServer of the same schema goes on from
// it; migrate() sends the clients to the successor.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "theta_net/collab/collab_host.hpp"
#include "theta_net/collab/conflict_resolver.hpp"
#include "theta_net/core/time.hpp"
#include "theta_net/data/data_host.hpp"
#include "theta_net/replication/token_bucket.hpp"
#include "theta_net/session/migration_bundle.hpp"
#include "theta_net/session/server_app.hpp"
#include "theta_net/session/session_host.hpp"

namespace theta_net::session {

struct DataServerConfig {
  SessionHostConfig sessions;
  data::DataHostConfig data;
  Micros flush_interval{0};  // 0 = flush every driver step; else a fixed tick
  std::uint64_t bytes_per_second = replication::kDefaultBytesPerSecond;  // per client
  std::uint64_t burst_bytes = 0;                                         // 0 = the bucket's default
  // Nothing more is drained to a connection that still has this many bytes to deliver: the
  // DataHost's bounded queue (and its resync) takes over from an unbounded transport buffer.
  std::uint64_t max_send_backlog = 256 * 1024;
  bool signed_commands = false;  // writes as signed commands through a CollabHost (above)
  collab::CollabHostConfig collab;
};

// Totals over every client the server has had (the departed ones included).
struct DataServerMetrics {
  std::uint64_t clients = 0;  // connected now
  std::uint64_t sessions_started = 0;
  std::uint64_t sessions_resumed = 0;
  std::uint64_t sessions_ended = 0;
  std::uint64_t protocol_violations = 0;
  std::uint64_t versions = 0;  // flushes that closed a version
  std::uint64_t syncs_full = 0;
  std::uint64_t syncs_archive = 0;
  std::uint64_t overflows = 0;
  std::uint64_t stalls = 0;
  std::uint64_t batches_sent = 0;
  std::uint64_t bytes_sent = 0;  // message bodies drained to clients
  std::uint64_t writes_accepted = 0;
  std::uint64_t writes_refused = 0;
  std::uint64_t refusals = 0;
  std::uint64_t nacks_answered = 0;    // gaps filled from the archive (NackRequest)
  std::uint64_t nack_resyncs = 0;      // gaps answered with a resync
  std::uint64_t peak_queue_bytes = 0;  // the largest queue any one client had
  std::uint64_t held_back = 0;         // drains cut short by a budget or a send backlog
  std::uint64_t sends_refused = 0;     // messages the session would not queue

  template <class F>
  void visit(F&& f) const {
    f("clients", clients);
    f("sessions_started", sessions_started);
    f("sessions_resumed", sessions_resumed);
    f("sessions_ended", sessions_ended);
    f("protocol_violations", protocol_violations);
    f("versions", versions);
    f("syncs_full", syncs_full);
    f("syncs_archive", syncs_archive);
    f("overflows", overflows);
    f("stalls", stalls);
    f("batches_sent", batches_sent);
    f("bytes_sent", bytes_sent);
    f("writes_accepted", writes_accepted);
    f("writes_refused", writes_refused);
    f("refusals", refusals);
    f("nacks_answered", nacks_answered);
    f("nack_resyncs", nack_resyncs);
    f("peak_queue_bytes", peak_queue_bytes);
    f("held_back", held_back);
    f("sends_refused", sends_refused);
  }
};

// One finished sync as the server saw it: from the DataSubscribe it answered to the client's
// ClientReady.
struct DataSyncRecord {
  std::uint64_t session_id = 0;
  std::string client_name;
  bool full = false;  // a full snapshot (else batches from the archive)
  Micros started{0};
  Micros ready{0};
};

class DataServer final : public ServerApp {
 public:
  DataServer(std::shared_ptr<const data::DataSchema> schema, DataServerConfig config,
             Ed25519KeyPair key, Rng rng);
  ~DataServer() override;

  // ServerApp: session events, data messages, timeouts, and (flushing every step) the flush
  // and the drain.
  void handle_sessions(Micros now) override;
  // The next flush on a fixed tick; nullopt when flushing every step.
  std::optional<Micros> next_tick() const override { return next_flush_; }
  // Flushes and drains; the next flush is one period after `now` (missed ticks are not
  // replayed: one flush closes everything open).
  void tick(Micros now) override;
  std::uint32_t max_catch_up_ticks() const override { return 1; }

  // Application writes, committed at once and sent with the next flush.
  data::Transaction transaction() const { return data_.transaction(); }
  // Errors: those of DataHost::commit (nothing is applied then).
  Status commit(const data::Transaction& tx);
  // Whether a commit() waits for the next flush.
  bool has_unflushed_writes() const { return unflushed_; }

  // Flushes (the waiting commands are applied and the open batch closed) and returns what a
  // successor needs (migration_bundle.hpp). Nothing changes here: call migrate() next, before
  // the next driver step, so no write is taken after the bundle was made.
  MigrationBundle export_migration(Micros now);
  // Goes on from a predecessor's bundle (decoded for this server's schema): its store and
  // version, its signed-command state (the conflict history starts afresh at that version), its
  // sessions, bans and admins, resumable from `now`.
  // Errors: kState (this server has sessions, clients, writes or commands already),
  // kInvalidArgument (a bundle of another schema object, or one with signed-command state for a
  // server without signed commands), and those of CollabHost::restore and
  // SessionHost::restore_sessions.
  Status import_migration(const MigrationBundle& bundle, Micros now);
  // Tells every session to go to `migrate_to` (host:port) and to pin `successor_key`, and closes
  // their connections with CloseCode::migrated (SessionHost::migrate).
  // Errors: those of SessionHost::migrate.
  Status migrate(const std::string& migrate_to, const Ed25519PublicKey& successor_key,
                 std::string reason = "the server moved");

  SessionHost& sessions() { return host_; }
  const SessionHost& sessions() const { return host_; }
  data::DataHost& data() { return data_; }
  const data::DataHost& data() const { return data_; }
  const DataServerConfig& config() const { return config_; }
  // The signed commands' host (nullptr without config.signed_commands).
  collab::CollabHost* collab() { return collab_.get(); }
  const collab::CollabHost* collab() const { return collab_.get(); }
  // The conflict resolver the CollabHost uses (nullptr without signed commands, or when the
  // configuration brought its own resolver hook).
  collab::ConflictResolver* conflicts() { return resolver_.get(); }
  const collab::ConflictResolver* conflicts() const { return resolver_.get(); }

  DataServerMetrics metrics() const;
  // Every sync finished so far, in the order they finished.
  const std::vector<DataSyncRecord>& syncs() const { return syncs_; }
  // The DataHost figures of a connected session's client (nullptr for another connection).
  const data::DataClientStats* client_stats(transport::ConnectionId conn) const;

 private:
  struct Client;

  void on_host_event(HostEvent& event, Micros now);
  void on_session_started(const HostEvent& event, Micros now);
  // Forgets the connection's client (its figures join the totals).
  void remove(transport::ConnectionId conn);
  void flush_and_drain(Micros now);
  void drain(transport::ConnectionId conn, Client& client, Micros now);
  void record_syncs(Client& client);

  DataServerConfig config_;
  SessionHost host_;
  data::DataHost data_;
  std::unique_ptr<collab::ConflictResolver> resolver_;                  // with signed_commands
  std::unique_ptr<collab::CollabHost> collab_;                          // with signed_commands
  std::map<transport::ConnectionId, std::unique_ptr<Client>> clients_;  // ordered: deterministic
  std::optional<Micros> next_flush_;
  bool unflushed_ = false;
  DataServerMetrics totals_;  // server counters, and the figures of removed clients
  std::vector<DataSyncRecord> syncs_;
};

}  // namespace theta_net::session
