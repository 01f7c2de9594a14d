#include "theta_net/session/local_data_session.hpp"

namespace theta_net::session {

LocalDataSession::~LocalDataSession() {
  // Clients, then the server, then the network whose endpoints they use.
  clients_.clear();
  server_driver_.reset();
  server_.reset();
  network_.reset();
}

Result<std::unique_ptr<LocalDataSession>> LocalDataSession::create(
    std::shared_ptr<const data::DataSchema> schema, LocalDataSessionConfig config) {
  std::unique_ptr<LocalDataSession> s(new LocalDataSession());
  s->config_ = std::move(config);
  s->schema_ = std::move(schema);
  s->keys_ = Rng(s->config_.network.seed);
  THETA_TRY_ASSIGN(s->network_, LocalNetwork::create(s->config_.network));
  s->server_ = std::make_unique<DataServer>(s->schema_, s->config_.server,
                                            Ed25519KeyPair::from_rng(s->keys_), s->keys_.fork(1));
  s->server_driver_ = std::make_unique<ServerDriver>(s->network_->server(), s->server_->sessions(),
                                                     s->server_.get());
  return s;
}

Result<std::size_t> LocalDataSession::add_client(const LocalDataClientSpec& spec) {
  THETA_TRY_ASSIGN(transport::Endpoint * endpoint,
                   network_->add_client(spec.name, spec.link, spec.relay));
  Client client;
  client.name = spec.name;
  DataClientConfig app;
  app.name = spec.name;
  app.db = spec.db;
  app.signed_commands = spec.signed_commands;
  app.collab = spec.collab;
  client.app = std::make_unique<DataClient>(schema_, app, Ed25519KeyPair::from_rng(keys_),
                                            keys_.fork(100 + clients_.size()));
  client.driver = std::make_unique<ClientDriver>(*endpoint, client.app->session(), client.app.get(),
                                                 config_.client_driver);
  clients_.push_back(std::move(client));
  return clients_.size() - 1;
}

Status LocalDataSession::cut_off(std::size_t client, Micros duration) {
  return network_->cut_off(client, now(), duration);
}

Status LocalDataSession::pause(std::size_t client, Micros duration) {
  if (client >= clients_.size()) return make_error(ErrorCode::kOutOfRange, "no client ", client);
  clients_[client].paused_until = now() + duration;
  return {};
}

void LocalDataSession::step() {
  const Micros t = network_->advance(*server_driver_);
  server_driver_->step(t);
  for (Client& c : clients_) {
    if (t < c.paused_until) continue;
    c.driver->step(t);
  }
}

void LocalDataSession::run_until(Micros t) {
  while (now() < t) step();
}

bool LocalDataSession::settled() const {
  if (server_->has_unflushed_writes()) return false;
  if (server_->collab() && server_->collab()->waiting() > 0) return false;
  const data::Version version = server_->data().store().version();
  for (const Client& c : clients_) {
    const data::ClientDB& db = c.app->db();
    if (db.status().state != data::SyncState::kReady || db.version() != version ||
        db.pending_writes() != 0) {
      return false;
    }
    if (c.app->collab() && c.app->collab()->unanswered() != 0) return false;
  }
  return true;
}

bool LocalDataSession::converged(std::size_t index) const {
  return clients_.at(index).app->db().view().canonical_bytes() ==
         server_->data().store().canonical_bytes();
}

}  // namespace theta_net::session
