// Runs any Endpoint on its own I/O thread, for games that do not want to drive poll() once per
// tick. send(), close() and next_event() are thread-safe: sends are validated against the lane
// rules at once, queued, and the I/O thread is woken (Endpoint::interrupt) to write them.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "theta_net/transport/endpoint.hpp"

namespace theta_net::transport {

class EndpointThread {
 public:
  // `poll_interval` bounds each poll() of the I/O thread (the longest a queued send waits when
  // the endpoint cannot be interrupted, e.g. SimNet).
  explicit EndpointThread(std::unique_ptr<Endpoint> endpoint,
                          std::chrono::nanoseconds poll_interval = std::chrono::milliseconds(5),
                          std::size_t max_message_size = kDefaultMaxMessageSize);
  ~EndpointThread();  // stops and joins the thread; the endpoint is destroyed after it
  EndpointThread(const EndpointThread&) = delete;
  EndpointThread& operator=(const EndpointThread&) = delete;

  // Checks the message against the lane rules and queues it for the I/O thread. A connection
  // that is closed or unknown is not an error here: its events say so.
  // Errors: those of check_message.
  Status send(ConnectionId conn, Lane lane, ByteSpan message);
  void close(ConnectionId conn, std::uint64_t app_error_code, std::string_view reason);
  std::optional<Event> next_event();
  // Waits up to `timeout` for an event.
  std::optional<Event> wait_event(std::chrono::nanoseconds timeout);
  std::vector<ConnectionId> connections() const;
  std::optional<ConnectionStats> stats(ConnectionId conn) const;
  // Runs fn on the I/O thread with the endpoint (for anything else the endpoint offers) and
  // waits for it.
  void call(const std::function<void(Endpoint&)>& fn);

 private:
  void loop();

  std::unique_ptr<Endpoint> endpoint_;
  std::chrono::nanoseconds interval_;
  std::size_t max_message_size_;
  mutable std::mutex mutex_;
  std::condition_variable events_ready_;
  std::deque<std::function<void(Endpoint&)>> commands_;
  std::deque<Event> events_;
  std::vector<ConnectionId> connections_;
  std::map<std::uint64_t, ConnectionStats> stats_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace theta_net::transport
