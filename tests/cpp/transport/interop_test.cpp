// An independent QUIC implementation (quic-go, tests/interop/quicgo) completes the handshake
// against our server and speaks the lane framing. Skipped when Go or quic-go is not installed
// (scripts/bootstrap installs golang-go and golang-github-lucas-clemente-quic-go-dev).
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>

#include "quic_test_util.hpp"

namespace theta_net::transport {
namespace {

using namespace testing;
namespace fs = std::filesystem;

std::string run(const std::string& cmd, int& status) {
  std::string out;
  if (FILE* p = ::popen((cmd + " 2>&1").c_str(), "r")) {
    char buf[512];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    status = ::pclose(p);
  } else {
    status = -1;
  }
  return out;
}

std::string text(const Bytes& b) {
  return std::string(b.begin(), b.end());
}

TEST(Interop, QuicGoClientCompletesTheHandshakeAndSpeaksTheLanes) {
  const fs::path source = fs::path(THETA_SOURCE_DIR) / "tests/interop/quicgo/main.go";
  if (!fs::exists("/usr/bin/go") ||
      !fs::exists("/usr/share/gocode/src/github.com/lucas-clemente/quic-go")) {
    GTEST_SKIP() << "go or quic-go missing (apt packages golang-go, "
                    "golang-github-lucas-clemente-quic-go-dev)";
  }
  // The Go build cache is shared (go locks it); the binary is per process, so two checkouts
  // testing at once do not overwrite each other's.
  const fs::path cache = fs::temp_directory_path() / "theta_quicgo_cache";
  const fs::path work = fs::temp_directory_path() / ("theta_quicgo_" + std::to_string(::getpid()));
  fs::create_directories(cache);
  fs::create_directories(work);
  const fs::path binary = work / "quicgo_client";
  int status = 0;
  // GOCACHE under /tmp is reused across runs: a rebuild after the first takes well under 1 s.
  const std::string build =
      "cd " + work.string() +
      " && GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE=" + cache.string() +
      " HOME=" + work.string() + " go build -o " + binary.string() + " " + source.string();
  const std::string build_log = run(build, status);
  ASSERT_EQ(status, 0) << build_log;

  auto server = std::move(QuicServer::create(server_config()).value());
  const std::uint16_t port = server->port();
  std::atomic<bool> stop{false};
  std::vector<Event> seen;
  std::thread io([&] {  // echo server: control back on control, a chat message, a datagram
    while (!stop) {
      server->poll(std::chrono::milliseconds(2));
      while (auto e = server->next_event()) {
        if (e->kind == EventKind::kMessage && e->lane == Lane::kControl) {
          (void)server->send(e->conn, Lane::kControl, e->payload);
          const std::string hi = "hello from theta_net";
          (void)server->send(e->conn, Lane::kChat, Bytes(hi.begin(), hi.end()));
        }
        if (e->kind == EventKind::kMessage && e->lane == Lane::kInput) {
          const std::string pong = "pong";
          (void)server->send(e->conn, Lane::kEntities, Bytes(pong.begin(), pong.end()));
        }
        seen.push_back(std::move(*e));
      }
    }
  });
  const std::string out =
      run("timeout 20 " + binary.string() + " 127.0.0.1:" + std::to_string(port), status);
  // Let the server read the client's CONNECTION_CLOSE.
  const auto end = std::chrono::steady_clock::now() + 2s;
  while (std::chrono::steady_clock::now() < end && server->counters().accepted == 1 &&
         !server->connections().empty()) {
    std::this_thread::sleep_for(10ms);
  }
  stop = true;
  io.join();
  fs::remove_all(work);
  ASSERT_EQ(status, 0) << out;
  EXPECT_NE(out.find("handshake ok, alpn theta/1"), std::string::npos) << out;
  EXPECT_NE(out.find("control echo: hello from quic-go"), std::string::npos) << out;
  EXPECT_NE(out.find("lane 5: hello from theta_net"), std::string::npos) << out;
  EXPECT_NE(out.find("datagram lane 2: pong"), std::string::npos) << out;
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.front().kind, EventKind::kConnected);
  EXPECT_EQ(text(seen[1].payload), "hello from quic-go");
  EXPECT_EQ(seen.back().kind, EventKind::kDisconnected);
  EXPECT_TRUE(seen.back().close.by_peer);
  EXPECT_EQ(seen.back().close.reason, "bye");
}

}  // namespace
}  // namespace theta_net::transport
