#include "theta_net/transport/record_link.hpp"

#include <algorithm>

#include "theta_net/core/utf8.hpp"
#include "theta_net/core/varint.hpp"

namespace theta_net::transport {

namespace {

using std::chrono::nanoseconds;

// A close reason is for people and logs; QUIC bounds its own the same way.
constexpr std::size_t kMaxCloseReason = 1024;
// The largest record that is not a message: a close with the longest reason.
constexpr std::size_t kMaxControlRecord = 1 + kMaxVarintBytes + kMaxCloseReason;
constexpr std::size_t kTokenSize = 8;

}  // namespace

RecordLink::RecordLink(Role role, StreamLinkConfig config, nanoseconds now)
    : StreamLink(config, now), deframer_(std::max(config.max_message_size + 1, kMaxControlRecord)) {
  if (role == Role::kClient) write_preface();
}

void RecordLink::write_preface() {
  if (preface_sent_) return;
  preface_sent_ = true;
  append_output(ByteSpan(reinterpret_cast<const std::uint8_t*>(kRecordPreface.data()),
                         kRecordPreface.size()));
}

void RecordLink::write_refusal(CloseCode code, std::string_view reason) {
  write_preface();  // so a peer that reads records can read why
  write_close(code_value(code), reason);
}

void RecordLink::receive(ByteSpan bytes, nanoseconds now) {
  if (state_ == State::kClosed || bytes.empty()) return;
  heard(bytes.size(), now);
  write_preface();  // a server answers the client's first bytes
  // The preface first: a peer that is not speaking theta/1 (an HTTP request, a port scanner)
  // is refused on its first wrong byte.
  while (preface_seen_ < kRecordPreface.size() && !bytes.empty()) {
    if (bytes.front() != static_cast<std::uint8_t>(kRecordPreface[preface_seen_])) {
      fail(CloseCode::kProtocolError, "the peer did not open with the theta/1 preface");
      return;
    }
    ++preface_seen_;
    bytes = bytes.subspan(1);
    if (preface_seen_ == kRecordPreface.size() && state_ == State::kOpening) open_now();
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
  if (record.empty()) return fail(CloseCode::kProtocolError, "an empty record (no kind byte)");
  const std::uint8_t kind = record[0];
  const ByteSpan body = record.subspan(1);
  if (const auto lane = lane_from_byte(kind)) return deliver(*lane, body);
  switch (static_cast<RecordKind>(kind)) {
    case RecordKind::kPing:
      if (body.size() != kTokenSize) return fail(CloseCode::kProtocolError, "a ping of bad size");
      if (state_ == State::kOpen) write_record(static_cast<std::uint8_t>(RecordKind::kPong), body);
      return;
    case RecordKind::kPong:
      if (body.size() != kTokenSize) return fail(CloseCode::kProtocolError, "a pong of bad size");
      return pong(load_le64(body.data()), now);
    case RecordKind::kClose: {
      ByteReader in(body);
      auto code = read_varint(in, "close code");
      if (!code.ok()) return fail(CloseCode::kProtocolError, "bad close record");
      const ByteSpan reason = in.rest();
      const std::string_view text(reinterpret_cast<const char*>(reason.data()), reason.size());
      if (reason.size() > kMaxCloseReason || !is_valid_utf8(text)) {
        return fail(CloseCode::kProtocolError, "a close reason that is too long or not UTF-8");
      }
      CloseInfo info;
      info.kind = CloseInfo::Kind::kApplication;
      info.code = *code;
      info.reason = std::string(text);
      info.by_peer = true;
      return finish(std::move(info), EventKind::kDisconnected);
    }
  }
  fail(CloseCode::kProtocolError, str_cat("an unknown record kind ", int{kind}));
}

void RecordLink::write_message(Lane lane, ByteSpan message) {
  write_record(static_cast<std::uint8_t>(lane), message);
}

void RecordLink::write_ping(std::uint64_t token) {
  Bytes body;
  ByteWriter(body).u64le(token);
  write_record(static_cast<std::uint8_t>(RecordKind::kPing), body);
}

void RecordLink::write_close(std::uint64_t code, std::string_view reason) {
  const std::string_view cut = close_reason_prefix(reason, kMaxCloseReason);
  Bytes body;
  ByteWriter w(body);
  write_varint(w, code);
  w.bytes(ByteSpan(reinterpret_cast<const std::uint8_t*>(cut.data()), cut.size()));
  write_record(static_cast<std::uint8_t>(RecordKind::kClose), body);
}

void RecordLink::write_record(std::uint8_t kind, ByteSpan body) {
  Bytes head;
  write_record_header(head, body.size() + 1);
  head.push_back(kind);
  append_output(head);
  append_output(body);
}

}  // namespace theta_net::transport
