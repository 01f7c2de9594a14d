// Fuzzes the migration bundle decoder (session/migration_bundle.hpp), a border a successor
// server reads from a file. Input byte 0 picks the mode: even, the rest is a whole file; odd, the
// rest edits a valid bundle made here (pairs of bytes: a position and a value XORed into it, then
// a cut), so the mutations reach deep into the sections past the magic. Whatever comes, decoding
// never crashes nor allocates without bound; a bundle it accepts encodes back to the same bytes
// and imports into a fresh DataServer.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "theta_net/collab/data_write_command.hpp"
#include "theta_net/session/data_server.hpp"
#include "theta_net/session/data_soak_workload.hpp"
#include "theta_net/session/migration_bundle.hpp"

namespace {

using namespace theta_net;
using namespace theta_net::session;

Ed25519KeyPair key_of(std::uint8_t n) {
  std::array<std::uint8_t, 32> seed{};
  seed[0] = n;
  return Ed25519KeyPair::from_seed(seed).value();
}

DataServerConfig signed_config() {
  DataServerConfig config;
  config.signed_commands = true;
  return config;
}

// A bundle with a store, a log of three commands, two sessions, a ban and an admin.
const Bytes& valid_bundle() {
  static const Bytes bytes = [] {
    DataServer server(soak_schema(), signed_config(), key_of(1), Rng(1));
    SoakWorkload workload(soak_schema(), 6, Rng(2));
    for (std::uint64_t first = 1; first <= 6; first += 2) {
      if (!server.collab()
               ->submit(
                   key_of(static_cast<std::uint8_t>(20 + first)),
                   static_cast<std::uint16_t>(protocol::CommandKind::kDataWrite),
                   collab::encode_data_write(*soak_schema(), workload.populate(first, 2).ops()))
               .ok()) {
        std::abort();
      }
      server.collab()->flush(Micros{0});
    }
    MigrationBundle bundle = server.export_migration(Micros{0});
    for (std::uint8_t i = 0; i < 2; ++i) {
      protocol::SessionRecord s;
      s.session_id = 7 + i;
      s.role = protocol::Role::kEditor;
      s.client_key = key_of(static_cast<std::uint8_t>(40 + i)).public_key();
      s.client_name = "c";
      bundle.sessions.push_back(s);
    }
    bundle.bans.push_back(MigrationBan{key_of(50).public_key(), Micros(5), "x"});
    bundle.admins.push_back(MigrationAdmin{key_of(40).public_key(), 3});
    return encode_migration_bundle(bundle).value();
  }();
  return bytes;
}

void check(ByteSpan file) {
  MigrationLimits limits;
  limits.max_bytes = 1u << 20;
  auto decoded = decode_migration_bundle(file, soak_schema(), limits);
  if (!decoded.ok()) return;
  auto again = encode_migration_bundle(*decoded);
  if (!again.ok() || ByteSpan(*again).size() != file.size() ||
      !std::equal(again->begin(), again->end(), file.begin())) {
    std::abort();  // one encoding per bundle
  }
  DataServer successor(soak_schema(), signed_config(), key_of(2), Rng(3));
  if (!successor.import_migration(*decoded, Micros{0}).ok()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const ByteSpan rest(data + 1, size - 1);
  if (data[0] % 2 == 0) {
    check(rest);
    return 0;
  }
  Bytes file = valid_bundle();
  std::size_t i = 0;
  for (; i + 1 < rest.size() && i < 16; i += 2) file[rest[i] * file.size() / 256] ^= rest[i + 1];
  if (i < rest.size()) file.resize(file.size() - rest[i] % 8 * (file.size() / 64));
  check(file);
  return 0;
}
