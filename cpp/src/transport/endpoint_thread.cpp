#include "theta_net/transport/endpoint_thread.hpp"

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
    std::map<std::uint64_t, ConnectionStats> stats;
    for (ConnectionId id : conns) {
      if (auto s = endpoint_->stats(id)) stats.emplace(id.value, *s);
    }
    {
      std::lock_guard lock(mutex_);
      for (auto& e : fresh) events_.push_back(std::move(e));
      connections_ = std::move(conns);
      stats_ = std::move(stats);
    }
    if (!fresh.empty()) events_ready_.notify_all();
  }
}

Status EndpointThread::send(ConnectionId conn, Lane lane, ByteSpan message) {
  THETA_TRY(check_message(lane, message.size(), max_message_size_));
  {
    std::lock_guard lock(mutex_);
    commands_.push_back([conn, lane, copy = Bytes(message.begin(), message.end())](Endpoint& e) {
      (void)e.send(conn, lane, copy);  // a connection that closed meanwhile: its events say so
    });
  }
  endpoint_->interrupt();
  return {};
}

void EndpointThread::close(ConnectionId conn, std::uint64_t code, std::string_view reason) {
  {
    std::lock_guard lock(mutex_);
    commands_.push_back(
        [conn, code, why = std::string(reason)](Endpoint& e) { e.close(conn, code, why); });
  }
  endpoint_->interrupt();
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
  auto it = stats_.find(conn.value);
  if (it == stats_.end()) return std::nullopt;
  return it->second;
}

void EndpointThread::call(const std::function<void(Endpoint&)>& fn) {
  std::promise<void> done;
  {
    std::lock_guard lock(mutex_);
    commands_.push_back([&](Endpoint& e) {
      fn(e);
      done.set_value();
    });
  }
  endpoint_->interrupt();
  done.get_future().wait();
}

}  // namespace theta_net::transport
