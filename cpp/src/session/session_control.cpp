#include "theta_net/session/session_control.hpp"

#include <iomanip>
#include <sstream>

#include "theta_net/protocol/control_signature.hpp"

namespace theta_net::session {

using namespace protocol;

std::string session_hex(std::uint64_t session_id) {
  std::ostringstream out;
  out << "0x" << std::hex << std::setw(16) << std::setfill('0') << session_id;
  return out.str();
}

std::uint64_t SessionControlDesk::last_sequence(const Ed25519PublicKey& admin) const {
  const auto it = last_.find(admin);
  return it == last_.end() ? 0 : it->second;
}

ControlDecision SessionControlDesk::check(const SessionControl& control, const SessionRecord& admin,
                                          const ServerHandshake& sessions) {
  auto refuse = [](std::string text) { return ControlDecision{false, std::move(text)}; };
  if (!role_may_send(admin.role, MessageType::kSessionControl)) {
    return refuse(str_cat("the role ", enum_name(admin.role).value_or("unknown"),
                          " may not send SessionControl"));
  }
  if (!control.signature) return refuse("the SessionControl is not signed");
  if (!verify_session_control(control, admin.client_key)) {
    return refuse("the SessionControl signature does not verify under the key this session proved");
  }
  const std::uint64_t expected = last_sequence(admin.client_key) + 1;
  if (control.sequence != expected) {
    return refuse(str_cat("sequence ", control.sequence, " is not the next of this admin (",
                          expected, "): a repeated or skipped control is refused"));
  }
  last_[admin.client_key] = control.sequence;

  if (control.action == ControlAction::kMigrationIntent) {
    return refuse("migration_intent is the server's to send, not an admin's");
  }
  if (control.action == ControlAction::kRoleChange && !control.role) {
    return refuse("a role_change names no role");
  }
  if (control.action == ControlAction::kRoleChange && !enum_name(*control.role)) {
    return refuse(str_cat("role ", static_cast<int>(*control.role), " is not a Role"));
  }
  const SessionRecord* target = sessions.session(control.target);
  if (!target)
    return refuse(str_cat("no session ", session_hex(control.target), " on this server"));

  const std::string who =
      str_cat("session ", session_hex(control.target), " ('", target->client_name, "')");
  switch (control.action) {
    case ControlAction::kKick:
      return {true, "kicked " + who};
    case ControlAction::kBan:
      return {true, control.ban_seconds == 0
                        ? str_cat("banned the key of ", who, " for good")
                        : str_cat("banned the key of ", who, " for ", control.ban_seconds, " s")};
    case ControlAction::kRoleChange:
      return {true, str_cat("gave ", who, " the role ", enum_name(*control.role).value_or("?"))};
    case ControlAction::kMigrationIntent:
      break;
  }
  return refuse("unknown action");
}

}  // namespace theta_net::session
