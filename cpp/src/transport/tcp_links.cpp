#include "tcp_links.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "theta_net/transport/record_link.hpp"
#include "theta_net/transport/ws_link.hpp"

namespace theta_net::transport {

namespace {

using std::chrono::nanoseconds;

// Bytes read from one connection per poll: enough for a burst, small enough that one fast
// sender cannot starve the others of the loop.
constexpr std::size_t kReadBudget = 1u << 20;
constexpr std::size_t kReadChunk = 64u << 10;

Event end_event(ConnectionId id, std::string reason) {
  Event e;
  e.kind = EventKind::kDisconnected;
  e.conn = id;
  e.close.kind = CloseInfo::Kind::kTransport;
  e.close.reason = std::move(reason);
  return e;
}

}  // namespace

Result<TcpLinks> TcpLinks::create(TcpCommonConfig config, bool report_unopened) {
  const int wake = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake < 0) return make_error(ErrorCode::kIo, "eventfd(): ", std::strerror(errno));
  return TcpLinks(std::move(config), report_unopened, wake);
}

TcpLinks::TcpLinks(TcpCommonConfig config, bool report_unopened, int wake_fd)
    : config_(std::move(config)), report_unopened_(report_unopened), wake_fd_(wake_fd) {}

TcpLinks::TcpLinks(TcpLinks&& other) noexcept
    : config_(std::move(other.config_)),
      report_unopened_(other.report_unopened_),
      wake_fd_(std::exchange(other.wake_fd_, -1)),
      next_id_(other.next_id_),
      conns_(std::move(other.conns_)),
      events_(std::move(other.events_)) {}

TcpLinks::~TcpLinks() {
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

nanoseconds TcpLinks::now() {
  return std::chrono::steady_clock::now().time_since_epoch();
}

ConnectionId TcpLinks::add(TcpSocket socket, StreamLink::Role role, bool connecting,
                           std::unique_ptr<TlsStream> tls) {
  const ConnectionId id{next_id_++};
  std::unique_ptr<StreamLink> link;
  // kDetect starts as records, which say nothing before the peer does; read_from() switches a
  // connection whose first byte starts an HTTP request to WebSocket.
  if (config_.framing == StreamFraming::kWebSocket) {
    WebSocketConfig ws = config_.websocket;
    ws.seed = ws.seed == 0 ? 0 : ws.seed + id.value;  // each connection its own masks
    link = std::make_unique<WsLink>(role, config_.link, std::move(ws), now());
  } else {
    link = std::make_unique<RecordLink>(role, config_.link, now());
  }
  auto [it, added] =
      conns_.try_emplace(id, std::move(socket), std::move(link), connecting, std::move(tls));
  if (!connecting) connected(it->second);
  return id;
}

ConnectionId TcpLinks::add_failed_attempt(std::string reason) {
  const ConnectionId id{next_id_++};
  events_.push_back(end_event(id, std::move(reason)));
  return id;
}

Status TcpLinks::send(ConnectionId conn, Lane lane, ByteSpan message) {
  const auto it = conns_.find(conn);
  if (it == conns_.end() || it->second.ending_since) {
    return make_error(ErrorCode::kClosed, "connection ", conn.value, " is not open");
  }
  return it->second.link->send(lane, message);
}

void TcpLinks::close(ConnectionId conn, std::uint64_t code, std::string_view reason) {
  const auto it = conns_.find(conn);
  if (it == conns_.end() || it->second.ending_since) return;
  it->second.link->close(code, reason);
  collect_events(conn, it->second, now());
}

void TcpLinks::close_all(std::uint64_t code, std::string_view reason) {
  for (auto& [id, c] : conns_) {
    if (!c.ending_since) c.link->close(code, reason);
    if (!c.connecting) write_to(c);  // best effort: what the kernel takes now
  }
  conns_.clear();
}

WaitSet TcpLinks::prepare(nanoseconds max_wait, int extra_fd, bool wake,
                          std::vector<ConnectionId>& ids) {
  const nanoseconds at = now();
  for (auto& [id, c] : conns_) {
    if (!c.connecting) write_to(c);
  }
  reap(at);
  WaitSet set;
  // Sleep no later than the first timer (pings, idle timeouts, lingering closes).
  set.timeout = std::max(max_wait, nanoseconds(0));
  for (const auto& [id, c] : conns_) {
    nanoseconds due = c.link->next_deadline();
    if (c.ending_since) due = *c.ending_since + config_.close_linger;
    set.timeout = std::min(set.timeout, std::max(due - at, nanoseconds(0)));
  }
  set.fds.reserve(conns_.size() + 2);
  if (wake) set.fds.push_back({wake_fd_, POLLIN, 0});
  if (extra_fd >= 0) set.fds.push_back({extra_fd, POLLIN, 0});
  for (const auto& [id, c] : conns_) {
    short events = 0;
    if (c.connecting) {
      events = POLLOUT;
    } else {
      if (!c.peer_ended) events |= POLLIN;
      if (c.output_pending() && !c.write_shut) events |= POLLOUT;
    }
    set.fds.push_back({c.socket.fd(), events, 0});
    ids.push_back(id);
  }
  return set;
}

WaitSet TcpLinks::wait_set(int extra_fd) {
  std::vector<ConnectionId> ids;
  return prepare(nanoseconds::max(), extra_fd, /*wake=*/false, ids);
}

bool TcpLinks::poll(nanoseconds max_wait, int extra_fd) {
  std::vector<ConnectionId> ids;
  WaitSet set = prepare(max_wait, extra_fd, /*wake=*/true, ids);
  std::vector<pollfd>& fds = set.fds;
  const nanoseconds wait = set.timeout;
  const std::size_t first_conn = fds.size() - ids.size();
  const timespec ts{static_cast<time_t>(wait.count() / 1'000'000'000),
                    static_cast<long>(wait.count() % 1'000'000'000)};
  const int ready = ::ppoll(fds.data(), fds.size(), &ts, nullptr);
  const nanoseconds at = now();
  bool extra_ready = false;
  if (ready > 0) {
    if (fds[0].revents & POLLIN) {
      std::uint64_t drained = 0;
      [[maybe_unused]] const auto n = ::read(wake_fd_, &drained, sizeof drained);
    }
    if (extra_fd >= 0) extra_ready = (fds[1].revents & POLLIN) != 0;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      const short revents = fds[first_conn + i].revents;
      if (revents == 0) continue;
      Conn& c = conns_.at(ids[i]);
      if (c.connecting) {
        if (const int error = c.socket.connect_error(); error != 0) {
          c.connecting = false;
          c.peer_ended = true;
          c.ending_since = at;
          c.reported = true;
          events_.push_back(end_event(ids[i], str_cat("connect failed: ", std::strerror(error))));
        } else if (revents & POLLOUT) {
          c.connecting = false;
          connected(c);
        }
        continue;
      }
      if (revents & (POLLIN | POLLHUP | POLLERR)) read_from(ids[i], c, at);
    }
  }
  for (auto& [id, c] : conns_) {
    c.link->on_time(at);
    if (!c.connecting) write_to(c);
    collect_events(id, c, at);
  }
  reap(at);
  return extra_ready;
}

void TcpLinks::connected(Conn& c) {
  // A TLS client speaks first: its hello goes out with the next write.
  if (c.tls) {
    if (Status started = c.tls->start(); !started.ok()) c.link->abort(started.error().message);
  }
}

void TcpLinks::deliver_plain(Conn& c, ByteSpan plain, nanoseconds at) {
  if (plain.empty()) return;
  if (!c.heard) {
    c.heard = true;
    if (config_.framing == StreamFraming::kDetect && plain[0] == 'G') {
      c.link =
          std::make_unique<WsLink>(StreamLink::Role::kServer, config_.link, config_.websocket, at);
    }
  }
  c.link->receive(plain, at);
}

void TcpLinks::read_from(ConnectionId id, Conn& c, nanoseconds at) {
  std::uint8_t buf[kReadChunk];
  std::size_t total = 0;
  while (total < kReadBudget && !c.peer_ended) {
    const TcpSocket::ReadResult r = c.socket.read(buf, sizeof buf);
    total += r.size;
    bool ended = r.ended;
    if (r.size > 0 && c.tls) {
      Bytes plain;
      if (Status ok = c.tls->receive(ByteSpan(buf, r.size), plain, ended); !ok.ok()) {
        c.link->abort(ok.error().message);
        c.peer_ended = true;
        break;
      }
      deliver_plain(c, plain, at);
    } else if (r.size > 0) {
      deliver_plain(c, ByteSpan(buf, r.size), at);
    }
    if (ended) {
      c.peer_ended = true;
      c.link->receive_end(at);
    }
    if (r.size == 0) break;
  }
  collect_events(id, c, at);
}

void TcpLinks::write_to(Conn& c) {
  while (!c.write_shut) {
    // Under TLS, the link's bytes are encrypted only once the socket took the last ones, so a
    // backlog stays in the link, where its drop and refusal rules see it.
    if (c.tls && c.tls->output().empty() && c.tls->handshake_done() && !c.link->output().empty()) {
      if (Status sent = c.tls->send(c.link->output()); !sent.ok()) {
        c.link->abort(sent.error().message);
        return;
      }
      c.link->consume_output(c.link->output().size());
    }
    const ByteSpan out = c.tls ? c.tls->output() : c.link->output();
    if (out.empty()) break;
    const auto n = c.socket.write(out);
    if (!n) {  // broken: nothing more will go out
      c.peer_ended = true;
      c.link->receive_end(now());
      return;
    }
    if (*n == 0) return;
    if (c.tls) {
      c.tls->consume_output(*n);
    } else {
      c.link->consume_output(*n);
    }
  }
  // A link that has said its last (a close, or the peer's close answered) ends its side of the
  // stream once everything is out.
  if (!c.write_shut && !c.output_pending() && c.link->state() != StreamLink::State::kOpen &&
      c.link->state() != StreamLink::State::kOpening) {
    c.socket.shutdown_write();
    c.write_shut = true;
  }
}

void TcpLinks::collect_events(ConnectionId id, Conn& c, nanoseconds at) {
  while (auto e = c.link->next_event()) {
    const bool end = e->kind == EventKind::kDisconnected || e->kind == EventKind::kTimedOut;
    if (end) {
      if (!c.ending_since) c.ending_since = at;
      if (c.reported) continue;
      c.reported = true;
      if (!c.link->opened() && !report_unopened_) continue;
    }
    e->conn = id;
    events_.push_back(std::move(*e));
  }
}

void TcpLinks::reap(nanoseconds at) {
  // A connection goes once both sides are done, or its linger ran out.
  std::erase_if(conns_, [&](const auto& entry) {
    const Conn& c = entry.second;
    if (!c.ending_since) return false;
    const bool done = c.peer_ended && (c.write_shut || !c.output_pending());
    return done || at - *c.ending_since >= config_.close_linger;
  });
}

std::optional<Event> TcpLinks::next_event() {
  if (events_.empty()) return std::nullopt;
  Event e = std::move(events_.front());
  events_.pop_front();
  return e;
}

void TcpLinks::interrupt() {
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto n = ::write(wake_fd_, &one, sizeof one);
}

bool TcpLinks::open(ConnectionId conn) const {
  const auto it = conns_.find(conn);
  return it != conns_.end() && !it->second.ending_since && it->second.link->opened();
}

bool TcpLinks::live(ConnectionId conn) const {
  const auto it = conns_.find(conn);
  return it != conns_.end() && !it->second.ending_since;
}

std::optional<ConnectionStats> TcpLinks::stats(ConnectionId conn) const {
  const auto it = conns_.find(conn);
  if (it == conns_.end()) return std::nullopt;
  return it->second.link->stats();
}

std::string_view TcpLinks::transport_kind(ConnectionId conn) const {
  const auto it = conns_.find(conn);
  if (it == conns_.end()) return {};
  return dynamic_cast<const WsLink*>(it->second.link.get()) ? "ws" : "tcp";
}

std::vector<ConnectionId> TcpLinks::connections() const {
  std::vector<ConnectionId> out;
  for (const auto& [id, c] : conns_) {
    if (!c.ending_since && c.link->opened()) out.push_back(id);
  }
  return out;
}

}  // namespace theta_net::transport
