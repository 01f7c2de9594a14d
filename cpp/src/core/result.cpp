#include "theta_net/core/result.hpp"

namespace theta_net {

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid_argument";
    case ErrorCode::kTruncated:
      return "truncated";
    case ErrorCode::kOverflow:
      return "overflow";
    case ErrorCode::kCorrupt:
      return "corrupt";
    case ErrorCode::kChecksumMismatch:
      return "checksum_mismatch";
    case ErrorCode::kLimitExceeded:
      return "limit_exceeded";
    case ErrorCode::kUnsupportedVersion:
      return "unsupported_version";
    case ErrorCode::kOutOfRange:
      return "out_of_range";
    case ErrorCode::kState:
      return "state";
    case ErrorCode::kIo:
      return "io";
    case ErrorCode::kTimeout:
      return "timeout";
    case ErrorCode::kClosed:
      return "closed";
    case ErrorCode::kRejected:
      return "rejected";
  }
  return "unknown";
}

std::string Error::describe() const {
  std::string out(error_code_name(code));
  if (!message.empty()) {
    out += ": ";
    out += message;
  }
  return out;
}

}  // namespace theta_net
