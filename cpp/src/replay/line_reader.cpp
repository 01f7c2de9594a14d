#include "theta_net/replay/line_reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace theta_net::replay {

namespace {
// Large reads keep system calls rare; the buffer grows only for a pinned window or a long line.
constexpr std::size_t kInitialBuffer = std::size_t{2} << 20;
}  // namespace

struct LineReader::File {
  int fd = -1;
  ~File() {
    if (fd >= 0) ::close(fd);
  }
};

LineReader::LineReader(std::string name, std::size_t max_line_bytes)
    : name_(std::move(name)), max_line_bytes_(max_line_bytes) {}
LineReader::LineReader(LineReader&&) noexcept = default;
LineReader& LineReader::operator=(LineReader&&) noexcept = default;
LineReader::~LineReader() = default;

Result<LineReader> LineReader::open(const std::string& path, std::size_t max_line_bytes) {
  auto file = std::make_unique<File>();
  file->fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (file->fd < 0) {
    return make_error(ErrorCode::kIo, "cannot open ", path, ": ", std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(file->fd, &st) != 0 || S_ISDIR(st.st_mode)) {
    return make_error(ErrorCode::kIo, "cannot read ", path, ": not a regular file");
  }
  ::posix_fadvise(file->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  LineReader reader(path, max_line_bytes);
  reader.file_ = std::move(file);
  reader.capacity_ = std::max(kInitialBuffer, 2 * max_line_bytes);
  reader.storage_ = std::make_unique_for_overwrite<char[]>(reader.capacity_);
  reader.data_ = reader.storage_.get();
  return reader;
}

LineReader LineReader::from_memory(std::string name, std::string_view text,
                                   std::size_t max_line_bytes) {
  LineReader reader(std::move(name), max_line_bytes);
  reader.data_ = text.data();
  reader.size_ = text.size();
  reader.at_eof_ = true;
  return reader;
}

Result<bool> LineReader::next(LineRef& line) {
  for (;;) {
    const void* nl =
        size_ > scan_from_ ? std::memchr(data_ + scan_from_, '\n', size_ - scan_from_) : nullptr;
    if (nl != nullptr) {
      const std::size_t end = static_cast<std::size_t>(static_cast<const char*>(nl) - data_);
      const std::size_t length = end - cursor_;
      if (length > max_line_bytes_) {
        return error_at(line_number_ + 1, ErrorCode::kLimitExceeded, "the line is ", length,
                        " bytes long, over the limit of ", max_line_bytes_);
      }
      line = {data_position_ + cursor_, static_cast<std::uint32_t>(length), ++line_number_};
      cursor_ = scan_from_ = end + 1;
      return true;
    }
    scan_from_ = size_;
    if (size_ - cursor_ > max_line_bytes_) {
      return error_at(line_number_ + 1, ErrorCode::kLimitExceeded,
                      "the line is longer than the limit of ", max_line_bytes_, " bytes");
    }
    if (at_eof_) {
      if (cursor_ < size_) {
        return error_at(line_number_ + 1, ErrorCode::kTruncated,
                        "the input ends in the middle of this line (no final newline; was the "
                        "writer stopped?)");
      }
      return false;
    }
    THETA_TRY(refill());
  }
}

Status LineReader::refill() {
  // Drop what nobody holds: everything before the pin, or before the line being read.
  std::size_t keep = cursor_;
  if (has_pin_ && pinned_ >= data_position_) {
    keep = std::min(keep, static_cast<std::size_t>(pinned_ - data_position_));
  }
  if (keep > 0) {
    std::memmove(storage_.get(), storage_.get() + keep, size_ - keep);
    size_ -= keep;
    cursor_ -= keep;
    scan_from_ -= keep;
    data_position_ += keep;
  }
  if (size_ == capacity_) {
    auto bigger = std::make_unique_for_overwrite<char[]>(capacity_ * 2);
    std::memcpy(bigger.get(), storage_.get(), size_);
    storage_ = std::move(bigger);
    capacity_ *= 2;
    data_ = storage_.get();
  }
  for (;;) {
    const ssize_t n = ::read(file_->fd, storage_.get() + size_, capacity_ - size_);
    if (n > 0) {
      size_ += static_cast<std::size_t>(n);
      return {};
    }
    if (n == 0) {
      at_eof_ = true;
      return {};
    }
    if (errno != EINTR) {
      return make_error(ErrorCode::kIo, "cannot read ", name_, ": ", std::strerror(errno));
    }
  }
}

std::string_view LineReader::text(const LineRef& line) const {
  return {data_at(line.position), line.length};
}

const char* LineReader::data_at(std::uint64_t position) const {
  return data_ + (position - data_position_);
}

}  // namespace theta_net::replay
