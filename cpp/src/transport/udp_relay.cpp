#include "theta_net/transport/udp_relay.hpp"

#include <poll.h>

#include <map>
#include <mutex>
#include <queue>
#include <vector>

#include "theta_net/core/byte_io.hpp"
#include "udp_socket.hpp"

namespace theta_net::transport {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kMaxSessions = 256;

struct Pending {
  Nanos due{0};
  std::uint64_t order = 0;
  int session = -1;  // -1: towards the server through the session's upstream socket
  bool to_client = false;
  std::shared_ptr<const Bytes> data;
  bool operator>(const Pending& o) const { return due != o.due ? due > o.due : order > o.order; }
};

struct Session {
  SocketAddress client;
  UdpSocket upstream;
};

}  // namespace

struct UdpRelay::Impl {
  RelayConfig config;
  SocketAddress forward;
  UdpSocket listener;
  std::vector<Session> sessions;
  std::map<std::string, int> session_of;  // client address -> index
  LinkModel to_server{LinkConfig{}, Rng(0)};
  LinkModel to_client{LinkConfig{}, Rng(0)};
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> queue;
  std::uint64_t order = 0;
  Clock::time_point start = Clock::now();
  std::atomic<bool> stopping{false};
  std::atomic<std::int64_t> cut_until_ns{0};  // packets admitted before this time are dropped
  mutable std::mutex counters_mutex;
  RelayCounters counters;
  Bytes buf = Bytes(65536);

  Nanos now() const { return Clock::now() - start; }

  void admit(int session, bool towards_client, const std::uint8_t* data, std::size_t len) {
    const Nanos t = now();
    if (t.count() < cut_until_ns.load(std::memory_order_relaxed)) {
      std::lock_guard lock(counters_mutex);
      ++counters.received;
      ++counters.dropped;
      ++counters.cut_off;
      return;
    }
    LinkModel& link = towards_client ? to_client : to_server;
    const LinkVerdict v = link.transmit(t, len);
    std::lock_guard lock(counters_mutex);
    ++counters.received;
    if (v.fate != LinkFate::kDelivered) {
      ++counters.dropped;
      return;
    }
    counters.duplicated += v.copies > 1;
    counters.reordered += v.reordered;
    auto shared = std::make_shared<const Bytes>(data, data + len);
    for (int i = 0; i < v.copies; ++i) {
      queue.push(Pending{v.arrival[i], order++, session, towards_client, shared});
    }
  }

  int session_for(const SocketAddress& client) {
    const std::string key = client.to_string();
    auto it = session_of.find(key);
    if (it != session_of.end()) return it->second;
    if (sessions.size() >= kMaxSessions) return -1;
    auto upstream = UdpSocket::connect(forward);
    if (!upstream.ok()) return -1;
    sessions.push_back(Session{client, std::move(*upstream)});
    return session_of[key] = static_cast<int>(sessions.size() - 1);
  }

  void deliver_due() {
    const Nanos t = now();
    while (!queue.empty() && queue.top().due <= t) {
      Pending p = queue.top();
      queue.pop();
      Session& s = sessions[static_cast<std::size_t>(p.session)];
      const bool ok =
          p.to_client
              ? listener.send(&s.client, p.data->data(), p.data->size(), p.data->size(), false)
              : s.upstream.send(nullptr, p.data->data(), p.data->size(), p.data->size(), false);
      std::lock_guard lock(counters_mutex);
      counters.forwarded += ok;
    }
  }

  void step(Nanos max_wait) {
    Nanos wait = max_wait;
    if (!queue.empty()) wait = std::min(wait, std::max(Nanos(0), queue.top().due - now()));
    std::vector<pollfd> fds;
    fds.push_back({listener.fd(), POLLIN, 0});
    for (const Session& s : sessions) fds.push_back({s.upstream.fd(), POLLIN, 0});
    timespec ts{static_cast<time_t>(wait.count() / 1'000'000'000),
                static_cast<long>(wait.count() % 1'000'000'000)};
    ::ppoll(fds.data(), fds.size(), &ts, nullptr);
    for (int i = 0; i < 4096; ++i) {  // client -> server
      auto r = listener.receive(buf.data(), buf.size());
      if (r.size == 0) break;
      const int s = session_for(r.from);
      if (s >= 0) admit(s, false, buf.data(), r.size);
    }
    for (std::size_t s = 0; s < sessions.size(); ++s) {  // server -> client
      for (int i = 0; i < 4096; ++i) {
        auto r = sessions[s].upstream.receive(buf.data(), buf.size());
        if (r.size == 0) break;
        admit(static_cast<int>(s), true, buf.data(), r.size);
      }
    }
    deliver_due();
  }
};

Result<std::unique_ptr<UdpRelay>> UdpRelay::create(RelayConfig config) {
  auto impl = std::make_unique<Impl>();
  THETA_TRY_ASSIGN(SocketAddress listen, parse_host_port(config.listen));
  THETA_TRY_ASSIGN(impl->forward, parse_host_port(config.forward));
  THETA_TRY_ASSIGN(impl->listener, UdpSocket::bind(listen));
  const Rng root(config.seed);
  impl->to_server = LinkModel(config.impairment, root.fork(1));
  impl->to_client = LinkModel(config.impairment, root.fork(2));
  impl->config = std::move(config);
  return std::unique_ptr<UdpRelay>(new UdpRelay(std::move(impl)));
}

UdpRelay::UdpRelay(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
UdpRelay::~UdpRelay() = default;

std::uint16_t UdpRelay::port() const {
  return impl_->listener.local_address().port();
}
std::string UdpRelay::listen_address() const {
  return impl_->listener.local_address().to_string();
}

void UdpRelay::run(std::chrono::nanoseconds duration) {
  const auto end = duration.count() > 0 ? Clock::now() + duration : Clock::time_point::max();
  while (!impl_->stopping.load() && Clock::now() < end) {
    impl_->step(std::chrono::milliseconds(5));
  }
  impl_->stopping = false;
}

void UdpRelay::stop() {
  impl_->stopping = true;
}

void UdpRelay::cut_off(std::chrono::nanoseconds duration) {
  const std::int64_t until = (impl_->now() + std::max(duration, Nanos(0))).count();
  std::int64_t held = impl_->cut_until_ns.load();
  while (held < until && !impl_->cut_until_ns.compare_exchange_weak(held, until)) {
  }
}

RelayCounters UdpRelay::counters() const {
  std::lock_guard lock(impl_->counters_mutex);
  return impl_->counters;
}

}  // namespace theta_net::transport
