// Roles that hold: whether a session's role may send a message, by the permission table of
// schemas/theta.toml (protocol::role_may_send, protocol::role_may_command), and the typed refusal
// the session layer answers with when it may not. SessionHost asks this for every message of
// every established session, on every lane, before anything else sees the message.
//
// A CommandLogEntry is checked here by message only. Its kind is checked against
// role_may_command by the collab::CollabHost that receives it (DataServer sets that hook), because
// a command refused there still uses its author's sequence and is answered with a CommandResult:
// refused here, unanswered, the author's later commands would all be refused as gaps.
#pragma once

#include <optional>

#include "theta_net/protocol/messages.hpp"

namespace theta_net::session {

// The refusal of `message` from a session of `role` (its text names the message and the role),
// or none when the role may send it.
std::optional<protocol::PermissionDenied> check_permission(protocol::Role role,
                                                           const protocol::AnyMessage& message);

}  // namespace theta_net::session
