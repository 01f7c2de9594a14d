// QUIC connection lifecycle on loopback: timeouts, keep-alive, reconnection after a server
// restart, hostile traffic, ALPN, certificate pinning, PEM files, key log and qlog output.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "quic_test_util.hpp"
#include "theta_net/transport/close_code.hpp"

namespace theta_net::transport {
namespace {

using namespace testing;
namespace fs = std::filesystem;

fs::path temp_dir(const std::string& name) {
  fs::path dir =
      fs::temp_directory_path() / ("theta_transport_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

TEST(QuicLifecycle, IdleConnectionTimesOutOnBothSides) {
  QuicServerConfig sc = server_config();
  sc.idle_timeout = 300ms;
  auto server = std::move(QuicServer::create(sc).value());
  QuicClientConfig cc = client_config(*server);
  cc.idle_timeout = 300ms;
  auto client = std::move(QuicClient::create(cc).value());
  Recorder s{server.get(), {}}, c{client.get(), {}};
  ASSERT_TRUE(pump_until({&s, &c}, [&] { return c.count(EventKind::kConnected) == 1; }));
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(pump_until(
      {&s, &c},
      [&] { return c.count(EventKind::kTimedOut) == 1 && s.count(EventKind::kTimedOut) == 1; },
      5s));
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 3s);
  EXPECT_TRUE(server->connections().empty());
  EXPECT_TRUE(client->connections().empty());
}

TEST(QuicLifecycle, KeepAliveHoldsAnIdleConnectionOpen) {
  QuicServerConfig sc = server_config();
  sc.idle_timeout = 300ms;
  auto server = std::move(QuicServer::create(sc).value());
  QuicClientConfig cc = client_config(*server);
  cc.idle_timeout = 300ms;
  cc.keep_alive = 100ms;
  auto client = std::move(QuicClient::create(cc).value());
  Recorder s{server.get(), {}}, c{client.get(), {}};
  ASSERT_TRUE(pump_until({&s, &c}, [&] { return c.count(EventKind::kConnected) == 1; }));
  pump_until(
      {&s, &c}, [] { return false; }, 1200ms);
  EXPECT_EQ(c.count(EventKind::kTimedOut), 0u);
  EXPECT_EQ(s.count(EventKind::kTimedOut), 0u);
  EXPECT_EQ(server->connections().size(), 1u);
}

TEST(QuicLifecycle, ClientsReconnectWithBackoffAfterAServerRestart) {
  auto server = std::move(QuicServer::create(server_config()).value());
  const std::uint16_t port = server->port();
  std::vector<std::unique_ptr<QuicClient>> clients;
  std::vector<Recorder> recs;
  for (int i = 0; i < 3; ++i) {
    QuicClientConfig cc = client_config(*server);
    cc.reconnect.enabled = true;
    cc.reconnect.initial_delay = 20ms;
    cc.reconnect.max_delay = 200ms;
    cc.seed = 100 + i;
    clients.push_back(std::move(QuicClient::create(cc).value()));
  }
  for (auto& c : clients) recs.push_back(Recorder{c.get(), {}});
  Recorder s{server.get(), {}};
  std::vector<Recorder*> all{&s};
  for (auto& r : recs) all.push_back(&r);
  ASSERT_TRUE(pump_until(all, [&] { return server->connections().size() == 3; }));
  std::vector<ConnectionId> first;
  ASSERT_TRUE(pump_until(all, [&] {
    for (auto& c : clients)
      if (!c->current()) return false;
    return true;
  }));
  for (auto& c : clients) first.push_back(*c->current());

  server.reset();  // closes every connection with kShutdown
  all.erase(all.begin());
  // While the port is closed, attempts fail (ICMP refused) and the backoff grows.
  ASSERT_TRUE(pump_until(all, [&] {
    for (auto& c : clients)
      if (c->failed_attempts() < 2) return false;
    return true;
  }));
  for (auto& r : recs) {
    ASSERT_EQ(r.count(EventKind::kDisconnected), 1u);
    EXPECT_EQ(r.events.back().close.code, code_value(CloseCode::kShutdown));
    EXPECT_TRUE(r.events.back().close.by_peer);
  }
  QuicServerConfig again = server_config();
  again.port = port;
  server = std::move(QuicServer::create(again).value());
  Recorder s2{server.get(), {}};
  all.insert(all.begin(), &s2);
  ASSERT_TRUE(pump_until(
      all,
      [&] {
        for (auto& r : recs)
          if (r.count(EventKind::kConnected) != 2) return false;
        return true;
      },
      15s));
  for (std::size_t i = 0; i < clients.size(); ++i) {
    EXPECT_NE(*clients[i]->current(), first[i]);  // a new connection, a new id
    EXPECT_EQ(clients[i]->failed_attempts(), 0u);
    ASSERT_TRUE(clients[i]->send(*clients[i]->current(), Lane::kChat, pattern(10, 1)).ok());
  }
  ASSERT_TRUE(pump_until(all, [&] { return s2.messages().size() == 3; }));
}

TEST(QuicLifecycle, GarbageUdpAndAWrongAlpnDoNotDisturbOtherConnections) {
  auto server = std::move(QuicServer::create(server_config()).value());
  auto good = std::move(QuicClient::create(client_config(*server)).value());
  Recorder s{server.get(), {}}, g{good.get(), {}};
  ASSERT_TRUE(pump_until({&s, &g}, [&] { return g.count(EventKind::kConnected) == 1; }));

  // Garbage: random bytes, a truncated long header, an Initial-looking prefix, empty-ish.
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(server->port());
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (std::uint32_t i = 0; i < 300; ++i) {
    Bytes junk = pattern(1 + i * 7 % 1400, i);
    if (i % 3 == 0) junk[0] = 0xc0;  // long header bit set
    if (i % 5 == 0 && junk.size() > 5) junk[1] = junk[2] = junk[3] = 0, junk[4] = 1;  // version 1
    ::sendto(fd, junk.data(), junk.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  }
  ::close(fd);
  pump_until(
      {&s, &g}, [] { return false; }, 100ms);

  QuicClientConfig wrong = client_config(*server);
  wrong.alpn = "h3";
  auto bad = std::move(QuicClient::create(wrong).value());
  Recorder b{bad.get(), {}};
  ASSERT_TRUE(pump_until(
      {&s, &g, &b}, [&] { return b.count(EventKind::kDisconnected) == 1; }, 1s));
  EXPECT_EQ(b.count(EventKind::kConnected), 0u);
  EXPECT_TRUE(b.events.back().close.by_peer);
  EXPECT_EQ(b.events.back().close.kind, CloseInfo::Kind::kTransport);
  EXPECT_EQ(b.events.back().close.code, 0x100u + 120);  // CRYPTO_ERROR no_application_protocol

  // The good connection carries traffic as before.
  ASSERT_TRUE(good->send(*good->current(), Lane::kControl, pattern(500, 9)).ok());
  ASSERT_TRUE(pump_until({&s, &g}, [&] { return s.messages().size() == 1; }));
  ASSERT_TRUE(server->send(server->connections().at(0), Lane::kChat, pattern(50, 3)).ok());
  ASSERT_TRUE(pump_until({&s, &g}, [&] { return g.messages().size() == 1; }));
  EXPECT_EQ(server->connections().size(), 1u);
  EXPECT_EQ(g.count(EventKind::kDisconnected), 0u);
  EXPECT_GE(server->counters().garbage_packets, 250u);
}

TEST(QuicLifecycle, CertificatePinningAcceptsTheRightCertificateOnly) {
  auto server = std::move(QuicServer::create(server_config()).value());
  ASSERT_EQ(server->certificate_sha256().size(), 64u);
  QuicClientConfig right = client_config(*server);
  std::string colons;  // the pin may be written with colons and upper case
  for (std::size_t i = 0; i < 64; i += 2) {
    if (i) colons += ':';
    colons += server->certificate_sha256().substr(i, 2);
  }
  for (char& ch : colons) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  right.pinned_sha256 = colons;
  QuicClientConfig wrong = client_config(*server);
  wrong.pinned_sha256 = std::string(64, 'a');
  wrong.reconnect.enabled = true;  // a pin mismatch is permanent: no retries
  auto ok = std::move(QuicClient::create(right).value());
  auto bad = std::move(QuicClient::create(wrong).value());
  Recorder s{server.get(), {}}, o{ok.get(), {}}, b{bad.get(), {}};
  ASSERT_TRUE(pump_until({&s, &o, &b}, [&] {
    return o.count(EventKind::kConnected) == 1 && b.count(EventKind::kDisconnected) == 1;
  }));
  EXPECT_EQ(b.count(EventKind::kConnected), 0u);
  EXPECT_NE(b.events.back().close.reason.find("pinned"), std::string::npos);
  EXPECT_EQ(bad->failed_attempts(), 1u);
  QuicClientConfig malformed = client_config(*server);
  malformed.pinned_sha256 = "xyz";
  EXPECT_FALSE(QuicClient::create(malformed).ok());
}

TEST(QuicLifecycle, PemFilesKeyLogAndQlog) {
  const fs::path dir = temp_dir("pem");
  const std::string cert = (dir / "cert.pem").string(), key = (dir / "key.pem").string();
  const std::string cmd =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 "
      "-subj /CN=localhost -keyout " +
      key + " -out " + cert + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  QuicServerConfig sc = server_config();
  sc.cert_file = cert;
  sc.key_file = key;
  sc.qlog_dir = dir.string();
  auto server = std::move(QuicServer::create(sc).value());
  QuicClientConfig cc = client_config(*server);
  cc.pinned_sha256 = server->certificate_sha256();
  cc.keylog_file = (dir / "keys.log").string();
  cc.qlog_dir = dir.string();
  auto client = std::move(QuicClient::create(cc).value());
  Recorder s{server.get(), {}}, c{client.get(), {}};
  ASSERT_TRUE(pump_until({&s, &c}, [&] { return s.count(EventKind::kConnected) == 1; }));
  client->close(*client->current(), 0, "done");
  ASSERT_TRUE(pump_until({&s, &c}, [&] { return s.count(EventKind::kDisconnected) == 1; }));
  client.reset();
  server.reset();

  std::ifstream keys(dir / "keys.log");
  std::stringstream text;
  text << keys.rdbuf();
  EXPECT_NE(text.str().find("CLIENT_HANDSHAKE_TRAFFIC_SECRET "), std::string::npos);
  EXPECT_NE(text.str().find("SERVER_TRAFFIC_SECRET_0 "), std::string::npos);
  int qlogs = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".sqlog" && fs::file_size(entry.path()) > 100) ++qlogs;
  }
  EXPECT_EQ(qlogs, 2);  // one per side
  QuicServerConfig missing = server_config();
  missing.cert_file = (dir / "nope.pem").string();
  missing.key_file = key;
  EXPECT_FALSE(QuicServer::create(missing).ok());
  fs::remove_all(dir);
}

TEST(QuicLifecycle, QlogDirIsCreatedOrRefusedByName) {
  const fs::path dir = temp_dir("qlog_dir");
  QuicServerConfig sc = server_config();
  sc.qlog_dir = (dir / "nested" / "qlogs").string();  // missing parents are made
  auto server = QuicServer::create(sc);
  ASSERT_TRUE(server.ok()) << server.error().describe();
  EXPECT_TRUE(fs::is_directory(sc.qlog_dir));

  std::ofstream(dir / "plain") << "a file, not a folder";
  QuicClientConfig cc = client_config(**server);
  cc.qlog_dir = (dir / "plain").string();
  const auto client = QuicClient::create(cc);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().code, ErrorCode::kIo);
  EXPECT_NE(client.error().message.find("qlog_dir '" + cc.qlog_dir + "'"), std::string::npos);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace theta_net::transport
