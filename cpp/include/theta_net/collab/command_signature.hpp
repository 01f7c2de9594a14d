// The signature of a CommandLogEntry (docs/collaboration.md, "Signed commands and the command
// log"). The author signs, with Ed25519, the entry's canonical signed bytes:
//
//   "theta_net command v1" 0x00    the domain: these bytes are never another message's
//   author          32 bytes       the Ed25519 public key (the session's proven key)
//   sequence        u64 LE
//   lamport         u64 LE
//   base_version    u64 LE
//   command         u16 LE
//   payload length  u32 LE, then the payload's bytes
//
// Every field has a fixed width or a length prefix, so no two entries share signed bytes. The
// index is not signed: the server gives it after the author signed.
#pragma once

#include <string_view>

#include "theta_net/core/byte_io.hpp"
#include "theta_net/core/ed25519.hpp"
#include "theta_net/protocol/messages.hpp"

namespace theta_net::collab {

// The domain-separation prefix (followed by one zero byte in the signed bytes).
inline constexpr std::string_view kCommandSignatureDomain = "theta_net command v1";

// The bytes an entry's signature covers (above).
Bytes command_signed_bytes(const protocol::CommandLogEntry& entry);

// Sets the entry's author to `key`'s public key and signs it (the other signed fields must be
// set already; the index is left as it is).
void sign_command(protocol::CommandLogEntry& entry, const Ed25519KeyPair& key);

// Whether the entry's signature is its author's over its signed bytes.
bool verify_command(const protocol::CommandLogEntry& entry);

}  // namespace theta_net::collab
