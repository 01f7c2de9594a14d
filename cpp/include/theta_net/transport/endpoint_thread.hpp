// Runs any Endpoint on its own I/O thread, and is an Endpoint itself: a session driver (a
// game's ClientDriver) steps it like any other, while the I/O thread reads packets, runs timers
// and sends ACKs between the game's steps. That matters for throughput: ngtcp2 0.12 caps the
// congestion window near a few round trips of loopback or LAN data, so a peer that acknowledges
// only when the game polls (once per step or frame) holds a bulk transfer to one window per
// step (docs/transport.md, "I/O thread"). send(), close(), poll() and next_event() are
// thread-safe: sends are validated against the lane rules at once, queued, and the I/O thread
// is woken (Endpoint::interrupt) to write them.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>

#include "theta_net/transport/endpoint.hpp"

namespace theta_net::transport {

class EndpointThread final : public Endpoint {
 public:
  // `poll_interval` bounds each poll() of the I/O thread (the longest a queued send waits when
  // the endpoint cannot be interrupted, e.g. SimNet).
  explicit EndpointThread(std::unique_ptr<Endpoint> endpoint,
                          std::chrono::nanoseconds poll_interval = std::chrono::milliseconds(5),
                          std::size_t max_message_size = kDefaultMaxMessageSize);
  // Runs what is still queued (closes, sends), stops and joins the thread; the endpoint is
  // destroyed after it.
  ~EndpointThread() override;
  EndpointThread(const EndpointThread&) = delete;
  EndpointThread& operator=(const EndpointThread&) = delete;

  // Checks the message against the lane rules and queues it for the I/O thread. A connection
  // that closes before the thread sends it is not an error here: its events say so.
  // Errors: those of check_message; kClosed (the connection is not among connections()).
  Status send(ConnectionId conn, Lane lane, ByteSpan message) override;
  // The I/O thread does the polling: this waits up to `max_wait` for an event to be queued, a
  // connection's send queue to go down, or interrupt(), and returns at once when an event is
  // queued. There is no wait_set(): inside a MultiEndpoint it would be polled without waiting.
  void poll(std::chrono::nanoseconds max_wait) override;
  std::optional<Event> next_event() override;
  // The connection leaves connections() at once; the close itself runs on the I/O thread.
  void close(ConnectionId conn, std::uint64_t app_error_code, std::string_view reason) override;
  // The figures as of the I/O thread's last turn, with the bytes of sends still queued for it
  // added to send_queue_bytes (the back-pressure an application reads).
  std::optional<ConnectionStats> stats(ConnectionId conn) const override;
  std::string_view transport_kind(ConnectionId conn) const override;
  std::vector<ConnectionId> connections() const override;
  // Run on the I/O thread; they wait for it.
  // Errors: those of the endpoint's dial() and redirect().
  Status dial() override;
  Status redirect(std::string_view address) override;
  void interrupt() override;

  // Waits up to `timeout` for an event and takes it.
  std::optional<Event> wait_event(std::chrono::nanoseconds timeout);
  // Runs fn on the I/O thread with the endpoint (for anything else the endpoint offers) and
  // waits for it (called from the I/O thread itself, inside fn, it runs at once).
  void call(const std::function<void(Endpoint&)>& fn);

 private:
  struct Snapshot {
    ConnectionStats stats;
    std::string_view kind;  // every endpoint names its kind with a string literal
  };
  void loop();
  void queue(std::function<void(Endpoint&)> command);

  std::unique_ptr<Endpoint> endpoint_;
  std::chrono::nanoseconds interval_;
  std::size_t max_message_size_;
  mutable std::mutex mutex_;
  std::condition_variable events_ready_;
  std::deque<std::function<void(Endpoint&)>> commands_;
  // Per connection: bytes of sends queued and not yet in the endpoint's figures, and those
  // that ran since the last snapshot (taken off queued_bytes_ when the snapshot includes them).
  std::map<std::uint64_t, std::uint64_t> queued_bytes_, ran_bytes_;
  std::set<std::uint64_t> closing_;  // closed here, still listed by the endpoint
  std::deque<Event> events_;
  std::vector<ConnectionId> connections_;
  std::map<std::uint64_t, Snapshot> snapshots_;
  bool woken_ = false;  // interrupt(), or a send queue that went down, since the last poll()
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace theta_net::transport
