#include "theta_net/transport/stream_link.hpp"

#include <algorithm>

#include "theta_net/core/utf8.hpp"
#include "theta_net/transport/endpoint.hpp"

namespace theta_net::transport {

namespace {

using std::chrono::nanoseconds;

Event event_of(EventKind kind) {
  Event e;
  e.kind = kind;
  return e;
}

CloseInfo make_close(CloseInfo::Kind kind, std::uint64_t code, std::string reason, bool by_peer) {
  CloseInfo info;
  info.kind = kind;
  info.code = code;
  info.reason = std::move(reason);
  info.by_peer = by_peer;
  return info;
}

}  // namespace

std::string_view close_reason_prefix(std::string_view reason, std::size_t max_bytes) {
  if (reason.size() > max_bytes) {
    std::size_t end = max_bytes;
    while (end > 0 && (static_cast<std::uint8_t>(reason[end]) & 0xC0) == 0x80) --end;
    reason = reason.substr(0, end);
  }
  return is_valid_utf8(reason) ? reason : std::string_view("(a reason that is not UTF-8)");
}

StreamLink::StreamLink(StreamLinkConfig config, nanoseconds now)
    : config_(config), began_(now), last_heard_(now), last_ping_(now) {}

void StreamLink::receive_end(nanoseconds) {
  if (state_ == State::kClosed) return;
  if (state_ == State::kClosing) {
    state_ = State::kClosed;  // our close went out; the peer's end finishes it
    return;
  }
  finish(
      make_close(CloseInfo::Kind::kTransport, 0, "the peer ended the stream without a close", true),
      EventKind::kDisconnected);
}

Status StreamLink::send(Lane lane, ByteSpan message) {
  if (state_ != State::kOpen) return make_error(ErrorCode::kClosed, "the connection is not open");
  if (Status ok = check_message(lane, message.size(), config_.max_message_size); !ok.ok()) {
    return ok;
  }
  if (!is_reliable(lane)) {
    if (backlog() > config_.unreliable_drop_backlog) {
      ++stats_.datagrams_lost;  // stale by the time it would go out: drop, as UDP would
      return {};
    }
  } else if (backlog() > config_.max_send_backlog) {
    return make_error(ErrorCode::kLimitExceeded, backlog(),
                      " bytes already wait for the socket (max_send_backlog ",
                      config_.max_send_backlog, ")");
  }
  write_message(lane, message);
  ++stats_.packets_sent;
  auto& lane_stats = stats_.lanes[lane_index(lane)];
  ++lane_stats.messages_sent;
  lane_stats.bytes_sent += message.size();
  return {};
}

void StreamLink::close(std::uint64_t code, std::string_view reason) {
  if (state_ == State::kClosing || state_ == State::kClosed) return;
  const bool was_open = state_ == State::kOpen;
  if (was_open) write_close(code, reason);
  finish(make_close(CloseInfo::Kind::kApplication, code, std::string(reason), false),
         EventKind::kDisconnected);
  // A link that never opened has nothing to say goodbye with; its bytes (a refusal) still go.
  state_ = State::kClosing;
}

void StreamLink::abort(std::string reason) {
  finish(make_close(CloseInfo::Kind::kTransport, 0, std::move(reason), false),
         EventKind::kDisconnected);
  state_ = State::kClosed;
}

void StreamLink::fail(CloseCode code, std::string reason) {
  if (state_ == State::kOpening) {
    write_refusal(code, reason);
    finish(make_close(CloseInfo::Kind::kApplication, code_value(code), std::move(reason), false),
           EventKind::kDisconnected);
    state_ = State::kClosing;
    return;
  }
  close(code_value(code), reason);
}

void StreamLink::finish(CloseInfo info, EventKind kind) {
  if (close_) return;
  close_ = info;
  state_ = State::kClosed;
  Event end = event_of(kind);
  end.close = std::move(info);
  events_.push_back(std::move(end));
}

void StreamLink::open_now() {
  if (opened_) return;
  state_ = State::kOpen;
  opened_ = true;
  events_.push_back(event_of(EventKind::kConnected));
}

void StreamLink::deliver(Lane lane, ByteSpan body) {
  if (state_ != State::kOpen) return;  // after our close: the peer's late messages are moot
  if (body.size() > config_.max_message_size) {
    return fail(CloseCode::kMessageTooLarge, "a message over max_message_size");
  }
  ++stats_.packets_received;
  auto& lane_stats = stats_.lanes[lane_index(lane)];
  ++lane_stats.messages_received;
  lane_stats.bytes_received += body.size();
  Event message = event_of(EventKind::kMessage);
  message.lane = lane;
  message.payload.assign(body.begin(), body.end());
  events_.push_back(std::move(message));
}

void StreamLink::pong(std::uint64_t token, nanoseconds now) {
  const auto sent = nanoseconds(static_cast<nanoseconds::rep>(token));
  // Only our own latest token is a sample; a forged or stale one is ignored.
  if (sent <= now && sent == last_ping_) sample_rtt(now - sent);
}

void StreamLink::heard(std::size_t bytes, nanoseconds now) {
  last_heard_ = now;
  stats_.bytes_received += bytes;
}

void StreamLink::on_time(nanoseconds now) {
  if (state_ == State::kClosed || state_ == State::kClosing) return;
  if (state_ == State::kOpening && now - began_ >= config_.open_timeout) {
    finish(make_close(CloseInfo::Kind::kNone, 0,
                      "the peer did not finish opening within the open timeout", false),
           EventKind::kTimedOut);
    return;
  }
  if (now - last_heard_ >= config_.idle_timeout) {
    finish(make_close(CloseInfo::Kind::kNone, 0,
                      opened_ ? "nothing heard from the peer for the idle timeout"
                              : "the peer did not open within the idle timeout",
                      false),
           EventKind::kTimedOut);
    return;
  }
  if (state_ == State::kOpen && config_.ping_interval.count() > 0 &&
      now - last_ping_ >= config_.ping_interval) {
    last_ping_ = now;
    write_ping(static_cast<std::uint64_t>(std::max<nanoseconds::rep>(now.count(), 0)));
  }
}

nanoseconds StreamLink::next_deadline() const {
  nanoseconds next = last_heard_ + config_.idle_timeout;
  if (state_ == State::kOpening) next = std::min(next, began_ + config_.open_timeout);
  if (state_ == State::kOpen && config_.ping_interval.count() > 0) {
    next = std::min(next, last_ping_ + config_.ping_interval);
  }
  return next;
}

ByteSpan StreamLink::output() const {
  return ByteSpan(out_).subspan(out_pos_);
}

void StreamLink::consume_output(std::size_t n) {
  n = std::min(n, out_.size() - out_pos_);
  out_pos_ += n;
  stats_.bytes_sent += n;
  // Compact once the written prefix dominates, so the buffer does not grow without bound.
  if (out_pos_ == out_.size()) {
    out_.clear();
    out_pos_ = 0;
  } else if (out_pos_ > (64u << 10) && out_pos_ * 2 > out_.size()) {
    out_.erase(out_.begin(), out_.begin() + static_cast<std::ptrdiff_t>(out_pos_));
    out_pos_ = 0;
  }
  stats_.send_queue_bytes = backlog();
}

void StreamLink::append_output(ByteSpan bytes) {
  out_.insert(out_.end(), bytes.begin(), bytes.end());
  stats_.send_queue_bytes = backlog();
}

std::optional<Event> StreamLink::next_event() {
  if (events_.empty()) return std::nullopt;
  Event e = std::move(events_.front());
  events_.pop_front();
  return e;
}

void StreamLink::sample_rtt(nanoseconds rtt) {
  // RFC 6298's smoothing, as QUIC does it, and RFC 3550's jitter over successive samples.
  if (stats_.rtt_smoothed.count() == 0) {
    stats_.rtt_smoothed = rtt;
    stats_.rtt_variance = rtt / 2;
    stats_.rtt_min = rtt;
  } else {
    const nanoseconds diff =
        stats_.rtt_smoothed > rtt ? stats_.rtt_smoothed - rtt : rtt - stats_.rtt_smoothed;
    stats_.rtt_variance = (stats_.rtt_variance * 3 + diff) / 4;
    stats_.rtt_smoothed = (stats_.rtt_smoothed * 7 + rtt) / 8;
    stats_.rtt_min = std::min(stats_.rtt_min, rtt);
  }
  if (last_rtt_) {
    const nanoseconds d = *last_rtt_ > rtt ? *last_rtt_ - rtt : rtt - *last_rtt_;
    stats_.jitter += (d - stats_.jitter) / 16;
  }
  last_rtt_ = rtt;
}

}  // namespace theta_net::transport
