// StreamLink: one theta_net connection over an ordered byte stream, without I/O. Bytes from the
// socket go in with receive(), bytes for the socket come out of output(); opening, lanes,
// keep-alive pings with RTT estimates, the idle timeout and the close handshake are the link's,
// so the TCP endpoints only move bytes, and a link is tested and fuzzed without sockets. Two
// kinds: RecordLink (theta/1 records, for native clients) and WsLink (WebSocket, for browsers).
//
// A byte stream delivers every byte in order, so the unreliable lanes (input, entities) are
// carried reliably and suffer head-of-line blocking behind larger messages. To keep them fresh,
// an unreliable message is dropped (counted in datagrams_lost) instead of queued when more than
// unreliable_drop_backlog bytes already wait for the socket (docs/transport.md).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "theta_net/core/byte_io.hpp"
#include "theta_net/core/result.hpp"
#include "theta_net/transport/close_code.hpp"
#include "theta_net/transport/event.hpp"
#include "theta_net/transport/lane.hpp"

namespace theta_net::transport {

struct StreamLinkConfig {
  std::size_t max_message_size = kDefaultMaxMessageSize;
  // send() refuses reliable messages while this many bytes wait for the socket.
  std::size_t max_send_backlog = 8u << 20;
  // Unreliable messages are dropped while more than this waits for the socket.
  std::size_t unreliable_drop_backlog = 64u << 10;
  std::chrono::nanoseconds idle_timeout{std::chrono::seconds(10)};
  // The opening (preface, HTTP upgrade) must be done this long after the link began, however
  // slowly bytes trickle in: a peer cannot hold a connection open by sending a header byte
  // every few seconds.
  std::chrono::nanoseconds open_timeout{std::chrono::seconds(10)};
  // A ping after this much time without one (RTT samples and keep-alive); 0 = never.
  std::chrono::nanoseconds ping_interval{std::chrono::seconds(1)};
};

class StreamLink {
 public:
  enum class Role : std::uint8_t { kClient, kServer };
  enum class State : std::uint8_t {
    kOpening,  // the opening exchange (preface, HTTP upgrade) is under way
    kOpen,     // lanes usable
    kClosing,  // our close is queued: flush output(), then end the stream
    kClosed,   // done: the endpoint may flush output() and close the socket
  };

  virtual ~StreamLink() = default;
  StreamLink(const StreamLink&) = delete;
  StreamLink& operator=(const StreamLink&) = delete;

  // Takes bytes read from the socket. A peer that breaks the format is closed with
  // protocol_error or message_too_large (queued for it, reported as a Disconnected event).
  virtual void receive(ByteSpan bytes, std::chrono::nanoseconds now) = 0;
  // The peer shut its side of the stream (read returned 0, or the connection was reset).
  void receive_end(std::chrono::nanoseconds now);

  // Queues one message on a lane.
  // Errors: kClosed (not open), kInvalidArgument (the lane rules refuse it, check_message),
  // kLimitExceeded (a reliable message while max_send_backlog bytes wait for the socket).
  Status send(Lane lane, ByteSpan message);

  // Queues a close with an application code (close_code.hpp) and a reason; messages queued
  // before it still go out first. Reports Disconnected at once.
  void close(std::uint64_t code, std::string_view reason);

  // The stream under the link failed (a TLS error): ends the link now, with `reason`.
  void abort(std::string reason);

  // Sends pings and ends the link after idle_timeout of silence.
  void on_time(std::chrono::nanoseconds now);
  // When on_time() next has something to do.
  std::chrono::nanoseconds next_deadline() const;

  // Bytes to write to the socket, and how many the socket took.
  ByteSpan output() const;
  void consume_output(std::size_t n);

  // Connected (once), messages, then one Disconnected or TimedOut: the endpoint sets `conn`.
  std::optional<Event> next_event();

  State state() const { return state_; }
  bool opened() const { return opened_; }
  // How the link ended (or is ending); nothing while it is open.
  const std::optional<CloseInfo>& close_info() const { return close_; }
  const ConnectionStats& stats() const { return stats_; }

 protected:
  StreamLink(StreamLinkConfig config, std::chrono::nanoseconds now);

  // What a kind of link writes for each part of the protocol.
  virtual void write_message(Lane lane, ByteSpan message) = 0;
  virtual void write_ping(std::uint64_t token) = 0;
  virtual void write_close(std::uint64_t code, std::string_view reason) = 0;
  // What a link that fails before opening sends (RecordLink: a close record; WsLink: its HTTP
  // refusal is already written). Default: a close.
  virtual void write_refusal(CloseCode code, std::string_view reason) {
    write_close(code_value(code), reason);
  }
  // Bytes held for the socket beyond output() (a library's own queue); 0 by default.
  virtual std::size_t queued_elsewhere() const { return 0; }

  // Called by the kinds as they read.
  void open_now();
  void deliver(Lane lane, ByteSpan body);
  void pong(std::uint64_t token, std::chrono::nanoseconds now);
  void heard(std::size_t bytes, std::chrono::nanoseconds now);
  // The peer broke the protocol: our close goes out with this code and reason.
  void fail(CloseCode code, std::string reason);
  // The peer closed (by_peer) or the link ended otherwise; reports it once.
  void finish(CloseInfo info, EventKind kind);
  void append_output(ByteSpan bytes);
  std::size_t backlog() const { return out_.size() - out_pos_ + queued_elsewhere(); }

  const StreamLinkConfig config_;
  State state_ = State::kOpening;

 private:
  void sample_rtt(std::chrono::nanoseconds rtt);

  bool opened_ = false;
  Bytes out_;
  std::size_t out_pos_ = 0;
  std::deque<Event> events_;
  std::optional<CloseInfo> close_;
  ConnectionStats stats_;
  std::chrono::nanoseconds began_;
  std::chrono::nanoseconds last_heard_;
  std::chrono::nanoseconds last_ping_;
  std::optional<std::chrono::nanoseconds> last_rtt_;
};

// A close reason cut to at most max_bytes on a character boundary (peers refuse a reason that
// is not UTF-8); a reason that is not UTF-8 at all is replaced by a note saying so.
std::string_view close_reason_prefix(std::string_view reason, std::size_t max_bytes);

}  // namespace theta_net::transport
