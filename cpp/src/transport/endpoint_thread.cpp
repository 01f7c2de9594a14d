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
    bool stopping = false;
    {
      std::lock_guard lock(mutex_);
      stopping = stopping_;
      commands.swap(commands_);
    }
    // What the application queued before it let go (a close with its code, last sends) still
    // reaches the endpoint, which then closes what is left as it is destroyed.
    for (auto& command : commands) command(*endpoint_);
    if (stopping) return;
    endpoint_->poll(commands.empty() ? interval_ : std::chrono::nanoseconds(0));
    std::deque<Event> fresh;
    while (auto e = endpoint_->next_event()) fresh.push_back(std::move(*e));
    std::vector<ConnectionId> conns = endpoint_->connections();
    std::lock_guard lock(mutex_);
    for (auto& e : fresh) events_.push_back(std::move(e));
    bool drained = false;  // a connection's send queue went down: a waiting poll() may go on
    for (auto it = snapshots_.begin(); it != snapshots_.end();) {
      const bool open =
          std::find(conns.begin(), conns.end(), ConnectionId{it->first}) != conns.end();
      it = open ? std::next(it) : snapshots_.erase(it);
    }
    for (ConnectionId id : conns) {
      auto s = endpoint_->stats(id);
      if (!s) continue;
      Snapshot& snap = snapshots_[id.value];
      drained |= s->send_queue_bytes < snap.stats.send_queue_bytes;
      snap.stats = std::move(*s);
      if (snap.kind.empty()) snap.kind = endpoint_->transport_kind(id);
    }
    // Sends that ran are in the endpoint's own figures from now on, not before.
    for (const auto& [conn, bytes] : ran_bytes_) {
      auto q = queued_bytes_.find(conn);
      if (q != queued_bytes_.end() && (q->second -= std::min(q->second, bytes)) == 0) {
        queued_bytes_.erase(q);
      }
    }
    ran_bytes_.clear();
    std::erase_if(queued_bytes_, [&](const auto& entry) {
      return std::find(conns.begin(), conns.end(), ConnectionId{entry.first}) == conns.end();
    });
    // A connection closed here stays out of connections() until the endpoint lets it go too.
    for (auto it = closing_.begin(); it != closing_.end();) {
      const bool listed = std::find(conns.begin(), conns.end(), ConnectionId{*it}) != conns.end();
      it = listed ? std::next(it) : closing_.erase(it);
    }
    std::erase_if(conns, [&](ConnectionId id) { return closing_.count(id.value) > 0; });
    connections_ = std::move(conns);
    woken_ |= drained;
    if (!fresh.empty() || drained) events_ready_.notify_all();
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
    if (std::find(connections_.begin(), connections_.end(), conn) == connections_.end()) {
      return make_error(ErrorCode::kClosed, "connection ", conn.value, " is not open");
    }
    queued_bytes_[conn.value] += size;
    commands_.push_back(
        [this, conn, lane, size, copy = Bytes(message.begin(), message.end())](Endpoint& e) {
          (void)e.send(conn, lane, copy);  // a connection that closed meanwhile: its events say so
          std::lock_guard relock(mutex_);
          ran_bytes_[conn.value] += size;
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
  {
    std::lock_guard lock(mutex_);
    // Gone from connections() at once, as a stepped endpoint's close does: a session driver
    // that closes and then looks for a live connection must not find this one.
    if (std::find(connections_.begin(), connections_.end(), conn) != connections_.end()) {
      closing_.insert(conn.value);
      std::erase(connections_, conn);
    }
  }
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
  // From the I/O thread itself (inside fn) this would wait for itself: run it there and then.
  if (std::this_thread::get_id() == thread_.get_id()) {
    fn(*endpoint_);
    return;
  }
  std::promise<void> done;
  queue([&](Endpoint& e) {
    fn(e);
    done.set_value();
  });
  done.get_future().wait();
}

}  // namespace theta_net::transport
