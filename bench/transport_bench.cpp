// QUIC transport on loopback, each figure next to its baseline in the same run:
//   handshake completed / confirmed, median and p99 over 200 sequential connections;
//   a 256 MiB one-way stream transfer (sender and receiver on their own threads);
//   datagram round trip (32 B, 10,000 pings) next to plain UDP ping-pong with the same
//   ppoll loop and the same threads;
//   the peers (bench/peer_enet.hpp): ENet's unreliable round trips and reliable throughput,
//   interleaved with the same QUIC measurements.
// Run: ./dev bench transport (figures are Google Benchmark counters, in microseconds / MB/s).
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "peer_enet.hpp"
#include "theta_net/core/allocator.hpp"
#include "theta_net/transport/quic_client.hpp"
#include "theta_net/transport/quic_server.hpp"

namespace {

using namespace theta_net;
using namespace theta_net::transport;
using Clock = std::chrono::steady_clock;

// THETA_BENCH_KEEP_FREED_MIB=N runs this process under keep_freed_memory(N MiB), the allocator
// policy of `theta-net serve`, so bench/assets_lane_bench.py compares like with like.
const bool kAllocatorPolicy = [] {
  const char* mib = std::getenv("THETA_BENCH_KEEP_FREED_MIB");
  return mib && keep_freed_memory(std::strtoull(mib, nullptr, 10) << 20);
}();
using std::chrono::nanoseconds;

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

QuicClientConfig client_for(const QuicServer& server) {
  QuicClientConfig c;
  c.port = server.port();
  c.reconnect.enabled = false;
  return c;
}

void BM_QuicHandshake(benchmark::State& state) {
  auto server = std::move(QuicServer::create(QuicServerConfig{}).value());
  std::vector<double> completed, confirmed;
  for (auto _ : state) {
    for (int i = 0; i < 200; ++i) {
      auto client = std::move(QuicClient::create(client_for(*server)).value());
      const auto deadline = Clock::now() + std::chrono::seconds(5);
      while (Clock::now() < deadline) {  // one thread, busy polling both ends
        client->poll(nanoseconds(0));
        server->poll(nanoseconds(0));
        auto t = client->handshake_timing();
        if (t && t->confirmed.count() > 0) {
          completed.push_back(static_cast<double>((t->completed - t->started).count()) / 1e3);
          confirmed.push_back(static_cast<double>((t->confirmed - t->started).count()) / 1e3);
          break;
        }
      }
      while (server->next_event()) {
      }
    }
  }
  state.counters["completed_p50_us"] = percentile(completed, 0.5);
  state.counters["completed_p99_us"] = percentile(completed, 0.99);
  state.counters["confirmed_p50_us"] = percentile(confirmed, 0.5);
  state.counters["confirmed_p99_us"] = percentile(confirmed, 0.99);
}
BENCHMARK(BM_QuicHandshake)->Iterations(1)->Unit(benchmark::kMillisecond);

constexpr std::size_t kBulkTotal = 256u << 20, kBulkMessage = 1u << 20, kBulkQueued = 16u << 20;

// One 256 MiB transfer in 1 MiB messages over a new connection; MB/s.
double quic_bulk_mbps(bool gso) {
  constexpr std::size_t kTotal = kBulkTotal, kMessage = kBulkMessage;
  QuicServerConfig sc;
  sc.use_gso = gso;
  auto server = std::move(QuicServer::create(sc).value());
  QuicClientConfig cc = client_for(*server);
  cc.use_gso = sc.use_gso;
  auto client = std::move(QuicClient::create(cc).value());
  while (!client->current() || server->connections().empty()) {
    client->poll(std::chrono::milliseconds(1));
    server->poll(std::chrono::milliseconds(1));
  }
  const Bytes message(kMessage, 0x5a);
  double mbps = 0;
  {
    std::atomic<bool> done{false};
    Clock::time_point finished;
    std::thread receiver([&] {
      std::size_t got = 0;
      while (got < kTotal) {
        server->poll(std::chrono::milliseconds(1));
        while (auto e = server->next_event()) {
          if (e->kind == EventKind::kMessage) got += e->payload.size();
        }
      }
      finished = Clock::now();
      done = true;
    });
    // The sender keeps at most 16 MiB queued (send_queue_bytes is its back-pressure), so the
    // copy into the send queue is part of the transfer, as in an application.
    const auto start = Clock::now();
    const auto deadline = start + std::chrono::seconds(60);
    std::size_t sent = 0;
    const ConnectionId conn = *client->current();
    while (!done && Clock::now() < deadline) {
      while (sent < kTotal && client->stats(conn)->send_queue_bytes < kBulkQueued) {
        (void)client->send(conn, Lane::kChunks, message);
        sent += kMessage;
      }
      client->poll(std::chrono::milliseconds(1));
    }
    receiver.join();
    mbps =
        static_cast<double>(kTotal) / std::chrono::duration<double>(finished - start).count() / 1e6;
  }
  return mbps;
}

void BM_QuicBulk256MiB(benchmark::State& state) {
  double mbps = 0;
  for (auto _ : state) mbps = quic_bulk_mbps(state.range(0) != 0);
  state.counters["MB_per_s"] = mbps;
}
BENCHMARK(BM_QuicBulk256MiB)
    ->Arg(1)
    ->Arg(0)
    ->ArgName("gso")
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

// Plain UDP ping-pong: the same shape as the QUIC loop (ppoll, echo thread), no QUIC.
void udp_ping_pong(std::vector<double>& rtts, int pings) {
  auto bound = [] {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    return fd;
  };
  const int server = bound(), client = bound();
  sockaddr_in saddr{};
  socklen_t len = sizeof saddr;
  ::getsockname(server, reinterpret_cast<sockaddr*>(&saddr), &len);
  std::atomic<bool> stop{false};
  std::thread echo([&] {
    std::uint8_t buf[64];
    while (!stop) {
      pollfd p{server, POLLIN, 0};
      timespec ts{0, 1'000'000};
      ::ppoll(&p, 1, &ts, nullptr);
      sockaddr_in from{};
      socklen_t flen = sizeof from;
      const auto n =
          ::recvfrom(server, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &flen);
      if (n > 0)
        ::sendto(server, buf, static_cast<std::size_t>(n), 0, reinterpret_cast<sockaddr*>(&from),
                 flen);
    }
  });
  std::uint8_t buf[64] = {};
  for (int i = 0; i < pings; ++i) {
    const auto start = Clock::now();
    ::sendto(client, buf, 32, 0, reinterpret_cast<sockaddr*>(&saddr), sizeof saddr);
    for (;;) {
      pollfd p{client, POLLIN, 0};
      timespec ts{0, 1'000'000};
      ::ppoll(&p, 1, &ts, nullptr);
      if (::recv(client, buf, sizeof buf, 0) > 0) break;
    }
    rtts.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  }
  stop = true;
  echo.join();
  ::close(server);
  ::close(client);
}

void quic_ping_pong(std::vector<double>& rtts, int pings) {
  auto server = std::move(QuicServer::create(QuicServerConfig{}).value());
  auto client = std::move(QuicClient::create(client_for(*server)).value());
  while (!client->current() || server->connections().empty()) {
    client->poll(std::chrono::milliseconds(1));
    server->poll(std::chrono::milliseconds(1));
  }
  std::atomic<bool> stop{false};
  std::thread echo([&] {
    while (!stop) {
      server->poll(std::chrono::milliseconds(1));
      while (auto e = server->next_event()) {
        if (e->kind == EventKind::kMessage)
          (void)server->send(e->conn, Lane::kEntities, e->payload);
      }
    }
  });
  const Bytes ping(32, 1);
  const ConnectionId conn = *client->current();
  for (int i = 0; i < pings; ++i) {
    const auto start = Clock::now();
    (void)client->send(conn, Lane::kInput, ping);
    bool got = false;
    while (!got && Clock::now() - start < std::chrono::milliseconds(200)) {  // a lost one: move on
      client->poll(std::chrono::milliseconds(1));
      while (auto e = client->next_event()) got |= e->kind == EventKind::kMessage;
    }
    if (got)
      rtts.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  }
  stop = true;
  echo.join();
}

// 5 x 2,000 QUIC datagram pings interleaved with 5 x 2,000 of a baseline's, so both see the same
// noise; the counters name the baseline (udp_p50_us, ...) and the ratio.
template <class PingPong>
void round_trips_against(benchmark::State& state, const std::string& baseline, PingPong ping_pong,
                         const std::string& ratio_name) {
  std::vector<double> quic, other;
  for (auto _ : state) {
    for (int round = 0; round < 5; ++round) {
      ping_pong(other, 2000);
      quic_ping_pong(quic, 2000);
    }
  }
  state.counters["quic_p50_us"] = percentile(quic, 0.5);
  state.counters["quic_p99_us"] = percentile(quic, 0.99);
  state.counters[baseline + "_p50_us"] = percentile(other, 0.5);
  state.counters[baseline + "_p99_us"] = percentile(other, 0.99);
  state.counters[ratio_name] = percentile(quic, 0.5) / percentile(other, 0.5);
}

void BM_DatagramRoundTrip(benchmark::State& state) {
  round_trips_against(state, "udp", udp_ping_pong, "ratio_p50");
}
BENCHMARK(BM_DatagramRoundTrip)->Iterations(1)->Unit(benchmark::kMillisecond);

// ENet 1.3.17 (bench/peer_enet.hpp), interleaved with theta_net's QUIC in the same process so
// both see the same noise: 32-byte unreliable round trips (QUIC: a datagram lane), and reliable
// throughput of 256 MiB in 1 MiB messages with at most 16 MiB queued (QUIC: a stream lane, GSO).
void BM_EnetRoundTrip(benchmark::State& state) {
  round_trips_against(state, "enet", theta_bench::enet_ping_pong, "quic_over_enet_p50");
}
BENCHMARK(BM_EnetRoundTrip)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_EnetReliableBulk256MiB(benchmark::State& state) {
  std::vector<double> quic, enet;
  for (auto _ : state) {
    for (int round = 0; round < 3; ++round) {
      enet.push_back(theta_bench::enet_reliable_bulk(kBulkTotal, kBulkMessage, kBulkQueued));
      quic.push_back(quic_bulk_mbps(true));
    }
  }
  state.counters["enet_MB_per_s"] = percentile(enet, 0.5);
  state.counters["quic_MB_per_s"] = percentile(quic, 0.5);
  state.counters["quic_over_enet"] = percentile(quic, 0.5) / percentile(enet, 0.5);
}
BENCHMARK(BM_EnetReliableBulk256MiB)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
