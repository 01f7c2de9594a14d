// A host migration run for the tests: a predecessor DataServer with signed commands, clients
// writing through it, then a successor started from the predecessor's bundle (a fresh server
// object with its own key, as a new process would be) and the clients sent over. Over SimNet
// (two server endpoints of one network) or over QUIC on loopback (two QuicServers).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "theta_net/collab/data_write_command.hpp"
#include "theta_net/session/client_driver.hpp"
#include "theta_net/session/data_client.hpp"
#include "theta_net/session/data_server.hpp"
#include "theta_net/session/data_soak_workload.hpp"
#include "theta_net/session/driver_clock.hpp"
#include "theta_net/session/server_driver.hpp"
#include "theta_net/transport/quic_client.hpp"
#include "theta_net/transport/quic_server.hpp"
#include "theta_net/transport/sim_net.hpp"

namespace theta_net::session::testing {

using namespace std::chrono_literals;

inline Ed25519KeyPair key_of(std::uint8_t n) {
  std::array<std::uint8_t, 32> seed{};
  seed[0] = n;
  return Ed25519KeyPair::from_seed(seed).value();
}

struct MigrationClient {
  std::unique_ptr<DataClient> app;
  std::unique_ptr<transport::QuicClient> quic;
  transport::Endpoint* endpoint = nullptr;
  std::unique_ptr<ClientDriver> driver;
};

class MigrationRun {
 public:
  // `quic`: real QUIC on loopback, else SimNet with `link` between every client and server.
  MigrationRun(bool quic, std::size_t clients, transport::LinkConfig link = {},
               std::uint64_t seed = 1)
      : quic_(quic), link_(link), net_(seed), workload_(soak_schema(), 40, Rng(seed + 7)) {
    if (quic_) {
      old_quic_ = transport::QuicServer::create({}).value();
      old_endpoint_ = old_quic_.get();
    } else {
      old_sim_ = &net_.add_endpoint("old");
      old_endpoint_ = old_sim_;
      new_sim_ = &net_.add_endpoint("successor");
    }
    old_ = std::make_unique<DataServer>(soak_schema(), server_config(), key_of(1), Rng(seed));
    old_driver_ = std::make_unique<ServerDriver>(*old_endpoint_, old_->sessions(), old_.get());
    // The server's own initial state, as signed commands (so the log holds every change).
    const auto seeded = old_->collab()->submit(
        key_of(99), static_cast<std::uint16_t>(protocol::CommandKind::kDataWrite),
        collab::encode_data_write(*soak_schema(), workload_.populate(1, 40).ops()));
    EXPECT_TRUE(seeded.ok());
    for (std::size_t i = 0; i < clients; ++i) add_client(i, seed);
  }

  static DataServerConfig server_config() {
    DataServerConfig config;
    config.signed_commands = true;
    return config;
  }

  void add_client(std::size_t i, std::uint64_t seed) {
    MigrationClient c;
    DataClientConfig config;
    config.name = str_cat("c", i);
    config.signed_commands = true;
    c.app = std::make_unique<DataClient>(
        soak_schema(), config, key_of(static_cast<std::uint8_t>(10 + i)), Rng(seed * 100 + i));
    if (quic_) {
      transport::QuicClientConfig q;
      q.port = old_quic_->port();
      q.seed = seed * 1000 + i + 1;
      q.reconnect.enabled = false;  // the driver dials
      c.quic = transport::QuicClient::create(q).value();
      c.endpoint = c.quic.get();
    } else {
      transport::SimEndpoint& e = net_.add_endpoint(config.name);
      net_.set_links(*old_sim_, e, link_);
      net_.set_links(*new_sim_, e, link_);
      e.connect(*old_sim_);
      c.endpoint = &e;
    }
    c.driver = std::make_unique<ClientDriver>(*c.endpoint, c.app->session(), c.app.get());
    clients_.push_back(std::move(c));
  }

  void step() {
    if (quic_) {
      (old_driver_ ? old_driver_ : new_driver_)->wait(now_, 1ms);
      now_ = clock_.now();
    } else {
      net_.advance_by(1ms);
      now_ = to_micros(net_.now());
    }
    if (old_driver_) old_driver_->step(now_);
    if (new_driver_) new_driver_->step(now_);
    for (MigrationClient& c : clients_) c.driver->step(now_);
  }
  void run_for(Micros d) {
    const Micros end = now_ + d;
    while (now_ < end) step();
  }
  // Every client's mirror ready at the serving server's version, nothing pending.
  bool settled() const {
    const DataServer& s = serving();
    if (s.collab()->waiting() > 0) return false;
    for (const MigrationClient& c : clients_) {
      const data::ClientDB& db = c.app->db();
      if (db.status().state != data::SyncState::kReady || db.version() != s.data().version() ||
          db.pending_writes() != 0 || c.app->collab()->unanswered() != 0) {
        return false;
      }
    }
    return true;
  }
  bool settle(Micros limit) {
    const Micros end = now_ + limit;
    while (!settled()) {
      if (now_ >= end) return false;
      step();
    }
    return true;
  }
  // One random write by each client in turn, `count` in all, one every `every`.
  void writes(int count, Micros every) {
    for (int i = 0; i < count; ++i) {
      (void)clients_[static_cast<std::size_t>(i) % clients_.size()].app->write(
          workload_.next_write());
      run_for(every);
    }
  }

  // The successor: a fresh server (its own key and randomness) from the predecessor's bundle,
  // through the file format, then the predecessor sends everyone there.
  void migrate(const Ed25519KeyPair& successor_key, const Ed25519PublicKey& announced) {
    MigrationBundle bundle = old_->export_migration(now_);
    const Bytes file = encode_migration_bundle(bundle).value();
    bundle_bytes_ = file.size();
    auto decoded = decode_migration_bundle(file, soak_schema());
    ASSERT_TRUE(decoded.ok()) << decoded.error().describe();
    successor_ =
        std::make_unique<DataServer>(soak_schema(), server_config(), successor_key, Rng(4242));
    const Status imported = successor_->import_migration(*decoded, now_);
    ASSERT_TRUE(imported.ok()) << imported.error().describe();
    std::string address = "successor";
    if (quic_) {
      new_quic_ = transport::QuicServer::create({}).value();
      address = str_cat("127.0.0.1:", new_quic_->port());
      new_driver_ =
          std::make_unique<ServerDriver>(*new_quic_, successor_->sessions(), successor_.get());
    } else {
      new_driver_ =
          std::make_unique<ServerDriver>(*new_sim_, successor_->sessions(), successor_.get());
    }
    ASSERT_TRUE(old_->migrate(address, announced).ok());
  }
  // The predecessor process ends (after its closes went out).
  void retire_old() { old_driver_.reset(); }

  const DataServer& serving() const { return successor_ ? *successor_ : *old_; }
  DataServer& old_server() { return *old_; }
  DataServer* successor() { return successor_.get(); }
  MigrationClient& client(std::size_t i) { return clients_.at(i); }
  std::size_t client_count() const { return clients_.size(); }
  std::size_t bundle_bytes() const { return bundle_bytes_; }
  Micros now() const { return now_; }

 private:
  bool quic_;
  transport::LinkConfig link_;
  transport::SimNet net_;
  SoakWorkload workload_;
  DriverClock clock_;
  Micros now_{0};
  transport::SimEndpoint* old_sim_ = nullptr;
  transport::SimEndpoint* new_sim_ = nullptr;
  std::unique_ptr<transport::QuicServer> old_quic_, new_quic_;
  transport::Endpoint* old_endpoint_ = nullptr;
  std::unique_ptr<DataServer> old_, successor_;
  std::unique_ptr<ServerDriver> old_driver_, new_driver_;
  std::vector<MigrationClient> clients_;
  std::size_t bundle_bytes_ = 0;
};

}  // namespace theta_net::session::testing
