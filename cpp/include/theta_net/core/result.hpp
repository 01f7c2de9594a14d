// Result<T>: the return type of every core call that can fail on input (DESIGN.md, principle 7).
// An error is a code a program can branch on plus a message a person can act on. Exceptions are
// used only at the API border (Python bindings, CLI), never inside the core. Every function that
// returns a Result or Status lists the codes it can return, each with its condition, in an
// "Errors:" line of the comment above it (scripts/check_error_docs.py keeps this true).
#pragma once

#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace theta_net {

enum class ErrorCode : std::uint16_t {
  kInvalidArgument = 1,  // the caller passed something the API does not accept
  kTruncated,            // input ended before a complete value
  kOverflow,             // a value does not fit its declared width
  kCorrupt,              // input is malformed (bad tag, inconsistent fields)
  kChecksumMismatch,     // a CRC or hash over the data does not match
  kLimitExceeded,        // a declared size or count is over a configured limit
  kUnsupportedVersion,   // a format or protocol version this build cannot read
  kOutOfRange,           // an index or id outside its valid range
  kState,                // the call is not valid in the object's current state
  kIo,                   // the operating system refused a read, write or socket call
  kTimeout,              // a deadline passed
  kClosed,               // the peer or the object is closed
  kRejected,             // the peer refused us (handshake reject, bad token, ...)
};

// A stable lower-case name for logs, JSON and Python (e.g. "truncated").
std::string_view error_code_name(ErrorCode code);

struct Error {
  ErrorCode code;
  std::string message;

  // "truncated: varint needs more bytes at offset 12"
  std::string describe() const;
};

// Concatenates any streamable values; used to build error messages off the hot path.
template <class... Parts>
std::string str_cat(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}

template <class... Parts>
Error make_error(ErrorCode code, const Parts&... parts) {
  return Error{code, str_cat(parts...)};
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& { return std::get<1>(state_); }
  Error&& error() && { return std::get<1>(std::move(state_)); }

 private:
  std::variant<T, Error> state_;
};

// Result<void>: success carries no value (and, being the common case, allocates nothing).
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const& { return *error_; }
  Error&& error() && { return std::move(*error_); }

 private:
  std::optional<Error> error_;
};

using Status = Result<void>;

}  // namespace theta_net

// Early-return helpers. THETA_TRY(expr) propagates the error of a Status-like expression;
// THETA_TRY_ASSIGN(lhs, expr) also moves its value into lhs.
#define THETA_CONCAT_INNER(a, b) a##b
#define THETA_CONCAT(a, b) THETA_CONCAT_INNER(a, b)

#define THETA_TRY(expr)                                                       \
  do {                                                                        \
    auto&& theta_try_result_ = (expr);                                        \
    if (!theta_try_result_.ok()) return std::move(theta_try_result_).error(); \
  } while (false)

#define THETA_TRY_ASSIGN_IMPL(tmp, lhs, expr)   \
  auto tmp = (expr);                            \
  if (!tmp.ok()) return std::move(tmp).error(); \
  lhs = std::move(tmp).value()

#define THETA_TRY_ASSIGN(lhs, expr) \
  THETA_TRY_ASSIGN_IMPL(THETA_CONCAT(theta_try_, __LINE__), lhs, expr)
