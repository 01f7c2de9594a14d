#include "theta_net/protocol/control_signature.hpp"

#include <string_view>

namespace theta_net::protocol {
namespace {

constexpr std::string_view kControlLabel = "theta/1 session control";

}  // namespace

Bytes session_control_transcript(const SessionControl& control) {
  // The label first, by construction: an append into a vector reserved for a size GCC 12 cannot
  // bound draws its -Wstringop-overflow false positive.
  Bytes out(kControlLabel.begin(), kControlLabel.end());
  out.reserve(out.size() + 1 + 8 + 2 + 4 + control.reason.size() + 4 + 8);
  ByteWriter w(out);
  w.u8(static_cast<std::uint8_t>(control.action));
  w.u64le(control.target);
  w.u8(control.role ? 1 : 0);
  w.u8(control.role ? static_cast<std::uint8_t>(*control.role) : 0);
  w.u32le(static_cast<std::uint32_t>(control.reason.size()));
  out.insert(out.end(), control.reason.begin(), control.reason.end());
  w.u32le(control.ban_seconds);
  w.u64le(control.sequence);
  return out;
}

SessionControl signed_session_control(const Ed25519KeyPair& admin, ControlAction action,
                                      std::uint64_t target, std::uint64_t sequence,
                                      std::optional<Role> role, std::string reason,
                                      std::uint32_t ban_seconds) {
  SessionControl control;
  control.action = action;
  control.target = target;
  control.role = role;
  control.reason = std::move(reason);
  control.ban_seconds = ban_seconds;
  control.sequence = sequence;
  control.signature = admin.sign(session_control_transcript(control));
  return control;
}

bool verify_session_control(const SessionControl& control, const Ed25519PublicKey& admin) {
  return control.signature &&
         ed25519_verify(admin, session_control_transcript(control), *control.signature);
}

}  // namespace theta_net::protocol
