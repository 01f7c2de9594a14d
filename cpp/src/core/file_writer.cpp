#include "theta_net/core/file_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace theta_net {

struct FileWriter::File {
  std::string path;
  int fd = -1;
  std::size_t pending = 0;  // jobs queued or being written
  bool abandoned = false;
  std::string error;  // the first failure, empty while all is well

  ~File() {
    if (fd >= 0) ::close(fd);
  }
};

namespace {
constexpr std::size_t kMaxSpareBuffers = 16;
}  // namespace

FileWriter::FileWriter(std::size_t max_queued_bytes) : max_queued_bytes_(max_queued_bytes) {}

FileWriter::~FileWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Result<std::shared_ptr<FileWriter::File>> FileWriter::create(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return make_error(ErrorCode::kIo, "cannot create '", path, "': ", std::strerror(errno));
  }
  auto file = std::make_shared<File>();
  file->path = path;
  file->fd = fd;
  std::lock_guard lock(mutex_);
  if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
  return file;
}

Bytes FileWriter::buffer() {
  std::lock_guard lock(mutex_);
  if (spare_.empty()) return {};
  Bytes b = std::move(spare_.front());
  spare_.pop_front();
  return b;
}

bool FileWriter::write(const std::shared_ptr<File>& file, Bytes bytes) {
  std::unique_lock lock(mutex_);
  if (bytes.empty()) return file->error.empty();
  // One job may always wait, however large, so a single writer never deadlocks on its own bytes.
  room_.wait(lock, [&] {
    return queued_bytes_ == 0 || queued_bytes_ + bytes.size() <= max_queued_bytes_;
  });
  if (file->abandoned || !file->error.empty()) return false;
  queued_bytes_ += bytes.size();
  ++file->pending;
  jobs_.push_back({file, std::move(bytes)});
  lock.unlock();
  work_.notify_one();
  return true;
}

Status FileWriter::close(const std::shared_ptr<File>& file) {
  std::unique_lock lock(mutex_);
  room_.wait(lock, [&] { return file->pending == 0; });
  std::string error = file->error;
  if (file->fd >= 0) {
    if (::close(file->fd) != 0 && error.empty()) error = std::strerror(errno);
    file->fd = -1;
  }
  if (!error.empty()) return make_error(ErrorCode::kIo, "cannot write '", file->path, "': ", error);
  return {};
}

void FileWriter::abandon(const std::shared_ptr<File>& file) {
  std::unique_lock lock(mutex_);
  file->abandoned = true;
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    if (it->file == file) {
      queued_bytes_ -= it->bytes.size();
      --file->pending;
      it = jobs_.erase(it);
    } else {
      ++it;
    }
  }
  room_.notify_all();
  room_.wait(lock, [&] { return file->pending == 0; });  // one may be being written now
  if (file->fd >= 0) {
    ::close(file->fd);
    file->fd = -1;
  }
  std::remove(file->path.c_str());
}

Result<BufferedFile> BufferedFile::create(FileWriter& writer, const std::string& path,
                                          std::size_t piece_bytes) {
  THETA_TRY_ASSIGN(auto file, writer.create(path));
  return BufferedFile(writer, std::move(file), std::max<std::size_t>(piece_bytes, 1));
}

BufferedFile& BufferedFile::operator=(BufferedFile&& other) noexcept {
  if (this != &other) {
    abandon();
    writer_ = other.writer_;
    file_ = std::move(other.file_);
    piece_bytes_ = other.piece_bytes_;
    piece_ = std::move(other.piece_);
  }
  return *this;
}

BufferedFile::~BufferedFile() {
  abandon();
}

bool BufferedFile::append(ByteSpan bytes) {
  if (!file_) return false;
  const std::uint8_t* data = bytes.data();
  std::size_t len = bytes.size();
  while (len > 0) {
    if (piece_.capacity() < piece_bytes_) {
      piece_ = writer_->buffer();
      piece_.reserve(piece_bytes_);
    }
    const std::size_t take = std::min(len, piece_bytes_ - piece_.size());
    piece_.insert(piece_.end(), data, data + take);
    data += take;
    len -= take;
    if (piece_.size() == piece_bytes_) {
      const bool ok = writer_->write(file_, std::move(piece_));
      piece_ = {};
      if (!ok) return false;
    }
  }
  return true;
}

Status BufferedFile::close() {
  if (!file_) return make_error(ErrorCode::kState, "the file is not open");
  if (!piece_.empty()) writer_->write(file_, std::move(piece_));
  piece_ = {};
  Status st = writer_->close(file_);
  file_.reset();
  return st;
}

void BufferedFile::abandon() {
  if (!file_) return;
  writer_->abandon(file_);
  file_.reset();
  piece_ = {};
}

void FileWriter::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    work_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stopping, and everything queued is written
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    File& f = *job.file;
    const bool skip = !f.error.empty() || f.fd < 0;
    const int fd = f.fd;
    lock.unlock();
    std::string error;
    for (std::size_t done = 0; !skip && done < job.bytes.size();) {
      const ssize_t n = ::write(fd, job.bytes.data() + done, job.bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        error = n < 0 ? std::strerror(errno) : "the disk took nothing";
        break;
      }
      done += static_cast<std::size_t>(n);
    }
    lock.lock();
    if (f.error.empty() && !error.empty()) f.error = error;
    queued_bytes_ -= job.bytes.size();
    --f.pending;
    if (spare_.size() < kMaxSpareBuffers) {
      job.bytes.clear();
      spare_.push_back(std::move(job.bytes));
    }
    room_.notify_all();
  }
}

}  // namespace theta_net
