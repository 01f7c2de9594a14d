#include "theta_net/transport/record_link.hpp"

#include <algorithm>
#include <cstring>

#include "theta_net/core/utf8.hpp"
#include "theta_net/core/varint.hpp"
#include "theta_net/transport/close_code.hpp"
#include "theta_net/transport/endpoint.hpp"

namespace theta_net::transport {

namespace {

using std::chrono::nanoseconds;

// A close reason is for people and logs; QUIC bounds its own the same way.
constexpr std::size_t kMaxCloseReason = 1024;
// The largest record that is not a message: a close with the longest reason.
constexpr std::size_t kMaxControlRecord = 1 + kMaxVarintBytes + kMaxCloseReason;
constexpr std::size_t kTokenSize = 8;

// The longest prefix of `reason` within kMaxCloseReason bytes that ends on a character
// boundary (the peer refuses a reason that is not UTF-8).
std::string_view close_reason_prefix(std::string_view reason) {
  if (reason.size() > kMaxCloseReason) {
    std::size_t end = kMaxCloseReason;
    while (end > 0 && (static_cast<std::uint8_t>(reason[end]) & 0xC0) == 0x80) --end;
    reason = reason.substr(0, end);
  }
  return is_valid_utf8(reason) ? reason : std::string_view("(a reason that is not UTF-8)");
}

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

std::uint64_t token_of(nanoseconds now) {
  return static_cast<std::uint64_t>(std::max<nanoseconds::rep>(now.count(), 0));
}

}  // namespace

RecordLink::RecordLink(Role role, RecordLinkConfig config, nanoseconds now)
    : role_(role),
      config_(config),
      deframer_(std::max(config.max_message_size + 1, kMaxControlRecord)),
      last_heard_(now),
      last_ping_(now) {
  out_.assign(kRecordPreface.begin(), kRecordPreface.end());
}

void RecordLink::receive(ByteSpan bytes, nanoseconds now) {
  if (state_ == State::kClosed || bytes.empty()) return;
  last_heard_ = now;
  stats_.bytes_received += bytes.size();
  // The preface first: a peer that is not speaking theta/1 (an HTTP request, a port scanner)
  // is refused on its first wrong byte.
  while (preface_seen_ < kRecordPreface.size() && !bytes.empty()) {
    if (bytes.front() != static_cast<std::uint8_t>(kRecordPreface[preface_seen_])) {
      fail(CloseCode::kProtocolError, "the peer did not open with the theta/1 preface");
      return;
    }
    ++preface_seen_;
    bytes = bytes.subspan(1);
    if (preface_seen_ == kRecordPreface.size() && state_ == State::kOpening) {
      state_ = State::kOpen;
      opened_ = true;
      events_.push_back(event_of(EventKind::kConnected));
    }
  }
  if (bytes.empty()) return;
  if (Status fed = deframer_.feed(bytes); !fed.ok()) {
    const bool too_large = fed.error().code == ErrorCode::kLimitExceeded;
    fail(too_large ? CloseCode::kMessageTooLarge : CloseCode::kProtocolError,
         "bad record header: " + fed.error().describe());
    return;
  }
  while (auto record = deframer_.next()) {
    handle_record(*record, now);
    if (state_ != State::kOpen) return;  // closed or failed: the rest is not read
  }
}

void RecordLink::handle_record(ByteSpan record, nanoseconds now) {
  ++stats_.packets_received;
  if (record.empty()) return fail(CloseCode::kProtocolError, "an empty record (no kind byte)");
  const std::uint8_t kind = record[0];
  const ByteSpan body = record.subspan(1);
  if (const auto lane = lane_from_byte(kind)) {
    if (state_ != State::kOpen) return;  // after our close: the peer's late messages are moot
    if (body.size() > config_.max_message_size) {
      return fail(CloseCode::kMessageTooLarge, "a message over max_message_size");
    }
    auto& lane_stats = stats_.lanes[lane_index(*lane)];
    ++lane_stats.messages_received;
    lane_stats.bytes_received += body.size();
    Event message = event_of(EventKind::kMessage);
    message.lane = *lane;
    message.payload.assign(body.begin(), body.end());
    events_.push_back(std::move(message));
    return;
  }
  switch (static_cast<RecordKind>(kind)) {
    case RecordKind::kPing:
      if (body.size() != kTokenSize) return fail(CloseCode::kProtocolError, "a ping of bad size");
      if (state_ == State::kOpen) queue_record(static_cast<std::uint8_t>(RecordKind::kPong), body);
      return;
    case RecordKind::kPong: {
      if (body.size() != kTokenSize) return fail(CloseCode::kProtocolError, "a pong of bad size");
      const auto sent = nanoseconds(static_cast<nanoseconds::rep>(load_le64(body.data())));
      // Only our own token can be a sample; a forged future one is ignored.
      if (sent <= now && sent == last_ping_) sample_rtt(now - sent);
      return;
    }
    case RecordKind::kClose: {
      ByteReader in(body);
      auto code = read_varint(in, "close code");
      if (!code.ok()) return fail(CloseCode::kProtocolError, "bad close record");
      const ByteSpan reason = in.rest();
      const std::string_view text(reinterpret_cast<const char*>(reason.data()), reason.size());
      if (reason.size() > kMaxCloseReason || !is_valid_utf8(text)) {
        return fail(CloseCode::kProtocolError, "a close reason that is too long or not UTF-8");
      }
      finish(make_close(CloseInfo::Kind::kApplication, *code, std::string(text), true),
             EventKind::kDisconnected);
      return;
    }
  }
  fail(CloseCode::kProtocolError, str_cat("an unknown record kind ", int{kind}));
}

void RecordLink::receive_end(nanoseconds) {
  if (state_ == State::kClosed) return;
  if (state_ == State::kClosing) {
    state_ = State::kClosed;  // our close went out; the peer's FIN ends it
    return;
  }
  finish(make_close(CloseInfo::Kind::kTransport, 0,
                    "the peer ended the stream without a close record", true),
         EventKind::kDisconnected);
}

Status RecordLink::send(Lane lane, ByteSpan message) {
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
  queue_record(static_cast<std::uint8_t>(lane), message);
  auto& lane_stats = stats_.lanes[lane_index(lane)];
  ++lane_stats.messages_sent;
  lane_stats.bytes_sent += message.size();
  return {};
}

void RecordLink::close(std::uint64_t code, std::string_view reason) {
  if (state_ == State::kClosing || state_ == State::kClosed) return;
  const std::string_view cut = close_reason_prefix(reason);
  Bytes body;
  ByteWriter w(body);
  write_varint(w, code);
  w.bytes(ByteSpan(reinterpret_cast<const std::uint8_t*>(cut.data()), cut.size()));
  queue_record(static_cast<std::uint8_t>(RecordKind::kClose), body);
  finish(make_close(CloseInfo::Kind::kApplication, code, std::string(cut), false),
         EventKind::kDisconnected);
  state_ = State::kClosing;
}

void RecordLink::fail(CloseCode code, std::string reason) {
  close(code_value(code), reason);
}

void RecordLink::finish(CloseInfo info, EventKind kind) {
  if (close_) return;
  // The application hears of the end once; a link that never opened ends without a word from
  // the endpoint's point of view, but the event still says why (a failed client attempt).
  close_ = info;
  state_ = State::kClosed;
  Event end = event_of(kind);
  end.close = std::move(info);
  events_.push_back(std::move(end));
}

void RecordLink::on_time(nanoseconds now) {
  if (state_ == State::kClosed || state_ == State::kClosing) return;
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
    Bytes token;
    ByteWriter(token).u64le(token_of(now));
    queue_record(static_cast<std::uint8_t>(RecordKind::kPing), token);
  }
}

nanoseconds RecordLink::next_deadline() const {
  nanoseconds next = last_heard_ + config_.idle_timeout;
  if (state_ == State::kOpen && config_.ping_interval.count() > 0) {
    next = std::min(next, last_ping_ + config_.ping_interval);
  }
  return next;
}

ByteSpan RecordLink::output() const {
  return ByteSpan(out_).subspan(out_pos_);
}

void RecordLink::consume_output(std::size_t n) {
  n = std::min(n, backlog());
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

std::optional<Event> RecordLink::next_event() {
  if (events_.empty()) return std::nullopt;
  Event e = std::move(events_.front());
  events_.pop_front();
  return e;
}

void RecordLink::queue_record(std::uint8_t kind, ByteSpan body) {
  write_record_header(out_, body.size() + 1);
  out_.push_back(kind);
  out_.insert(out_.end(), body.begin(), body.end());
  ++stats_.packets_sent;
  stats_.send_queue_bytes = backlog();
}

void RecordLink::sample_rtt(nanoseconds rtt) {
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
