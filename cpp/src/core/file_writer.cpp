#include "theta_net/core/file_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>

namespace theta_net {

struct FileWriter::File {
  std::string path;
  int fd = -1;
  std::size_t pending = 0;  // jobs queued or being written
  bool abandoned = false;
  std::string error;  // the first failure, empty while all is well
  // Written by the thread only (close() reads them once pending is 0, under the mutex).
  bool direct = false;        // O_DIRECT is on: writes go from the staging buffer, in blocks
  std::uint64_t written = 0;  // bytes written to the file (the tail not yet)
  Bytes tail;                 // with direct, what is short of a whole block, for the next write

  ~File() {
    if (fd >= 0) ::close(fd);
  }
};

namespace {
constexpr std::size_t kMaxSpareBuffers = 16;
// O_DIRECT writes whole blocks from aligned memory at aligned offsets. 4096 is the logical block
// size of common disks and a multiple of the rest; a file system that wants more refuses the
// write with EINVAL, and the file goes on through the page cache.
constexpr std::size_t kDirectBlock = 4096;
constexpr std::size_t kStagingBytes = 1u << 20;

// Writes all of [data, data + len) to fd; the errno that stopped it, or 0. `wrote`, when given,
// is set to the bytes written either way.
int write_all(int fd, const std::uint8_t* data, std::size_t len, std::size_t* wrote = nullptr) {
  std::size_t done = 0;
  int error = 0;
  while (done < len) {
    const ssize_t n = ::write(fd, data + done, len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = n < 0 ? errno : EIO;
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  if (wrote) *wrote = done;
  return error;
}

bool set_direct(int fd, bool on) {
  const int flags = ::fcntl(fd, F_GETFL);
  return flags >= 0 && ::fcntl(fd, F_SETFL, on ? (flags | O_DIRECT) : (flags & ~O_DIRECT)) == 0;
}
}  // namespace

void FileWriter::AlignedFree::operator()(std::uint8_t* p) const {
  ::operator delete[](p, std::align_val_t{kDirectBlock});
}

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

void FileWriter::direct(const std::shared_ptr<File>& file) {
  std::unique_lock lock(mutex_);
  if (file->abandoned || !file->error.empty()) return;
  ++file->pending;
  jobs_.push_back({file, {}, Job::kGoDirect});
  lock.unlock();
  work_.notify_one();
}

Status FileWriter::close(const std::shared_ptr<File>& file) {
  std::unique_lock lock(mutex_);
  if (!file->abandoned && file->fd >= 0) {
    // The thread writes a direct file's last partial block, after its other writes.
    ++file->pending;
    jobs_.push_back({file, {}, Job::kFinish});
    work_.notify_one();
  }
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

void BufferedFile::direct() {
  if (file_) writer_->direct(file_);
}

void BufferedFile::abandon() {
  if (!file_) return;
  writer_->abandon(file_);
  file_.reset();
  piece_ = {};
}

int FileWriter::write_direct(File& f, ByteSpan bytes) {
  if (!staging_) {
    staging_.reset(static_cast<std::uint8_t*>(
        ::operator new[](kStagingBytes + kDirectBlock, std::align_val_t{kDirectBlock})));
  }
  // Through the aligned staging buffer, a slice at a time: the tail left short of a block, then
  // as much of the bytes as fits; whole blocks are written, the rest becomes the tail.
  while (!bytes.empty()) {
    const std::size_t held = f.tail.size();
    if (held > 0) std::memcpy(staging_.get(), f.tail.data(), held);  // an empty tail has no data
    const std::size_t take = std::min(bytes.size(), kStagingBytes + kDirectBlock - held);
    std::memcpy(staging_.get() + held, bytes.data(), take);
    bytes = bytes.subspan(take);
    const std::size_t have = held + take;
    const std::size_t blocks = have / kDirectBlock * kDirectBlock;
    f.tail.assign(staging_.get() + blocks, staging_.get() + have);
    std::size_t wrote = 0;
    int e = write_all(f.fd, staging_.get(), blocks, &wrote);
    f.written += wrote;
    if (e == EINVAL) {
      // The file system refused a direct write after all: what is left of this slice and the
      // rest go through the page cache, from where the direct writes stopped.
      f.direct = false;
      f.tail.clear();
      if (!set_direct(f.fd, false)) return errno;
      e = write_all(f.fd, staging_.get() + wrote, have - wrote);
      if (e == 0) e = write_all(f.fd, bytes.data(), bytes.size());
      if (e == 0) f.written += have - wrote + bytes.size();
      return e;
    }
    if (e != 0) return e;
  }
  return 0;
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
    lock.unlock();
    std::string error;
    if (skip) {
    } else if (job.kind == Job::kGoDirect) {
      // Only at a block boundary (else never); where the file system has no direct I/O, fcntl
      // refuses it and the file stays on the page cache.
      if (!f.direct && f.written % kDirectBlock == 0) f.direct = set_direct(f.fd, true);
    } else if (job.kind == Job::kFinish) {
      // O_DIRECT takes whole blocks only: the last partial one goes through the page cache.
      if (!f.tail.empty()) {
        const int e =
            set_direct(f.fd, false) ? write_all(f.fd, f.tail.data(), f.tail.size()) : errno;
        if (e != 0) error = std::strerror(e);
        f.written += e == 0 ? f.tail.size() : 0;
        f.tail.clear();
      }
    } else {
      const bool direct = f.direct;  // write_direct counts its own bytes, and may fall back
      const int e =
          direct ? write_direct(f, job.bytes) : write_all(f.fd, job.bytes.data(), job.bytes.size());
      if (!direct) f.written += job.bytes.size();
      if (e != 0) error = std::strerror(e);
    }
    lock.lock();
    if (f.error.empty() && !error.empty()) f.error = error;
    queued_bytes_ -= job.bytes.size();
    --f.pending;
    if (job.bytes.capacity() > 0 && spare_.size() < kMaxSpareBuffers) {
      job.bytes.clear();
      spare_.push_back(std::move(job.bytes));
    }
    room_.notify_all();
  }
}

}  // namespace theta_net
