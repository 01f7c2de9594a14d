// The signature on an admin's SessionControl (docs/protocol.md, "Session control"): Ed25519 by the
// admin session's proven key over a domain label and the fields action, target, role, reason,
// ban_seconds and sequence. The server verifies it before it acts; a client signs with these
// helpers. The per-admin sequence (from 1, one more each time) makes a replayed control a
// refused one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "theta_net/core/byte_io.hpp"
#include "theta_net/core/ed25519.hpp"
#include "theta_net/protocol/messages.hpp"

namespace theta_net::protocol {

// The bytes an admin signs for `control` (its signature, migrate_to and successor_key are not
// part of them).
Bytes session_control_transcript(const SessionControl& control);

// A SessionControl from an admin, signed by `admin`: `role` is for role_change, `ban_seconds` for
// ban (0 = for good).
SessionControl signed_session_control(const Ed25519KeyPair& admin, ControlAction action,
                                      std::uint64_t target, std::uint64_t sequence,
                                      std::optional<Role> role = std::nullopt,
                                      std::string reason = {}, std::uint32_t ban_seconds = 0);

// True when `control` carries a signature by `admin` over its transcript.
bool verify_session_control(const SessionControl& control, const Ed25519PublicKey& admin);

}  // namespace theta_net::protocol
