// Roles that hold: whether a session's role may send a message, by the permission table of
// schemas/theta.toml (protocol::role_may_send, protocol::role_may_command), and the typed refusal
// the session layer answers with when it may not. SessionHost asks this for every message of
// every established session, on every lane, before anything else sees the message.
#pragma once

#include <optional>

#include "theta_net/protocol/messages.hpp"

namespace theta_net::session {

// The refusal of `message` from a session of `role` (its text names the message, the command
// for a CommandLogEntry, and the role), or none when the role may send it.
std::optional<protocol::PermissionDenied> check_permission(protocol::Role role,
                                                           const protocol::AnyMessage& message);

}  // namespace theta_net::session
