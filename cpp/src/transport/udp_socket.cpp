#include "udp_socket.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

namespace theta_net::transport {

UdpSocket::~UdpSocket() {
  close_fds();
}

UdpSocket::UdpSocket(UdpSocket&& other) noexcept {
  *this = std::move(other);
}

UdpSocket& UdpSocket::operator=(UdpSocket&& other) noexcept {
  if (this != &other) {
    close_fds();
    fd_ = std::exchange(other.fd_, -1);
    wake_fd_ = std::exchange(other.wake_fd_, -1);
    local_ = other.local_;
    gso_ = other.gso_;
    send_failures_ = other.send_failures_;
  }
  return *this;
}

void UdpSocket::close_fds() {
  if (fd_ >= 0) ::close(fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
  fd_ = wake_fd_ = -1;
}

namespace {

Result<UdpSocket> open_socket(int family, int& fd, int& wake_fd) {
  fd = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_error(ErrorCode::kIo, "socket(): ", std::strerror(errno));
  wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  // Large buffers: a burst of QUIC packets at loopback speed overflows the default 208 KiB.
  int size = 8 << 20;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  return UdpSocket();
}

}  // namespace

Result<UdpSocket> UdpSocket::open_attached(const SocketAddress& address,
                                           int (*attach)(int, const sockaddr*, socklen_t),
                                           const char* verb) {
  int fd = -1, wake = -1;
  THETA_TRY(open_socket(address.storage.ss_family, fd, wake));
  UdpSocket s;
  s.fd_ = fd;
  s.wake_fd_ = wake;
  if (attach(fd, address.get(), address.len) != 0) {
    return make_error(ErrorCode::kIo, verb, " ", address.to_string(), ": ", std::strerror(errno));
  }
  s.local_.len = sizeof s.local_.storage;
  ::getsockname(fd, s.local_.get(), &s.local_.len);
  return s;
}

Result<UdpSocket> UdpSocket::bind(const SocketAddress& local) {
  return open_attached(local, ::bind, "bind");
}

Result<UdpSocket> UdpSocket::connect(const SocketAddress& remote) {
  return open_attached(remote, ::connect, "connect");
}

bool UdpSocket::send(const SocketAddress* to, const std::uint8_t* data, std::size_t len,
                     std::size_t segment, bool allow_gso) {
  while (len > 0) {
    const bool gso = allow_gso && gso_ && len > segment;
    const std::size_t chunk = gso ? len : std::min(len, segment);
    iovec iov{const_cast<std::uint8_t*>(data), chunk};
    msghdr msg{};
    if (to) {
      msg.msg_name = const_cast<sockaddr*>(to->get());
      msg.msg_namelen = to->len;
    }
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(std::uint16_t))] = {};
    if (gso) {
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
      cmsghdr* cm = CMSG_FIRSTHDR(&msg);
      cm->cmsg_level = SOL_UDP;
      cm->cmsg_type = UDP_SEGMENT;
      cm->cmsg_len = CMSG_LEN(sizeof(std::uint16_t));
      const auto seg = static_cast<std::uint16_t>(segment);
      std::memcpy(CMSG_DATA(cm), &seg, sizeof seg);
    }
    ssize_t n;
    do {
      n = ::sendmsg(fd_, &msg, 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      if (gso && (errno == EIO || errno == EINVAL || errno == ENOPROTOOPT)) {
        gso_ = false;  // no GSO on this kernel or device: one packet per call from now on
        continue;
      }
      if (errno == ECONNREFUSED) return true;  // reported again by receive()
      ++send_failures_;
      return false;
    }
    data += chunk;
    len -= chunk;
  }
  return true;
}

UdpSocket::Received UdpSocket::receive(std::uint8_t* buf, std::size_t cap) {
  Received r;
  r.from.len = sizeof r.from.storage;
  ssize_t n;
  do {
    n = ::recvfrom(fd_, buf, cap, 0, r.from.get(), &r.from.len);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    r.refused = errno == ECONNREFUSED;
    return r;
  }
  r.size = static_cast<std::size_t>(n);
  return r;
}

std::size_t UdpSocket::receive_batch(std::uint8_t* buf, std::size_t stride, std::size_t count,
                                     Received* out, bool& refused) {
  constexpr std::size_t kMax = 64;
  count = std::min(count, kMax);
  mmsghdr msgs[kMax];
  iovec iovs[kMax];
  for (std::size_t i = 0; i < count; ++i) {
    iovs[i] = {buf + i * stride, stride};
    msgs[i] = {};
    out[i].from.len = sizeof out[i].from.storage;
    msgs[i].msg_hdr.msg_name = out[i].from.get();
    msgs[i].msg_hdr.msg_namelen = out[i].from.len;
    msgs[i].msg_hdr.msg_iov = &iovs[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  int n;
  do {
    n = ::recvmmsg(fd_, msgs, static_cast<unsigned>(count), MSG_DONTWAIT, nullptr);
  } while (n < 0 && errno == EINTR);
  refused = n < 0 && errno == ECONNREFUSED;
  if (n <= 0) return 0;
  for (int i = 0; i < n; ++i) {
    out[i].size = msgs[i].msg_len;
    out[i].from.len = msgs[i].msg_hdr.msg_namelen;
    out[i].refused = false;
  }
  return static_cast<std::size_t>(n);
}

void UdpSocket::wait(std::chrono::nanoseconds timeout) {
  // A sleep shorter than the kernel's timer slack (50 us, more on a VM) overshoots by the
  // slack: on loopback, ngtcp2's ACK delay (smoothed RTT / 8) and pacing gaps are a few
  // microseconds, and sleeping for them doubled the datagram round trip. Return instead, and
  // let the caller's next poll() find the timer due.
  if (timeout < kMinSleep) return;
  pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
  timespec ts{static_cast<time_t>(timeout.count() / 1'000'000'000),
              static_cast<long>(timeout.count() % 1'000'000'000)};
  ::ppoll(fds, wake_fd_ >= 0 ? 2 : 1, &ts, nullptr);
  if (fds[1].revents & POLLIN) {
    std::uint64_t drained = 0;
    [[maybe_unused]] auto n = ::read(wake_fd_, &drained, sizeof drained);
  }
}

void UdpSocket::wake() {
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
}

}  // namespace theta_net::transport
