// SessionHost's part in host migration: its sessions, bans and admins into a bundle and back,
// and sending every session to the successor (session_host.hpp describes it).
#include "theta_net/session/session_host.hpp"

namespace theta_net::session {

using namespace protocol;

// SessionControl.migrate_to's bound in schemas/theta.toml.
constexpr std::size_t kMaxMigrateTo = 256;

void SessionHost::export_sessions(MigrationBundle& bundle, Micros now) const {
  bundle.sessions.clear();
  for (const auto& [id, record] : handshake_.sessions()) bundle.sessions.push_back(record);
  bundle.bans.clear();
  for (const auto& [key, ban] : handshake_.bans()) {
    if (ban.until && *ban.until <= now) continue;  // ran out
    MigrationBan out;
    out.key = key;
    if (ban.until) out.remaining = *ban.until - now;
    out.reason = ban.reason;
    bundle.bans.push_back(std::move(out));
  }
  bundle.admins.clear();
  for (const auto& [key, sequence] : control_desk_.sequences()) {
    bundle.admins.push_back(MigrationAdmin{key, sequence});
  }
}

Status SessionHost::restore_sessions(const MigrationBundle& bundle, Micros now) {
  if (!peers_.empty() || !handshake_.sessions().empty()) {
    return make_error(ErrorCode::kState,
                      "sessions are restored into a host without sessions or connections only");
  }
  for (const SessionRecord& record : bundle.sessions) {
    if (Status restored = handshake_.restore_session(record, now); !restored.ok()) {
      for (const SessionRecord& r : bundle.sessions) handshake_.end_session(r.session_id);
      return restored;
    }
  }
  for (const MigrationBan& ban : bundle.bans) {
    std::optional<Micros> until;
    if (ban.remaining) until = now + *ban.remaining;
    handshake_.ban(ban.key, until, ban.reason);
  }
  for (const MigrationAdmin& admin : bundle.admins) {
    control_desk_.restore(admin.key, admin.last_sequence);
  }
  return {};
}

Status SessionHost::migrate(const std::string& migrate_to, const Ed25519PublicKey& successor_key,
                            std::string reason) {
  if (migrated_to_) {
    return make_error(ErrorCode::kState, "migrated already, to ", *migrated_to_);
  }
  if (migrate_to.empty() || migrate_to.size() > kMaxMigrateTo) {
    return make_error(ErrorCode::kInvalidArgument, "migrate_to must be 1 to ", kMaxMigrateTo,
                      " bytes (host:port)");
  }
  migrated_to_ = migrate_to;
  SessionControl intent;
  intent.action = ControlAction::kMigrationIntent;
  intent.target = 0;  // every session
  intent.reason = reason;
  intent.migrate_to = migrate_to;
  intent.successor_key = successor_key;
  std::vector<transport::ConnectionId> conns;
  for (const auto& [conn, peer] : peers_) conns.push_back(conn);
  for (transport::ConnectionId conn : conns) {
    Peer& peer = peers_.at(conn);
    if (!peer.established) {
      // A handshake under way has no session to move: its client starts one at the successor.
      transmits_.close(conn, CloseCode::kMigrated, "migrated to " + migrate_to);
      peers_.erase(conn);
      continue;
    }
    // The intent goes on the control lane ahead of the close, which flushes the lanes first: a
    // client knows where to go before it sees the code.
    (void)peer.lanes.queue(intent);
    end_connection(conn, CloseCode::kMigrated, reason, "migrated to " + migrate_to, false);
  }
  return {};
}

}  // namespace theta_net::session
