// A non-blocking UDP socket with the batching the QUIC endpoints need: UDP GSO (one sendmsg
// for a run of equal-sized packets) when the kernel has it, recvmmsg for reading, and an
// eventfd so another thread can wake a blocked wait.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "socket_address.hpp"
#include "theta_net/core/result.hpp"

namespace theta_net::transport {

class UdpSocket {
 public:
  UdpSocket() = default;
  ~UdpSocket();
  UdpSocket(UdpSocket&& other) noexcept;
  UdpSocket& operator=(UdpSocket&& other) noexcept;
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;

  // A socket bound to `local`.
  // Errors: kIo (socket() or bind() fails).
  static Result<UdpSocket> bind(const SocketAddress& local);
  // A socket bound to an ephemeral port of the family of `remote` and connected to it, so the
  // kernel reports ICMP port-unreachable as ECONNREFUSED.
  // Errors: kIo (socket() or connect() fails).
  static Result<UdpSocket> connect(const SocketAddress& remote);

  const SocketAddress& local_address() const { return local_; }
  int fd() const { return fd_; }

  // Sends `len` bytes as packets of `segment` bytes (the last may be shorter). `to` is null on a
  // connected socket. Returns false if the kernel's buffer is full (the packets are dropped,
  // which QUIC treats as loss).
  bool send(const SocketAddress* to, const std::uint8_t* data, std::size_t len, std::size_t segment,
            bool allow_gso);

  struct Received {
    std::size_t size = 0;
    SocketAddress from;
    bool refused = false;  // ECONNREFUSED on a connected socket
  };
  // Reads one packet into buf; size 0 and !refused when nothing is waiting.
  Received receive(std::uint8_t* buf, std::size_t cap);

  // Reads up to `count` packets with one recvmmsg: packet i lands in buf + i * stride, with
  // its size and sender in out[i]. Returns how many; fewer than `count` means the queue was
  // empty at that moment (no second system call needed to find out). `refused` as above.
  std::size_t receive_batch(std::uint8_t* buf, std::size_t stride, std::size_t count, Received* out,
                            bool& refused);

  static constexpr std::chrono::nanoseconds kMinSleep{100'000};
  // Waits until the socket is readable, wake() was called, or `timeout` passed. A timeout
  // under kMinSleep returns at once (see the .cpp).
  void wait(std::chrono::nanoseconds timeout);
  void wake();  // thread-safe

  std::uint64_t send_failures() const { return send_failures_; }

 private:
  // bind() and connect(): a socket of the address's family, attached to it by `attach`
  // (::bind or ::connect, named by `verb` in errors).
  // Errors: kIo (the socket, its wake-up eventfd or the bind/connect fails; the message names
  // the call, the address and the system's reason).
  static Result<UdpSocket> open_attached(const SocketAddress& address,
                                         int (*attach)(int, const sockaddr*, socklen_t),
                                         const char* verb);
  void close_fds();
  int fd_ = -1;
  int wake_fd_ = -1;
  SocketAddress local_;
  bool gso_ = true;
  std::uint64_t send_failures_ = 0;
};

}  // namespace theta_net::transport
