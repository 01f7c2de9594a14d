#include "theta_net/transport/ws_link.hpp"

#include <wslay/wslay.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <random>

#include "theta_net/core/base64.hpp"

namespace theta_net::transport {

namespace {

using std::chrono::nanoseconds;

constexpr std::size_t kMaxWebSocketReason = 123;  // a control frame's 125 bytes less the status
constexpr std::size_t kTokenSize = 8;

}  // namespace

std::uint16_t websocket_status_of(std::uint64_t app_code) {
  return app_code < 1000 ? static_cast<std::uint16_t>(kWebSocketAppBase + app_code)
                         : static_cast<std::uint16_t>(WSLAY_CODE_INTERNAL_SERVER_ERROR);
}

std::optional<std::uint64_t> app_code_of_websocket_status(std::uint16_t status) {
  if (status >= kWebSocketAppBase && status < 5000) return status - kWebSocketAppBase;
  switch (status) {
    case WSLAY_CODE_NORMAL_CLOSURE:
      return code_value(CloseCode::kNormal);
    case WSLAY_CODE_GOING_AWAY:
      return code_value(CloseCode::kShutdown);
    case WSLAY_CODE_PROTOCOL_ERROR:
    case WSLAY_CODE_UNSUPPORTED_DATA:
    case WSLAY_CODE_INVALID_FRAME_PAYLOAD_DATA:
      return code_value(CloseCode::kProtocolError);
    case WSLAY_CODE_MESSAGE_TOO_BIG:
      return code_value(CloseCode::kMessageTooLarge);
    default:
      return std::nullopt;
  }
}

// wslay's event context, reading from `in` and writing through the link's output.
struct WsLink::Frames {
  explicit Frames(WsLink& owner) : link(owner) {}
  ~Frames() {
    if (ctx) wslay_event_context_free(ctx);
  }
  WsLink& link;
  wslay_event_context_ptr ctx = nullptr;
  Bytes in;
  std::size_t in_pos = 0;
  nanoseconds now{0};

  static ssize_t recv(wslay_event_context_ptr ctx, std::uint8_t* buf, std::size_t len, int,
                      void* user) {
    Frames& f = *static_cast<Frames*>(user);
    const std::size_t n = std::min(len, f.in.size() - f.in_pos);
    if (n == 0) {
      wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
      return -1;
    }
    std::memcpy(buf, f.in.data() + f.in_pos, n);
    f.in_pos += n;
    return static_cast<ssize_t>(n);
  }
  static ssize_t send(wslay_event_context_ptr, const std::uint8_t* data, std::size_t len, int,
                      void* user) {
    static_cast<Frames*>(user)->link.append_output(ByteSpan(data, len));
    return static_cast<ssize_t>(len);
  }
  static int genmask(wslay_event_context_ptr, std::uint8_t* buf, std::size_t len, void* user) {
    Rng& rng = static_cast<Frames*>(user)->link.rng_;
    for (std::size_t i = 0; i < len; ++i) buf[i] = static_cast<std::uint8_t>(rng.next_u64());
    return 0;
  }
  static void message(wslay_event_context_ptr, const wslay_event_on_msg_recv_arg* arg, void* user) {
    static_cast<Frames*>(user)->on_message(*arg);
  }

  void on_message(const wslay_event_on_msg_recv_arg& arg) {
    const ByteSpan body(arg.msg, arg.msg_length);
    switch (arg.opcode) {
      case WSLAY_BINARY_FRAME: {
        const auto lane = body.empty() ? std::nullopt : lane_from_byte(body[0]);
        if (!lane) return link.fail(CloseCode::kProtocolError, "a message without a known lane");
        return link.deliver(*lane, body.subspan(1));
      }
      case WSLAY_TEXT_FRAME:
        return link.fail(CloseCode::kProtocolError, "text messages are not theta/1 (binary)");
      case WSLAY_PONG:
        if (body.size() == kTokenSize) link.pong(load_le64(body.data()), now);
        return;
      case WSLAY_CONNECTION_CLOSE: {
        // wslay answers the close itself; the reason follows the 2-byte status.
        const ByteSpan reason = body.size() >= 2 ? body.subspan(2) : ByteSpan();
        CloseInfo info;
        const auto app = app_code_of_websocket_status(arg.status_code);
        info.kind = app ? CloseInfo::Kind::kApplication : CloseInfo::Kind::kTransport;
        info.code = app ? *app : arg.status_code;
        info.reason.assign(reason.begin(), reason.end());
        info.by_peer = true;
        return link.finish(std::move(info), EventKind::kDisconnected);
      }
      default:
        return;  // pings are answered by wslay
    }
  }
};

WsLink::WsLink(Role role, StreamLinkConfig config, WebSocketConfig ws, nanoseconds now)
    : StreamLink(config, now),
      role_(role),
      ws_(std::move(ws)),
      rng_(ws_.seed != 0 ? ws_.seed : (std::uint64_t{std::random_device{}()} << 32) | 1) {
  if (role_ == Role::kClient) {
    std::uint8_t nonce[16];
    for (auto& b : nonce) b = static_cast<std::uint8_t>(rng_.next_u64());
    key_ = base64(ByteSpan(nonce, sizeof nonce));
    const std::string request = upgrade_request(ws_.host, ws_.path, key_);
    append_output(ByteSpan(reinterpret_cast<const std::uint8_t*>(request.data()), request.size()));
  }
}

WsLink::~WsLink() = default;

void WsLink::receive(ByteSpan bytes, nanoseconds now) {
  if (state_ == State::kClosed || bytes.empty()) return;
  heard(bytes.size(), now);
  if (!frames_) {
    if (state_ != State::kOpening) return;
    head_.insert(head_.end(), bytes.begin(), bytes.end());
    return read_head(now);
  }
  frames_->in.insert(frames_->in.end(), bytes.begin(), bytes.end());
  pump_frames(now);
}

void WsLink::read_head(nanoseconds now) {
  auto end = find_http_head_end(head_);
  if (!end.ok()) {
    if (role_ == Role::kServer) {
      const std::string refusal =
          "HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n";
      append_output(
          ByteSpan(reinterpret_cast<const std::uint8_t*>(refusal.data()), refusal.size()));
    }
    return fail(CloseCode::kHandshakeRejected, end.error().describe());
  }
  if (!end->has_value()) return;  // more to come
  const std::size_t length = **end;
  auto head =
      parse_http_head(std::string_view(reinterpret_cast<const char*>(head_.data()), length));
  if (role_ == Role::kServer) {
    if (!head.ok()) {
      const std::string refusal = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n";
      append_output(
          ByteSpan(reinterpret_cast<const std::uint8_t*>(refusal.data()), refusal.size()));
      return fail(CloseCode::kHandshakeRejected, head.error().describe());
    }
    verdict_ = answer_upgrade(*head, ws_.policy);
    append_output(ByteSpan(reinterpret_cast<const std::uint8_t*>(verdict_->response.data()),
                           verdict_->response.size()));
    if (!verdict_->accepted) return fail(CloseCode::kHandshakeRejected, verdict_->reason);
  } else {
    if (!head.ok()) return fail(CloseCode::kHandshakeRejected, head.error().describe());
    if (Status ok = check_upgrade_response(*head, key_); !ok.ok()) {
      return fail(CloseCode::kHandshakeRejected, ok.error().describe());
    }
  }
  start_frames();
  open_now();
  // Frames may have followed the head in the same read.
  frames_->in.assign(head_.begin() + static_cast<std::ptrdiff_t>(length), head_.end());
  head_.clear();
  head_.shrink_to_fit();
  if (!frames_->in.empty()) pump_frames(now);
}

void WsLink::start_frames() {
  static constexpr wslay_event_callbacks kCallbacks = {
      Frames::recv, Frames::send, Frames::genmask, nullptr, nullptr, nullptr, Frames::message};
  frames_ = std::make_unique<Frames>(*this);
  const int rc = role_ == Role::kServer
                     ? wslay_event_context_server_init(&frames_->ctx, &kCallbacks, frames_.get())
                     : wslay_event_context_client_init(&frames_->ctx, &kCallbacks, frames_.get());
  if (rc != 0) throw std::bad_alloc();  // WSLAY_ERR_NOMEM is its only failure
  // One byte of lane id rides on every message.
  wslay_event_config_set_max_recv_msg_length(frames_->ctx, config_.max_message_size + 1);
}

void WsLink::pump_frames(nanoseconds now) {
  frames_->now = now;
  const bool was_closed = state_ != State::kOpen;
  const int rc = wslay_event_recv(frames_->ctx);
  // Drop what wslay has read; keep what is still to come.
  frames_->in.erase(frames_->in.begin(),
                    frames_->in.begin() + static_cast<std::ptrdiff_t>(frames_->in_pos));
  frames_->in_pos = 0;
  flush_frames();  // pongs and wslay's own answers (a close echo, a protocol error's close)
  if (was_closed || close_info()) return;  // closing already, or the peer's close handled
  if (rc != 0 || wslay_event_get_close_sent(frames_->ctx) != 0) {
    // wslay refused a frame (bad framing, a fragmented control frame, a message over the
    // limit, text that is not UTF-8) and closed with a status of its own; where it stopped
    // reading without a word, the peer still hears why.
    if (wslay_event_get_close_sent(frames_->ctx) == 0) {
      wslay_event_queue_close(frames_->ctx, WSLAY_CODE_PROTOCOL_ERROR, nullptr, 0);
      flush_frames();
    }
    const std::uint16_t status = wslay_event_get_status_code_sent(frames_->ctx);
    const auto app = app_code_of_websocket_status(status);
    CloseInfo info;
    info.kind = CloseInfo::Kind::kApplication;
    info.code = app ? *app : code_value(CloseCode::kProtocolError);
    info.reason = str_cat("the peer broke the WebSocket protocol (status ", status, ")");
    finish(std::move(info), EventKind::kDisconnected);
    state_ = State::kClosing;
  }
}

void WsLink::flush_frames() {
  if (frames_ && wslay_event_want_write(frames_->ctx)) wslay_event_send(frames_->ctx);
}

void WsLink::write_message(Lane lane, ByteSpan message) {
  Bytes payload;
  payload.reserve(message.size() + 1);
  payload.push_back(static_cast<std::uint8_t>(lane));
  payload.insert(payload.end(), message.begin(), message.end());
  const wslay_event_msg msg{WSLAY_BINARY_FRAME, payload.data(), payload.size()};
  wslay_event_queue_msg(frames_->ctx, &msg);
  flush_frames();
}

void WsLink::write_ping(std::uint64_t token) {
  std::uint8_t body[kTokenSize];
  for (std::size_t i = 0; i < kTokenSize; ++i)
    body[i] = static_cast<std::uint8_t>(token >> (8 * i));
  const wslay_event_msg msg{WSLAY_PING, body, sizeof body};
  wslay_event_queue_msg(frames_->ctx, &msg);
  flush_frames();
}

void WsLink::write_close(std::uint64_t code, std::string_view reason) {
  const std::string_view cut = close_reason_prefix(reason, kMaxWebSocketReason);
  wslay_event_queue_close(frames_->ctx, websocket_status_of(code),
                          reinterpret_cast<const std::uint8_t*>(cut.data()), cut.size());
  flush_frames();
}

std::size_t WsLink::queued_elsewhere() const {
  return frames_ ? wslay_event_get_queued_msg_length(frames_->ctx) : 0;
}

}  // namespace theta_net::transport
