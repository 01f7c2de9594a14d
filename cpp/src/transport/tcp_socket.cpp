#include "tcp_socket.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace theta_net::transport {

namespace {

void set_no_delay(int fd) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

}  // namespace

TcpSocket::~TcpSocket() {
  if (fd_ >= 0) ::close(fd_);
}

TcpSocket::TcpSocket(TcpSocket&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

TcpSocket& TcpSocket::operator=(TcpSocket&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

Result<TcpSocket> TcpSocket::listen(const SocketAddress& local, int backlog) {
  TcpSocket s(::socket(local.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!s.valid()) return make_error(ErrorCode::kIo, "socket(): ", std::strerror(errno));
  int one = 1;
  ::setsockopt(s.fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(s.fd_, local.get(), local.len) != 0) {
    return make_error(ErrorCode::kIo, "bind(", local.to_string(), "): ", std::strerror(errno));
  }
  if (::listen(s.fd_, backlog) != 0) {
    return make_error(ErrorCode::kIo, "listen(", local.to_string(), "): ", std::strerror(errno));
  }
  return s;
}

Result<TcpSocket> TcpSocket::connect(const SocketAddress& remote) {
  TcpSocket s(::socket(remote.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!s.valid()) return make_error(ErrorCode::kIo, "socket(): ", std::strerror(errno));
  set_no_delay(s.fd_);
  if (::connect(s.fd_, remote.get(), remote.len) != 0 && errno != EINPROGRESS) {
    return make_error(ErrorCode::kIo, "connect(", remote.to_string(), "): ", std::strerror(errno));
  }
  return s;
}

Result<std::optional<TcpSocket>> TcpSocket::accept() {
  while (true) {
    const int fd = ::accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      set_no_delay(fd);
      return std::optional<TcpSocket>(TcpSocket(fd));
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) return std::optional<TcpSocket>();
    // A connection reset while it waited in the queue, or a signal: try the next one.
    if (errno == ECONNABORTED || errno == EINTR || errno == EPROTO) continue;
    return make_error(ErrorCode::kIo, "accept4(): ", std::strerror(errno));
  }
}

int TcpSocket::connect_error() const {
  int error = 0;
  socklen_t len = sizeof error;
  if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &len) != 0) return errno;
  return error;
}

TcpSocket::ReadResult TcpSocket::read(std::uint8_t* buf, std::size_t cap) {
  while (true) {
    const ssize_t n = ::recv(fd_, buf, cap, 0);
    if (n > 0) return {static_cast<std::size_t>(n), false};
    if (n == 0) return {0, true};
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return {0, false};
    return {0, true};  // ECONNRESET and the like: the stream is over
  }
}

std::optional<std::size_t> TcpSocket::write(ByteSpan data) {
  if (data.empty()) return 0;
  while (true) {
    const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    return std::nullopt;
  }
}

void TcpSocket::shutdown_write() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

SocketAddress TcpSocket::local_address() const {
  SocketAddress out;
  out.len = sizeof out.storage;
  if (::getsockname(fd_, out.get(), &out.len) != 0) out.len = 0;
  return out;
}

}  // namespace theta_net::transport
