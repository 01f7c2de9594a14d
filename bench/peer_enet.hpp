// ENet 1.3.17 (Debian's libenet-dev), the classic game transport, measured on loopback the way
// transport_bench.cpp measures theta_net: 32-byte unreliable round trips against an echo thread,
// and reliable throughput of one large transfer. A small program of our own on ENet's public
// API, so the transport's figures sit next to what a game developer would otherwise pick.
#pragma once

#include <enet/enet.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace theta_bench {

// One ENet server host and one client host connected to it on 127.0.0.1; hosts are destroyed
// with the pair. ENet's service calls are not thread-safe per host, so each host is serviced by
// one thread only.
class EnetPair {
 public:
  EnetPair() {
    if (enet_initialize() != 0) throw std::runtime_error("enet_initialize failed");
    ENetAddress bind{};
    enet_address_set_host(&bind, "127.0.0.1");
    bind.port = 0;
    server_ = enet_host_create(&bind, 1, 2, 0, 0);
    client_ = enet_host_create(nullptr, 1, 2, 0, 0);
    if (!server_ || !client_) throw std::runtime_error("enet_host_create failed");
    ENetAddress to{};
    enet_address_set_host(&to, "127.0.0.1");
    to.port = server_->address.port;
    peer_ = enet_host_connect(client_, &to, 2, 0);
    // The handshake: both hosts serviced from this thread until each sees its connect event.
    bool client_up = false, server_up = false;
    ENetEvent e;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!(client_up && server_up) && std::chrono::steady_clock::now() < deadline) {
      while (enet_host_service(client_, &e, 0) > 0) client_up |= e.type == ENET_EVENT_TYPE_CONNECT;
      while (enet_host_service(server_, &e, 1) > 0) server_up |= e.type == ENET_EVENT_TYPE_CONNECT;
    }
    if (!client_up || !server_up) throw std::runtime_error("ENet did not connect on loopback");
  }
  ~EnetPair() {
    enet_host_destroy(client_);
    enet_host_destroy(server_);
    enet_deinitialize();
  }
  EnetPair(const EnetPair&) = delete;
  EnetPair& operator=(const EnetPair&) = delete;

  ENetHost* server() { return server_; }
  ENetHost* client() { return client_; }
  ENetPeer* peer() { return peer_; }

 private:
  ENetHost* server_ = nullptr;
  ENetHost* client_ = nullptr;
  ENetPeer* peer_ = nullptr;
};

// 32-byte unreliable (unsequenced) pings echoed by a server thread; each round trip's time in
// microseconds is appended to rtts. A ping lost for 200 ms is skipped, as the QUIC one is.
inline void enet_ping_pong(std::vector<double>& rtts, int pings) {
  EnetPair pair;
  std::atomic<bool> stop{false};
  std::thread echo([&] {
    ENetEvent e;
    while (!stop) {
      while (enet_host_service(pair.server(), &e, 1) > 0) {
        if (e.type != ENET_EVENT_TYPE_RECEIVE) continue;
        ENetPacket* back =
            enet_packet_create(e.packet->data, e.packet->dataLength, ENET_PACKET_FLAG_UNSEQUENCED);
        enet_peer_send(e.peer, 1, back);
        enet_packet_destroy(e.packet);
        enet_host_flush(pair.server());
      }
    }
  });
  const std::uint8_t ping[32] = {1};
  ENetEvent e;
  for (int i = 0; i < pings; ++i) {
    const auto start = std::chrono::steady_clock::now();
    enet_peer_send(pair.peer(), 1,
                   enet_packet_create(ping, sizeof ping, ENET_PACKET_FLAG_UNSEQUENCED));
    enet_host_flush(pair.client());
    // One service call per turn, and the time taken the moment the pong is handed over: a
    // second call would wait out its timeout first.
    while (std::chrono::steady_clock::now() - start < std::chrono::milliseconds(200)) {
      if (enet_host_service(pair.client(), &e, 1) <= 0) continue;
      if (e.type != ENET_EVENT_TYPE_RECEIVE) continue;
      const auto end = std::chrono::steady_clock::now();
      enet_packet_destroy(e.packet);
      rtts.push_back(std::chrono::duration<double, std::micro>(end - start).count());
      break;
    }
  }
  stop = true;
  echo.join();
}

// Reliable throughput: total bytes from the client to a server thread in reliable packets of
// message bytes (ENet fragments them to its MTU), at most max_queued bytes queued in the client at
// once, timed from the first send to the last byte received. MB/s (1e6 bytes).
inline double enet_reliable_bulk(std::size_t total, std::size_t message, std::size_t max_queued) {
  EnetPair pair;
  std::atomic<bool> done{false};
  std::atomic<std::size_t> received{0};
  std::chrono::steady_clock::time_point finished;
  std::thread receiver([&] {
    ENetEvent e;
    std::size_t got = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (got < total && std::chrono::steady_clock::now() < deadline) {
      while (enet_host_service(pair.server(), &e, 1) > 0) {
        if (e.type != ENET_EVENT_TYPE_RECEIVE) continue;
        got += e.packet->dataLength;
        enet_packet_destroy(e.packet);
      }
      received = got;
    }
    finished = std::chrono::steady_clock::now();
    done = true;
  });
  const std::vector<std::uint8_t> payload(message, 0x5a);
  const auto start = std::chrono::steady_clock::now();
  std::size_t sent = 0;
  ENetEvent e;
  while (!done) {
    // Queued = sent and not yet received (the receiver's count): back-pressure, as theta_net's
    // send queue bound is in its bulk benchmark.
    while (sent < total && sent - received.load() < max_queued) {
      enet_peer_send(pair.peer(), 0,
                     enet_packet_create(payload.data(), payload.size(), ENET_PACKET_FLAG_RELIABLE));
      sent += message;
    }
    enet_host_service(pair.client(), &e, 1);
  }
  receiver.join();
  if (received.load() < total) throw std::runtime_error("ENet bulk did not finish in 120 s");
  return static_cast<double>(total) / std::chrono::duration<double>(finished - start).count() / 1e6;
}

}  // namespace theta_bench
