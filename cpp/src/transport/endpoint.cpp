#include "theta_net/transport/endpoint.hpp"

#include "theta_net/transport/close_code.hpp"

namespace theta_net::transport {

Status check_message(Lane lane, std::size_t size, std::size_t max_message_size) {
  if (lane_index(lane) >= kLaneCount) {
    return make_error(ErrorCode::kInvalidArgument, "unknown lane ", lane_index(lane));
  }
  if (!is_reliable(lane) && size > kMaxDatagramMessage) {
    return make_error(ErrorCode::kInvalidArgument, "a message on the unreliable lane ",
                      lane_name(lane), " is at most ", kMaxDatagramMessage, " bytes, got ", size);
  }
  if (is_reliable(lane) && size > max_message_size) {
    return make_error(ErrorCode::kInvalidArgument, "a message on lane ", lane_name(lane),
                      " is at most ", max_message_size, " bytes (max_message_size), got ", size);
  }
  return {};
}

std::string_view event_kind_name(EventKind kind) {
  switch (kind) {
    case EventKind::kConnected:
      return "connected";
    case EventKind::kDisconnected:
      return "disconnected";
    case EventKind::kTimedOut:
      return "timed_out";
    case EventKind::kMessage:
      return "message";
  }
  return "unknown";
}

std::string_view close_code_name(std::uint64_t code) {
  switch (static_cast<CloseCode>(code)) {
    case CloseCode::kNormal:
      return "normal";
    case CloseCode::kShutdown:
      return "shutdown";
    case CloseCode::kProtocolError:
      return "protocol_error";
    case CloseCode::kMessageTooLarge:
      return "message_too_large";
    case CloseCode::kResourceLimit:
      return "resource_limit";
    case CloseCode::kHandshakeRejected:
      return "handshake_rejected";
    case CloseCode::kKicked:
      return "kicked";
    case CloseCode::kFirstSessionCode:
      break;
  }
  return code >= code_value(CloseCode::kFirstSessionCode) ? "session" : "unknown";
}

}  // namespace theta_net::transport
