// DataClient: the data layer's client, sans-I/O: a ClientApp made of a SessionClient (handshake,
// resume, heartbeats) and a ClientDB (the mirror), driven by a ClientDriver over QUIC or SimNet.
// One step(now):
//   session    the first established session subscribes; a later one (resumed or new, after the
//              connection was lost) resubscribes from the version held, so the server catches
//              the mirror up from its archive (or with a full sync when it is too far behind)
//   messages   data messages from the server into the ClientDB
//   timeout    the ClientDB's periodic DataAck (the server's stalled-client detection)
//   send       what the ClientDB queued (subscriptions, ClientReady, writes, acks)
// After a pause (the driver was not stepped for a while) the mirror resubscribes from its
// version too: the server may have dropped what it had queued for it. What the ClientDB queued
// for a connection that was lost is dropped: the new connection starts with its resubscription.
//
// Signed commands (config.signed_commands, docs/collaboration.md): the client requests the
// signed_commands capability, and for each session that negotiated it, its ClientDB's writes
// go out as commands signed with the client's key through a collab::CollabClient (which also
// takes the server's CommandResults and replicated log, and sends unanswered commands again
// after a reconnect). The mode is decided per session, by what the server granted.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "theta_net/collab/collab_client.hpp"
#include "theta_net/core/time.hpp"
#include "theta_net/data/client_db.hpp"
#include "theta_net/session/client_app.hpp"
#include "theta_net/session/session_client.hpp"

namespace theta_net::session {

struct DataClientConfig {
  std::string name;
  std::optional<std::string> token;
  Micros heartbeat_interval = std::chrono::seconds(1);
  data::ClientDbConfig db;
  bool signed_commands = false;  // request signed commands (above)
  collab::CollabClientConfig collab;
};

struct DataClientCounters {
  std::uint64_t connections = 0;   // sessions established (resumed ones included)
  std::uint64_t resumes = 0;       // of them, resumed sessions
  std::uint64_t resubscribes = 0;  // ClientDB::on_reconnect calls
  std::uint64_t pauses = 0;
  std::uint64_t message_errors = 0;       // data messages the ClientDB did not take
  std::uint64_t unexpected_messages = 0;  // messages off the replication lane
  std::uint64_t messages_not_sent = 0;    // the session would not queue them
  std::uint64_t messages_dropped = 0;     // queued for a connection that was lost

  template <class F>
  void visit(F&& f) const {
    f("connections", connections);
    f("resumes", resumes);
    f("resubscribes", resubscribes);
    f("pauses", pauses);
    f("message_errors", message_errors);
    f("unexpected_messages", unexpected_messages);
    f("messages_not_sent", messages_not_sent);
    f("messages_dropped", messages_dropped);
  }
};

class DataClient final : public ClientApp {
 public:
  // `expected` is the schema the application was written for (the ClientDB checks the server's
  // against it).
  DataClient(std::shared_ptr<const data::DataSchema> expected, DataClientConfig config,
             Ed25519KeyPair key, Rng rng);
  ~DataClient() override;

  // ClientApp: session events, data messages, the ClientDB's timers and sends.
  void step(Micros now) override;
  // ClientApp: resubscribe from the version held once the session is (still or again) up.
  void on_pause(Micros now, Micros gap) override;

  // A local write (applied to the mirror at once, sent with the next step).
  // Errors: those of ClientDB::write.
  Result<std::uint32_t> write(const data::Transaction& tx) { return db_.write(tx); }
  // An application command, signed (sent with the next step); returns its sequence.
  // Errors: kState (the client was not configured for signed commands), and those of
  // CollabClient::send_command.
  Result<std::uint64_t> send_command(std::uint16_t command, Bytes payload);
  // Whether the current session carries writes as signed commands.
  bool signing() const { return signing_; }
  // The signing side (nullptr without config.signed_commands).
  collab::CollabClient* collab() { return collab_.get(); }
  const collab::CollabClient* collab() const { return collab_.get(); }

  bool established() const { return session_.state() == SessionState::kEstablished; }
  SessionClient& session() { return session_; }
  const SessionClient& session() const { return session_; }
  data::ClientDB& db() { return db_; }
  const data::ClientDB& db() const { return db_; }
  const DataClientCounters& counters() const { return counters_; }

 private:
  void on_session_event(ClientEvent& event, Micros now);
  void resubscribe(Micros now);

  DataClientConfig config_;
  SessionClient session_;
  data::ClientDB db_;
  std::unique_ptr<collab::CollabClient> collab_;  // with signed_commands
  bool signing_ = false;                          // this session negotiated signed commands
  DataClientCounters counters_;
  bool subscribed_ = false;   // the first subscription went out
  bool resubscribe_ = false;  // a pause asked for a resubscription
};

}  // namespace theta_net::session
