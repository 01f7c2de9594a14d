// A non-blocking TCP socket: listen/accept for servers, an asynchronous connect for clients,
// and reads and writes that report "would block" instead of waiting. TCP_NODELAY is set on
// every connection: theta_net's records are small and latency-bound, and Nagle's algorithm would
// hold each one back for an acknowledgement.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "socket_address.hpp"
#include "theta_net/core/byte_io.hpp"
#include "theta_net/core/result.hpp"

namespace theta_net::transport {

class TcpSocket {
 public:
  TcpSocket() = default;
  ~TcpSocket();
  TcpSocket(TcpSocket&& other) noexcept;
  TcpSocket& operator=(TcpSocket&& other) noexcept;
  TcpSocket(const TcpSocket&) = delete;
  TcpSocket& operator=(const TcpSocket&) = delete;

  // A listening socket bound to `local` (SO_REUSEADDR, so a restarted server can bind at once).
  // Errors: kIo (socket(), bind() or listen() fails; the message names the address).
  static Result<TcpSocket> listen(const SocketAddress& local, int backlog = 256);
  // A socket whose connection to `remote` is under way; writable() then connect_error() tell
  // how it went.
  // Errors: kIo (socket() fails, or connect() fails at once, e.g. no route).
  static Result<TcpSocket> connect(const SocketAddress& remote);

  // The next waiting connection, or nothing when none waits.
  // Errors: kIo (accept4() fails for a reason other than an empty queue or a connection the
  // peer already abandoned).
  Result<std::optional<TcpSocket>> accept();
  // After a connect: the system's error (0 when connected), from SO_ERROR.
  int connect_error() const;

  struct ReadResult {
    std::size_t size = 0;
    bool ended = false;  // the peer shut its side (or reset the connection)
  };
  // Reads what is waiting, up to cap bytes (size 0 and !ended when nothing waits).
  ReadResult read(std::uint8_t* buf, std::size_t cap);
  // Writes as much of data as the kernel takes; 0 when its buffer is full. nullopt when the
  // connection is broken (EPIPE, ECONNRESET).
  std::optional<std::size_t> write(ByteSpan data);
  void shutdown_write();

  int fd() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  SocketAddress local_address() const;

 private:
  explicit TcpSocket(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace theta_net::transport
