// RecordLink: one theta_net connection over an ordered byte stream (TCP, TLS over TCP), without
// I/O. Bytes from the socket go in with receive(), bytes for the socket come out of
// output(); lanes, the opening preface, keep-alive pings with RTT estimates, the idle timeout and
// the close handshake are all decided here, so the endpoints only move bytes and the logic is
// tested and fuzzed without sockets (docs/transport.md, "Byte-stream transports").
//
// Wire format: each side first sends the preface "theta/1\n"; then records, each a LEB128
// length followed by that many bytes: a kind byte and a body. Kinds 0..7 are the lanes
// (lane.hpp) and the body is one message; 0xF0 ping and 0xF1 pong carry an 8-byte token; 0xFF
// close carries a varint application code and a UTF-8 reason.
//
// A byte stream delivers every record in order, so the unreliable lanes (input, entities) are
// carried reliably and suffer head-of-line blocking behind larger records. To keep them fresh,
// an unreliable message is dropped (counted in datagrams_lost) instead of queued when more than
// unreliable_drop_backlog bytes are already waiting for the socket.
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
#include "theta_net/transport/stream_framing.hpp"

namespace theta_net::transport {

inline constexpr std::string_view kRecordPreface = "theta/1\n";

// Record kinds past the lanes.
enum class RecordKind : std::uint8_t { kPing = 0xF0, kPong = 0xF1, kClose = 0xFF };

struct RecordLinkConfig {
  std::size_t max_message_size = kDefaultMaxMessageSize;
  // send() refuses reliable messages while this many bytes wait for the socket.
  std::size_t max_send_backlog = 8u << 20;
  // Unreliable messages are dropped while more than this waits for the socket.
  std::size_t unreliable_drop_backlog = 64u << 10;
  std::chrono::nanoseconds idle_timeout{std::chrono::seconds(10)};
  // A ping after this much time without one (RTT samples and keep-alive); 0 = never.
  std::chrono::nanoseconds ping_interval{std::chrono::seconds(1)};
};

class RecordLink {
 public:
  enum class Role : std::uint8_t { kClient, kServer };
  enum class State : std::uint8_t {
    kOpening,  // waiting for the peer's preface
    kOpen,     // lanes usable
    kClosing,  // a close record is queued or was received; no more messages
    kClosed,   // done: the endpoint may flush output() and close the socket
  };

  // Both sides queue the preface at once (the server's can go out before the client's arrives:
  // nothing in it depends on the other side).
  RecordLink(Role role, RecordLinkConfig config, std::chrono::nanoseconds now);

  // Takes bytes read from the socket. A peer that breaks the format is closed with
  // protocol_error or message_too_large (queued for it, reported by closed()).
  void receive(ByteSpan bytes, std::chrono::nanoseconds now);
  // The peer shut its side of the stream (read returned 0).
  void receive_end(std::chrono::nanoseconds now);

  // Queues one message on a lane.
  // Errors: kClosed (not open), kInvalidArgument (the lane rules refuse it, check_message),
  // kLimitExceeded (a reliable message while max_send_backlog bytes wait for the socket).
  Status send(Lane lane, ByteSpan message);

  // Queues a close record; messages queued before it still go out first.
  void close(std::uint64_t code, std::string_view reason);

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

 private:
  void queue_record(std::uint8_t kind, ByteSpan body);
  void handle_record(ByteSpan record, std::chrono::nanoseconds now);
  void fail(CloseCode code, std::string reason);
  void finish(CloseInfo info, EventKind kind);
  void sample_rtt(std::chrono::nanoseconds rtt);
  std::size_t backlog() const { return out_.size() - out_pos_; }

  Role role_;
  RecordLinkConfig config_;
  State state_ = State::kOpening;
  bool opened_ = false;
  std::size_t preface_seen_ = 0;  // preface bytes received so far
  StreamDeframer deframer_;
  Bytes out_;
  std::size_t out_pos_ = 0;
  std::deque<Event> events_;
  std::optional<CloseInfo> close_;
  ConnectionStats stats_;
  std::chrono::nanoseconds last_heard_;
  std::chrono::nanoseconds last_ping_;
  std::optional<std::chrono::nanoseconds> last_rtt_;
};

}  // namespace theta_net::transport
