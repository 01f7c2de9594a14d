// SessionHost's part in roles that hold and in session control: refusing a message for its
// sender's role, carrying out an admin's SessionControl, and ending a session's connection for
// either (session_host.hpp describes both; session_host.cpp has the handshake and the lanes).
#include "theta_net/protocol/message_codec.hpp"
#include "theta_net/session/session_host.hpp"

namespace theta_net::session {

using namespace protocol;

void SessionHost::end_connection(transport::ConnectionId conn, CloseCode code,
                                 const std::string& reason, std::string detail, bool forget) {
  auto it = peers_.find(conn);
  if (it == peers_.end()) return;
  const std::uint64_t session_id = it->second.session_id;
  it->second.lanes.flush(transmits_, conn);
  transmits_.close(conn, code, reason);
  if (forget) {
    handshake_.end_session(session_id);
  } else {
    handshake_.on_disconnect(session_id, now_);
  }
  HostEvent ended;
  ended.kind = HostEvent::Kind::kSessionEnded;
  ended.conn = conn;
  ended.session_id = session_id;
  ended.detail = std::move(detail);
  events_.push_back(std::move(ended));
  peers_.erase(it);
}

Status SessionHost::kick(std::uint64_t session_id, const std::string& reason) {
  if (!handshake_.session(session_id))
    return make_error(ErrorCode::kInvalidArgument, "no session ", session_hex(session_id));
  const std::string why = reason.empty() ? std::string("by the server") : reason;
  if (auto to = connection_of(session_id)) {
    SessionControl notice;
    notice.action = ControlAction::kKick;
    notice.target = session_id;
    notice.reason = reason;
    (void)peers_.at(*to).lanes.queue(notice);  // a control always fits its lane
    end_connection(*to, CloseCode::kKicked, why, "kicked: " + why, true);
  }
  handshake_.end_session(session_id);
  return {};
}

bool SessionHost::deny(transport::ConnectionId conn, Peer& peer, PermissionDenied denied) {
  ++counters_.permission_denied;
  if (now_ >= peer.grace_until) ++peer.denials;
  HostEvent event;
  event.kind = HostEvent::Kind::kPermissionDenied;
  event.conn = conn;
  event.session_id = peer.session_id;
  if (const SessionRecord* record = handshake_.session(peer.session_id)) event.session = *record;
  event.detail = denied.text;
  // A refusal is a few bytes on the control lane; a lane that cannot take it is a bug.
  if (Status queued = peer.lanes.queue(denied); !queued.ok()) {
    violation(conn, "cannot send PermissionDenied: " + queued.error().describe());
    return false;
  }
  event.message = std::move(denied);
  events_.push_back(std::move(event));
  if (config_.max_permission_denials != 0 && peer.denials >= config_.max_permission_denials) {
    ++counters_.permission_closes;
    const std::string reason = str_cat(peer.denials, " messages refused for permission");
    end_connection(
        conn, CloseCode::kPermissionDenied, reason,
        str_cat("closed (code ", static_cast<int>(CloseCode::kPermissionDenied), ": ", reason, ")"),
        false);
    return false;
  }
  return true;
}

bool SessionHost::on_control(transport::ConnectionId conn, Peer& peer,
                             const SessionControl& control) {
  const SessionRecord* admin = handshake_.session(peer.session_id);
  const SessionRecord* target = handshake_.session(control.target);
  HostEvent event;
  event.kind = HostEvent::Kind::kSessionControl;
  event.conn = conn;
  event.session_id = peer.session_id;
  event.target_session = control.target;
  if (target) event.session = *target;
  event.message = control;
  const ControlDecision decision = control_desk_.check(control, *admin, handshake_);
  event.accepted = decision.accepted;
  event.detail = decision.text;
  ++(decision.accepted ? counters_.controls_accepted : counters_.controls_refused);

  SessionControlResult result;
  result.sequence = control.sequence;
  result.accepted = decision.accepted;
  result.text = decision.text;
  if (Status queued = peer.lanes.queue(result); !queued.ok()) {
    violation(conn, "cannot send SessionControlResult: " + queued.error().describe());
    return false;
  }
  events_.push_back(std::move(event));
  if (!decision.accepted) return true;

  // What the target is told: the control as the server carries it out (unsigned).
  SessionControl notice;
  notice.action = control.action;
  notice.target = control.target;
  notice.role = control.role;
  notice.reason = control.reason;
  notice.ban_seconds = control.ban_seconds;
  auto tell = [&](transport::ConnectionId to) {
    if (auto it = peers_.find(to); it != peers_.end()) (void)it->second.lanes.queue(notice);
  };
  const std::string why = control.reason.empty() ? std::string("by an admin") : control.reason;
  switch (control.action) {
    case ControlAction::kRoleChange:
      handshake_.set_role(control.target, *control.role);
      if (auto to = connection_of(control.target)) {
        tell(*to);
        Peer& target_peer = peers_.at(*to);
        target_peer.denials = 0;
        target_peer.grace_until = now_ + config_.role_change_grace;
      }
      break;
    case ControlAction::kKick:
      if (auto to = connection_of(control.target)) {
        tell(*to);
        end_connection(*to, CloseCode::kKicked, why, "kicked: " + why, true);
      }
      handshake_.end_session(control.target);
      break;
    case ControlAction::kBan: {
      const Ed25519PublicKey key = target->client_key;
      // Every connection of that key goes, not only the named session's.
      std::vector<transport::ConnectionId> banned;
      for (const auto& [c, p] : peers_) {
        const SessionRecord* r = p.established ? handshake_.session(p.session_id) : nullptr;
        if (r && r->client_key == key) banned.push_back(c);
      }
      for (transport::ConnectionId c : banned) {
        tell(c);
        end_connection(c, CloseCode::kBanned, why, "banned: " + why, true);
      }
      std::optional<Micros> until;
      if (control.ban_seconds != 0) until = now_ + std::chrono::seconds(control.ban_seconds);
      handshake_.ban(key, until, control.reason);
      break;
    }
    case ControlAction::kMigrationIntent:
      break;  // refused by the desk
  }
  return peers_.contains(conn);
}

}  // namespace theta_net::session
