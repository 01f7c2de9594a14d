#include "theta_net/transport/tcp_relay.hpp"

#include <poll.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <mutex>
#include <vector>

#include "tcp_socket.hpp"
#include "theta_net/core/byte_io.hpp"

namespace theta_net::transport {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr std::size_t kMaxPairs = 256;
// A direction stops reading its source while this much waits for delivery, so a slow reader
// pushes back on the sender (as a full TCP window would) instead of growing the relay.
constexpr std::size_t kMaxQueuedBytes = 4u << 20;
constexpr Nanos kMaxWait = 5ms;   // stop() takes effect within this
constexpr Nanos kMinRto = 200ms;  // Linux's TCP_RTO_MIN

struct Segment {
  Nanos due{0};
  Bytes data;
  std::size_t written = 0;
};

struct Direction {
  explicit Direction(LinkModel model) : link(std::move(model)) {}
  LinkModel link;
  std::deque<Segment> queue;
  std::size_t queued_bytes = 0;
  Nanos last_due{0};
  bool source_ended = false;  // EOF from the side that writes into this direction
  bool shut = false;          // the EOF was passed on (after every segment)

  bool due_now(Nanos now) const { return !queue.empty() && queue.front().due <= now; }
  bool done() const { return shut; }
};

struct Pair {
  Pair(TcpSocket c, TcpSocket u, LinkModel up_link, LinkModel down_link)
      : client(std::move(c)),
        upstream(std::move(u)),
        up(std::move(up_link)),
        down(std::move(down_link)) {}
  TcpSocket client;
  TcpSocket upstream;
  bool connected = false;  // upstream connect() finished
  Direction up;            // client -> server
  Direction down;          // server -> client
  bool broken = false;
};

// When the partition holding `now` ends (now itself if none does).
Nanos partition_end(const LinkConfig& config, Nanos now) {
  for (const Partition& p : config.partitions) {
    if (now >= p.start && now < p.end) return p.end;
  }
  return now;
}

}  // namespace

struct TcpRelay::Impl {
  RelayConfig config;
  SocketAddress forward;
  TcpSocket listener;
  std::vector<std::unique_ptr<Pair>> pairs;
  Rng seeds{1};
  Clock::time_point start = Clock::now();
  std::atomic<bool> stopping{false};
  mutable std::mutex counters_mutex;
  RelayCounters counters;

  Nanos now() const { return Clock::now() - start; }

  void count(const RelayCounters& add) {
    std::lock_guard lock(counters_mutex);
    counters.received += add.received;
    counters.forwarded += add.forwarded;
    counters.dropped += add.dropped;
  }

  // Cuts what the source sent into segments and gives each its arrival time.
  void admit(Direction& d, const std::uint8_t* data, std::size_t len, Nanos at) {
    RelayCounters add;
    const LinkConfig& cfg = d.link.config();
    for (std::size_t off = 0; off < len; off += kRelaySegment) {
      const std::size_t n = std::min(kRelaySegment, len - off);
      const LinkVerdict v = d.link.transmit(at, n);
      Nanos due = at;
      switch (v.fate) {
        case LinkFate::kDelivered:
          due = v.arrival[0];
          break;
        case LinkFate::kLost:
        case LinkFate::kQueueDrop:
          // Sent again after a retransmission timeout: the round trip plus the minimum.
          due = at + cfg.latency + 2 * cfg.latency + kMinRto;
          ++add.dropped;
          break;
        case LinkFate::kPartitioned:
          due = partition_end(cfg, at) + cfg.latency;
          break;
      }
      due = std::max(due, d.last_due);  // nothing overtakes on a stream
      d.last_due = due;
      d.queue.push_back(Segment{due, Bytes(data + off, data + off + n), 0});
      d.queued_bytes += n;
      ++add.received;
    }
    count(add);
  }

  void read_into(TcpSocket& from, Direction& d, Nanos at) {
    std::uint8_t buf[64 * 1024];
    while (d.queued_bytes < kMaxQueuedBytes && !d.source_ended) {
      const TcpSocket::ReadResult r = from.read(buf, sizeof buf);
      if (r.size > 0) admit(d, buf, r.size, at);
      if (r.ended) d.source_ended = true;
      if (r.size == 0) break;
    }
  }

  // Writes the due segments of `d` into `to`; passes the EOF on once all are out.
  void deliver(Pair& p, Direction& d, TcpSocket& to, Nanos at) {
    RelayCounters add;
    while (d.due_now(at)) {
      Segment& s = d.queue.front();
      const auto n = to.write(ByteSpan(s.data).subspan(s.written));
      if (!n) {
        p.broken = true;
        break;
      }
      s.written += *n;
      if (s.written < s.data.size()) break;  // the destination's buffer is full
      d.queued_bytes -= s.data.size();
      d.queue.pop_front();
      ++add.forwarded;
    }
    count(add);
    if (d.source_ended && d.queue.empty() && !d.shut) {
      to.shutdown_write();
      d.shut = true;
    }
  }

  void accept_all() {
    while (true) {
      auto accepted = listener.accept();
      if (!accepted.ok() || !accepted->has_value()) return;
      if (pairs.size() >= kMaxPairs) continue;  // closed at once
      auto upstream = TcpSocket::connect(forward);
      if (!upstream.ok()) continue;
      pairs.push_back(std::make_unique<Pair>(std::move(**accepted), std::move(*upstream),
                                             LinkModel(config.impairment, seeds.fork(1)),
                                             LinkModel(config.impairment, seeds.fork(2))));
      seeds.next_u64();  // the next pair's links differ from this one's
    }
  }

  void step(Nanos max_wait) {
    Nanos at = now();
    for (auto& p : pairs) {
      if (p->connected) deliver(*p, p->up, p->upstream, at);
      deliver(*p, p->down, p->client, at);
    }
    std::erase_if(pairs,
                  [](const auto& p) { return p->broken || (p->up.done() && p->down.done()); });
    Nanos wait = std::min(max_wait, kMaxWait);
    std::vector<pollfd> fds{{listener.fd(), POLLIN, 0}};
    for (const auto& p : pairs) {
      for (const Direction* d : {&p->up, &p->down}) {
        if (!d->queue.empty()) wait = std::min(wait, std::max(d->queue.front().due - at, Nanos(0)));
      }
      short client_events = 0;
      if (!p->up.source_ended && p->up.queued_bytes < kMaxQueuedBytes) client_events |= POLLIN;
      if (p->down.due_now(at)) client_events |= POLLOUT;
      short upstream_events = 0;
      if (!p->connected) {
        upstream_events = POLLOUT;
      } else {
        if (!p->down.source_ended && p->down.queued_bytes < kMaxQueuedBytes) {
          upstream_events |= POLLIN;
        }
        if (p->up.due_now(at)) upstream_events |= POLLOUT;
      }
      fds.push_back({p->client.fd(), client_events, 0});
      fds.push_back({p->upstream.fd(), upstream_events, 0});
    }
    const timespec ts{0, static_cast<long>(std::max(wait, Nanos(0)).count())};
    if (::ppoll(fds.data(), fds.size(), &ts, nullptr) <= 0) return;
    at = now();
    for (std::size_t i = 0; i < pairs.size(); ++i) {
      Pair& p = *pairs[i];
      const short client_revents = fds[1 + 2 * i].revents;
      const short upstream_revents = fds[2 + 2 * i].revents;
      if (!p.connected && upstream_revents) {
        if (p.upstream.connect_error() != 0) {
          p.broken = true;  // the server is not there: the client sees its connection end
          continue;
        }
        p.connected = true;
      }
      if (client_revents & (POLLIN | POLLHUP | POLLERR)) read_into(p.client, p.up, at);
      if (p.connected && (upstream_revents & (POLLIN | POLLHUP | POLLERR))) {
        read_into(p.upstream, p.down, at);
      }
    }
    if (fds[0].revents & POLLIN) accept_all();
  }
};

Result<std::unique_ptr<TcpRelay>> TcpRelay::create(RelayConfig config) {
  THETA_TRY_ASSIGN(const SocketAddress listen, parse_host_port(config.listen));
  THETA_TRY_ASSIGN(const SocketAddress forward, parse_host_port(config.forward));
  THETA_TRY_ASSIGN(TcpSocket listener, TcpSocket::listen(listen));
  auto impl = std::make_unique<Impl>();
  impl->seeds = Rng(config.seed);
  impl->config = std::move(config);
  impl->forward = forward;
  impl->listener = std::move(listener);
  return std::unique_ptr<TcpRelay>(new TcpRelay(std::move(impl)));
}

TcpRelay::TcpRelay(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TcpRelay::~TcpRelay() = default;

std::uint16_t TcpRelay::port() const {
  return impl_->listener.local_address().port();
}

void TcpRelay::run(std::chrono::nanoseconds duration) {
  const Nanos end = impl_->now() + duration;
  while (!impl_->stopping.load()) {
    const Nanos left = end - impl_->now();
    if (duration.count() > 0 && left <= Nanos(0)) return;
    impl_->step(duration.count() > 0 ? left : kMaxWait);
  }
}

void TcpRelay::stop() {
  impl_->stopping.store(true);
}

RelayCounters TcpRelay::counters() const {
  std::lock_guard lock(impl_->counters_mutex);
  return impl_->counters;
}

}  // namespace theta_net::transport
