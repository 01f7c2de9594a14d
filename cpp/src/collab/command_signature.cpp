#include "theta_net/collab/command_signature.hpp"

namespace theta_net::collab {

Bytes command_signed_bytes(const protocol::CommandLogEntry& entry) {
  // The domain and its terminating zero byte.
  Bytes out(kCommandSignatureDomain.begin(), kCommandSignatureDomain.end());
  out.push_back(0);
  ByteWriter w(out);
  w.bytes(entry.author);
  w.u64le(entry.sequence);
  w.u64le(entry.lamport);
  w.u64le(entry.base_version);
  w.u16le(entry.command);
  // The payload is bounded by the schema (64 KiB); a u32 length covers anything a caller passes.
  w.u32le(static_cast<std::uint32_t>(entry.payload.size()));
  w.bytes(entry.payload);
  return out;
}

void sign_command(protocol::CommandLogEntry& entry, const Ed25519KeyPair& key) {
  entry.author = key.public_key();
  entry.signature = key.sign(command_signed_bytes(entry));
}

bool verify_command(const protocol::CommandLogEntry& entry) {
  return ed25519_verify(entry.author, command_signed_bytes(entry), entry.signature);
}

}  // namespace theta_net::collab
