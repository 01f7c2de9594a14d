#include "theta_net/transport/endpoint_thread.hpp"

#include <algorithm>
#include <future>

namespace theta_net::transport {

EndpointThread::EndpointThread(std::unique_ptr<Endpoint> endpoint,
                               std::chrono::nanoseconds poll_interval, std::size_t max_message_size)
    : endpoint_(std::move(endpoint)),
      interval_(poll_interval),
      max_message_size_(max_message_size) {
  thread_ = std::thread([this] { loop(); });
}

EndpointThread::~EndpointThread() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  endpoint_->interrupt();
  thread_.join();
}

void EndpointThread::loop() {
  for (;;) {
    std::deque<std::function<void(Endpoint&)>> commands;
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      commands.swap(commands_);
    }
    for (auto& command : commands) command(*endpoint_);
    endpoint_->poll(commands.empty() ? interval_ : std::chrono::nanoseconds(0));
    std::deque<Event> fresh;
    while (auto e = endpoint_->next_event()) fresh.push_back(std::move(*e));
    std::vector<ConnectionId> conns = endpoint_->connections();
    std::lock_guard lock(mutex_);
    for (auto& e : fresh) events_.push_back(std::move(e));
    // The figures of open connections are refreshed in place (no allocation per turn); a
    // connection that ended leaves the table.
    for (auto it = snapshots_.begin(); it != snapshots_.end();) {
      const bool open =
          std::find(conns.begin(), conns.end(), ConnectionId{it->first}) != conns.end();
      it = open ? std::next(it) : snapshots_.erase(it);
    }
    for (ConnectionId id : conns) {
      auto s = endpoint_->stats(id);
      if (!s) continue;
      Snapshot& snap = snapshots_[id.value];
      snap.stats = std::move(*s);
      if (snap.kind.empty()) snap.kind = endpoint_->transport_kind(id);
    }
    connections_ = std::move(conns);
    if (!fresh.empty()) events_ready_.notify_all();
  }
}

void EndpointThread::queue(std::function<void(Endpoint&)> command) {
  {
    std::lock_guard lock(mutex_);
    commands_.push_back(std::move(command));
  }
  endpoint_->interrupt();
}

Status EndpointThread::send(ConnectionId conn, Lane lane, ByteSpan message) {
  THETA_TRY(check_message(lane, message.size(), max_message_size_));
  const std::uint64_t size = message.size();
  {
    std::lock_guard lock(mutex_);
    queued_bytes_[conn.value] += size;
    commands_.push_back(
        [this, conn, lane, size, copy = Bytes(message.begin(), message.end())](Endpoint& e) {
          (void)e.send(conn, lane, copy);  // a connection that closed meanwhile: its events say so
          std::lock_guard relock(mutex_);
          auto it = queued_bytes_.find(conn.value);
          if (it != queued_bytes_.end() && (it->second -= size) == 0) queued_bytes_.erase(it);
        });
  }
  endpoint_->interrupt();
  return {};
}

void EndpointThread::poll(std::chrono::nanoseconds max_wait) {
  std::unique_lock lock(mutex_);
  if (max_wait.count() > 0) {
    events_ready_.wait_for(lock, max_wait, [&] { return !events_.empty() || woken_; });
  }
  woken_ = false;
}

void EndpointThread::interrupt() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  events_ready_.notify_all();
}

void EndpointThread::close(ConnectionId conn, std::uint64_t code, std::string_view reason) {
  queue([conn, code, why = std::string(reason)](Endpoint& e) { e.close(conn, code, why); });
}

std::optional<Event> EndpointThread::next_event() {
  std::lock_guard lock(mutex_);
  if (events_.empty()) return std::nullopt;
  Event e = std::move(events_.front());
  events_.pop_front();
  return e;
}

std::optional<Event> EndpointThread::wait_event(std::chrono::nanoseconds timeout) {
  std::unique_lock lock(mutex_);
  events_ready_.wait_for(lock, timeout, [&] { return !events_.empty(); });
  if (events_.empty()) return std::nullopt;
  Event e = std::move(events_.front());
  events_.pop_front();
  return e;
}

std::vector<ConnectionId> EndpointThread::connections() const {
  std::lock_guard lock(mutex_);
  return connections_;
}

std::optional<ConnectionStats> EndpointThread::stats(ConnectionId conn) const {
  std::lock_guard lock(mutex_);
  auto it = snapshots_.find(conn.value);
  if (it == snapshots_.end()) return std::nullopt;
  ConnectionStats out = it->second.stats;
  if (auto q = queued_bytes_.find(conn.value); q != queued_bytes_.end()) {
    out.send_queue_bytes += q->second;
  }
  return out;
}

std::string_view EndpointThread::transport_kind(ConnectionId conn) const {
  std::lock_guard lock(mutex_);
  auto it = snapshots_.find(conn.value);
  return it == snapshots_.end() ? std::string_view{} : it->second.kind;
}

Status EndpointThread::dial() {
  Status out;
  call([&](Endpoint& e) { out = e.dial(); });
  return out;
}

Status EndpointThread::redirect(std::string_view address) {
  Status out;
  call([&](Endpoint& e) { out = e.redirect(address); });
  return out;
}

void EndpointThread::call(const std::function<void(Endpoint&)>& fn) {
  std::promise<void> done;
  queue([&](Endpoint& e) {
    fn(e);
    done.set_value();
  });
  done.get_future().wait();
}

}  // namespace theta_net::transport
