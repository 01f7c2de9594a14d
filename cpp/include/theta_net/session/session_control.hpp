// Session control on the server (docs/protocol.md, "Session control"): an admin's SessionControl
// is checked here before SessionHost acts on it. The checks, in order: the sender's role may send
// it, it is signed by the sender's proven key, its sequence is the next of that admin's (from 1,
// one more each time: a replayed or skipped control is refused), its action is one an admin
// sends (kick, ban, role_change with a role) and its target is a session the server knows.
// Sequences are kept per admin key, so they survive the admin's reconnections.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "theta_net/core/ed25519.hpp"
#include "theta_net/protocol/handshake.hpp"

namespace theta_net::session {

struct ControlDecision {
  bool accepted = false;
  std::string text;  // what was done, or why not
};

class SessionControlDesk {
 public:
  // Decides on `control` from the session `admin`, given the server's sessions. A control whose
  // signature and sequence hold uses up its sequence even when its action is then refused.
  ControlDecision check(const protocol::SessionControl& control,
                        const protocol::SessionRecord& admin,
                        const protocol::ServerHandshake& sessions);

  // The last sequence accepted from this admin key (0: none yet).
  std::uint64_t last_sequence(const Ed25519PublicKey& admin) const;
  // Every admin key that sent a control, with its last sequence (a migration bundle carries
  // them, so an admin's numbering goes on at the successor).
  const std::map<Ed25519PublicKey, std::uint64_t>& sequences() const { return last_; }
  void restore(const Ed25519PublicKey& admin, std::uint64_t last_sequence) {
    last_[admin] = last_sequence;
  }

 private:
  std::map<Ed25519PublicKey, std::uint64_t> last_;  // ordered: deterministic
};

// "0x" and 16 hex digits: how session ids are written in texts and events.
std::string session_hex(std::uint64_t session_id);

}  // namespace theta_net::session
