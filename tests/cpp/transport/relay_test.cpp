// The UDP impairment relay, alone and with real QUIC through it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "quic_test_util.hpp"
#include "theta_net/core/crc32c.hpp"
#include "theta_net/transport/udp_relay.hpp"

namespace theta_net::transport {
namespace {

using namespace testing;

// Under ASan+UBSan everything runs several times slower: move fewer bytes there.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

struct RelayThread {
  explicit RelayThread(RelayConfig config) : relay(std::move(UdpRelay::create(config).value())) {
    thread = std::thread([this] { relay->run(std::chrono::seconds(120)); });
  }
  ~RelayThread() {
    relay->stop();
    thread.join();
  }
  std::unique_ptr<UdpRelay> relay;
  std::thread thread;
};

int udp_socket_bound(sockaddr_in& addr) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  timeval tv{0, 200000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

TEST(UdpRelay, DelaysDropsAndDuplicatesBothWaysAndCountsIt) {
  sockaddr_in server_addr{}, client_addr{};
  const int server = udp_socket_bound(server_addr);
  const int client = udp_socket_bound(client_addr);
  RelayConfig cfg;
  cfg.forward = "127.0.0.1:" + std::to_string(ntohs(server_addr.sin_port));
  cfg.impairment.latency = std::chrono::milliseconds(30);
  cfg.impairment.loss = 0.1;
  cfg.impairment.duplicate = 0.1;
  cfg.seed = 5;
  RelayThread relay(cfg);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  to.sin_port = htons(relay.relay->port());

  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 400; ++i) {
    std::uint8_t b[4] = {static_cast<std::uint8_t>(i), static_cast<std::uint8_t>(i >> 8), 0, 0};
    ::sendto(client, b, sizeof b, 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    // Small bursts: 400 packets at once would overflow the receiving test socket's buffer.
    if (i % 20 == 19) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  int got = 0;
  sockaddr_in from{};
  socklen_t from_len = sizeof from;
  std::uint8_t buf[64];
  while (::recvfrom(server, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &from_len) >
         0) {
    if (got++ == 0) {
      EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(29));
    }
  }
  EXPECT_GT(got, 300);
  EXPECT_LT(got, 420);
  // The reverse direction goes back to the client through the same relay session.
  ::sendto(server, buf, 4, 0, reinterpret_cast<sockaddr*>(&from), from_len);
  ::sendto(server, buf, 4, 0, reinterpret_cast<sockaddr*>(&from), from_len);
  int back = 0;
  while (::recvfrom(client, buf, sizeof buf, 0, nullptr, nullptr) > 0) ++back;
  EXPECT_GE(back, 1);
  const RelayCounters c = relay.relay->counters();
  EXPECT_EQ(c.received, 402u);
  EXPECT_GT(c.dropped, 20u);
  EXPECT_GT(c.duplicated, 20u);
  EXPECT_EQ(c.forwarded, c.received - c.dropped + c.duplicated);
  ::close(server);
  ::close(client);
}

TEST(UdpRelay, SixteenMebibytesArriveIntactAt100msRttAnd2PercentLoss) {
  const std::size_t size = kSanitized ? (2u << 20) : (16u << 20);
  QuicServerConfig sc = server_config();
  sc.congestion_control = CongestionControl::kBbr;
  auto server = std::move(QuicServer::create(sc).value());
  RelayConfig rc;
  rc.forward = "127.0.0.1:" + std::to_string(server->port());
  rc.impairment.latency = std::chrono::milliseconds(50);  // each way: 100 ms RTT
  rc.impairment.loss = 0.02;
  rc.seed = 2026;
  RelayThread relay(rc);
  QuicClientConfig cc = client_config(*server);
  cc.port = relay.relay->port();
  cc.congestion_control = CongestionControl::kBbr;
  auto client = std::move(QuicClient::create(cc).value());
  Recorder s{server.get(), {}}, c{client.get(), {}};
  ASSERT_TRUE(pump_until({&s, &c}, [&] { return s.count(EventKind::kConnected) == 1; }));

  const Bytes blob = pattern(size, 16);
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(client->send(*client->current(), Lane::kAssets, blob).ok());
  ASSERT_TRUE(pump_until(
      {&s, &c}, [&] { return !s.messages().empty(); }, std::chrono::seconds(100)));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const Bytes got = s.messages()[0].payload;
  ASSERT_EQ(got.size(), blob.size());
  EXPECT_EQ(crc32c(got), crc32c(blob));
  EXPECT_TRUE(got == blob);
  const RelayCounters counters = relay.relay->counters();
  EXPECT_GT(counters.dropped, 0u);
  std::printf("[ relay    ] %zu bytes in %.2f s (%.2f MB/s); relay dropped %llu of %llu packets\n",
              size, seconds, static_cast<double>(size) / seconds / 1e6,
              static_cast<unsigned long long>(counters.dropped),
              static_cast<unsigned long long>(counters.received));
}

TEST(UdpRelay, CutOffDropsEverythingBothWaysForItsTimeThenForwardsAgain) {
  sockaddr_in server_addr{}, client_addr{};
  const int server = udp_socket_bound(server_addr);
  const int client = udp_socket_bound(client_addr);
  RelayConfig cfg;
  cfg.forward = "127.0.0.1:" + std::to_string(ntohs(server_addr.sin_port));
  RelayThread relay(cfg);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  to.sin_port = htons(relay.relay->port());
  const auto send = [&](std::uint8_t tag) {
    ::sendto(client, &tag, 1, 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  };
  // Before the cut: forwarded, and the server's answer comes back through the relay.
  std::uint8_t got = 0;
  sockaddr_in from{};
  socklen_t len = sizeof from;
  send(1);
  ASSERT_EQ(::recvfrom(server, &got, 1, 0, reinterpret_cast<sockaddr*>(&from), &len), 1);
  EXPECT_EQ(got, 1);
  const sockaddr_in relay_side = from;

  relay.relay->cut_off(std::chrono::milliseconds(400));
  relay.relay->cut_off(std::chrono::milliseconds(10));  // a shorter second cut does not shorten it
  send(2);
  ::sendto(server, &got, 1, 0, reinterpret_cast<const sockaddr*>(&relay_side), sizeof relay_side);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(::recv(server, &got, 1, MSG_DONTWAIT), -1);  // neither way
  EXPECT_EQ(::recv(client, &got, 1, MSG_DONTWAIT), -1);
  const RelayCounters during = relay.relay->counters();
  EXPECT_EQ(during.cut_off, 2u);
  EXPECT_EQ(during.dropped, 2u);

  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  send(3);
  ASSERT_EQ(::recv(server, &got, 1, 0), 1);
  EXPECT_EQ(got, 3);
  EXPECT_EQ(relay.relay->counters().cut_off, 2u);
  ::close(server);
  ::close(client);
}

}  // namespace
}  // namespace theta_net::transport
