// Host migration from Python (theta_net.migration): a CollabHost's store and signed-command state
// into a migration bundle file and back into a fresh CollabHost, and a bundle read as a dict.
// The session parts of a bundle (sessions, bans, admins) are made and taken by the C++
// DataServer; a bundle written here carries none.
#include <pybind11/stl.h>

#include "border.hpp"
#include "theta_net/collab/collab_host.hpp"
#include "theta_net/protocol/field_info.hpp"
#include "theta_net/session/migration_bundle.hpp"

namespace theta_net::bindings {
namespace {

using namespace pybind11::literals;

py::bytes key_to_py(const Ed25519PublicKey& key) {
  return py::bytes(reinterpret_cast<const char*>(key.data()), key.size());
}

py::dict bundle_to_py(const session::MigrationBundle& b) {
  py::dict out;
  out["version"] = b.store->version();
  out["digest"] = b.store->digest();
  out["entities"] = b.store->size();
  out["signed_commands"] = b.collab.has_value();
  if (b.collab) {
    out["clock"] = b.collab->clock;
    out["next_index"] = b.collab->next_index;
    out["log_entries"] = b.collab->log.size();
    py::list authors;
    for (const collab::AuthorState& a : b.collab->authors) {
      authors.append(py::dict("key"_a = key_to_py(a.key), "next_sequence"_a = a.next_sequence,
                              "last_lamport"_a = a.last_lamport));
    }
    out["authors"] = authors;
  }
  py::list sessions;
  for (const protocol::SessionRecord& s : b.sessions) {
    sessions.append(py::dict("session_id"_a = s.session_id,
                             "role"_a = std::string(protocol::enum_name(s.role).value_or("?")),
                             "client_key"_a = key_to_py(s.client_key),
                             "client_name"_a = s.client_name));
  }
  out["sessions"] = sessions;
  out["bans"] = b.bans.size();
  out["admins"] = b.admins.size();
  return out;
}

}  // namespace

void bind_migration(py::module_& m) {
  m.def(
      "migration_export",
      [](collab::CollabHost& host, const std::string& path, Micros now) {
        host.flush(now);  // what was taken is applied and closed into a version first
        session::MigrationBundle bundle;
        bundle.schema_toml = host.data().schema().to_toml();
        bundle.store = host.data().store();
        bundle.collab = host.state();
        unwrap(session::write_migration_bundle(path, bundle), ErrorKind::kData);
        return bundle_to_py(bundle);
      },
      "host"_a, "path"_a, "now"_a = Micros{0},
      "Flushes the host and writes its store and signed-command state as a migration bundle.");
  m.def(
      "migration_import",
      [](collab::CollabHost& host, const std::string& path) {
        auto bundle = unwrap(session::read_migration_bundle(path, host.data().store().schema_ptr()),
                             ErrorKind::kData);
        if (host.data().version() != 0 || host.log().next_index() != 1 || host.waiting() != 0) {
          unwrap(make_error(ErrorCode::kState,
                            "a migration is imported into a fresh host only (no writes or "
                            "commands)"),
                 ErrorKind::kData);
        }
        unwrap(host.data().restore(*bundle.store), ErrorKind::kData);
        if (bundle.collab) unwrap(host.restore(*bundle.collab), ErrorKind::kData);
        return bundle_to_py(bundle);
      },
      "host"_a, "path"_a,
      "Goes on from a migration bundle: a fresh host takes its store, version and command state.");
  m.def(
      "migration_read",
      [](const std::shared_ptr<data::DataSchema>& schema, const std::string& path) {
        return bundle_to_py(unwrap(session::read_migration_bundle(path, schema), ErrorKind::kData));
      },
      "schema"_a, "path"_a, "A migration bundle's contents, checked, as a dict.");
}

}  // namespace theta_net::bindings
