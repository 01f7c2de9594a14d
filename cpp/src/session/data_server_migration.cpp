// DataServer's part in host migration: the bundle out, the bundle in, and the clients sent on
// (data_server.hpp and migration_bundle.hpp describe them).
#include "theta_net/session/data_server.hpp"

namespace theta_net::session {

MigrationBundle DataServer::export_migration(Micros now) {
  // Every command taken so far is applied and every write closed into a version: what the
  // clients were told was accepted is in the bundle.
  flush_and_drain(now);
  MigrationBundle bundle;
  bundle.schema_toml = data_.schema().to_toml();
  bundle.store = data_.store();
  if (collab_) bundle.collab = collab_->state();
  host_.export_sessions(bundle, now);
  return bundle;
}

Status DataServer::import_migration(const MigrationBundle& bundle, Micros now) {
  if (!clients_.empty() || !host_.handshake().sessions().empty() || !host_.sessions().empty() ||
      data_.version() != 0 || data_.store().size() != 0 || unflushed_ ||
      (collab_ && (collab_->log().next_index() != 1 || collab_->waiting() != 0))) {
    return make_error(ErrorCode::kState,
                      "a migration is imported into a fresh server only (no sessions, clients, "
                      "writes or commands)");
  }
  if (!bundle.store || bundle.store->schema_ptr() != data_.store().schema_ptr()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "the bundle's store is not of this server's schema object; decode it with "
                      "the schema the server was made with");
  }
  if (bundle.collab && !collab_) {
    return make_error(ErrorCode::kInvalidArgument,
                      "the bundle holds signed commands; the successor needs signed_commands");
  }
  THETA_TRY(data_.restore(*bundle.store));
  if (collab_ && bundle.collab) THETA_TRY(collab_->restore(*bundle.collab));
  if (resolver_) resolver_->restart(data_.version());
  return host_.restore_sessions(bundle, now);
}

Status DataServer::migrate(const std::string& migrate_to, const Ed25519PublicKey& successor_key,
                           std::string reason) {
  return host_.migrate(migrate_to, successor_key, std::move(reason));
}

}  // namespace theta_net::session
