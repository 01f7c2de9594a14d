#include "theta_net/replay/event_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace theta_net::replay {

namespace {

constexpr std::size_t kFileBlock = 64 * 1024;

Status check_event(const JsonValue& event) {
  if (!event.is_object()) return make_error(ErrorCode::kInvalidArgument, "an event is an object");
  const JsonValue* tick = event.find("tick");
  if (tick == nullptr || tick->type() != JsonValue::Type::kInt || tick->as_int() < 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      "an event needs a tick: an integer from 0 to 2^63-1");
  }
  const JsonValue* kind = event.find("kind");
  if (kind == nullptr || !kind->is_string() || kind->as_string().empty()) {
    return make_error(ErrorCode::kInvalidArgument, "an event needs a kind: a non-empty string");
  }
  if (kind->as_string() == "header") {
    return make_error(ErrorCode::kInvalidArgument,
                      "the kind \"header\" is reserved for the stream's first line");
  }
  for (const char* name : {"entity", "key"}) {
    const JsonValue* id = event.find(name);
    if (id != nullptr && !id->is_integer() && !id->is_string()) {
      return make_error(ErrorCode::kInvalidArgument, "an event's ", name,
                        " must be an integer or a string");
    }
  }
  return {};
}

}  // namespace

Status encode_event_line(const JsonValue& event, std::string& out) {
  THETA_TRY(check_event(event));
  THETA_TRY(append_canonical(event, out));
  out += '\n';
  return {};
}

struct EventWriter::File {
  int fd = -1;
  std::string path;
  ~File() {
    if (fd >= 0) ::close(fd);
  }
};

EventWriter::EventWriter() = default;
EventWriter::EventWriter(EventWriter&&) noexcept = default;
EventWriter& EventWriter::operator=(EventWriter&&) noexcept = default;

EventWriter::~EventWriter() {
  if (file_ && !closed_) (void)close();
}

Status EventWriter::start(const JsonValue& header) {
  THETA_TRY(check_header(header));
  THETA_TRY(append_canonical(header, buffer_));
  buffer_ += '\n';
  return {};
}

Result<EventWriter> EventWriter::to_memory(const StreamHeader& header) {
  EventWriter w;
  THETA_TRY(w.start(header.to_json()));
  return w;
}

Result<EventWriter> EventWriter::open(const std::string& path, const StreamHeader& header) {
  return from_json_header(header.to_json(), &path);
}

Result<EventWriter> EventWriter::from_json_header(const JsonValue& header,
                                                  const std::string* path) {
  if (!header.is_object()) {
    return make_error(ErrorCode::kInvalidArgument, "a stream header is an object");
  }
  JsonValue full = header;
  full.set("kind", "header");
  if (full.find("format_version") == nullptr) full.set("format_version", kEventStreamFormatVersion);
  if (full.find("tick") != nullptr) {
    return make_error(ErrorCode::kInvalidArgument, "a stream header has no tick");
  }
  EventWriter w;
  THETA_TRY(w.start(full));
  if (path != nullptr) {
    w.file_ = std::make_unique<File>();
    w.file_->path = *path;
    w.file_->fd = ::open(path->c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (w.file_->fd < 0) {
      return make_error(ErrorCode::kIo, "cannot create ", *path, ": ", std::strerror(errno));
    }
  }
  return w;
}

Status EventWriter::write(const Event& event) {
  THETA_TRY(event.status());
  return write(event.json());
}

Status EventWriter::write(const JsonValue& event) {
  if (closed_) return make_error(ErrorCode::kClosed, "the event writer is closed");
  const JsonValue* tick = event.is_object() ? event.find("tick") : nullptr;
  if (tick != nullptr && tick->type() == JsonValue::Type::kInt && tick->as_int() < last_tick_) {
    return make_error(ErrorCode::kInvalidArgument, "an event at tick ", tick->as_int(),
                      " after tick ", last_tick_, ": a stream is written in tick order");
  }
  THETA_TRY(encode_event_line(event, buffer_));
  last_tick_ = tick->as_int();
  ++events_;
  if (file_ && buffer_.size() >= kFileBlock) return flush();
  return {};
}

Status EventWriter::flush() {
  if (!file_ || closed_) return {};
  std::size_t done = 0;
  while (done < buffer_.size()) {
    const ssize_t n = ::write(file_->fd, buffer_.data() + done, buffer_.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      buffer_.erase(0, done);
      return make_error(ErrorCode::kIo, "cannot write ", file_->path, ": ", std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
  buffer_.clear();
  return {};
}

Status EventWriter::close() {
  if (closed_) return {};
  Status flushed = flush();
  closed_ = true;
  if (file_) {
    const int fd = file_->fd;
    file_->fd = -1;
    if (::close(fd) != 0 && flushed.ok()) {
      return make_error(ErrorCode::kIo, "cannot close ", file_->path, ": ", std::strerror(errno));
    }
  }
  return flushed;
}

std::string EventWriter::take() {
  std::string out;
  if (!file_) out.swap(buffer_);
  return out;
}

}  // namespace theta_net::replay
