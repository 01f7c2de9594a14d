#include "theta_net/assets/partial_asset.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <utility>

namespace theta_net::assets {

namespace {

// pread/pwrite until done: a regular file may still return short counts.
bool read_at(int fd, std::uint8_t* out, std::size_t size, std::uint64_t offset) {
  while (size > 0) {
    const ssize_t n = ::pread(fd, out, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    out += n;
    size -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
  return true;
}

bool write_at(int fd, const std::uint8_t* data, std::size_t size, std::uint64_t offset) {
  while (size > 0) {
    const ssize_t n = ::pwrite(fd, data, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
    offset += static_cast<std::uint64_t>(n);
  }
  return true;
}

}  // namespace

std::uint32_t AssetShape::chunk_bytes(std::uint32_t index) const {
  const std::uint64_t start = chunk_offset(index);
  if (start >= size) return 0;
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(chunk_size, size - start));
}

Status AssetShape::check() const {
  if (chunk_size < kMinChunkSize || chunk_size > kMaxChunkSize) {
    return make_error(ErrorCode::kInvalidArgument, "a chunk size of ", chunk_size,
                      " bytes is outside [", kMinChunkSize, ", ", kMaxChunkSize, "]");
  }
  if (chunk_count_wide() > std::numeric_limits<std::uint32_t>::max()) {
    return make_error(ErrorCode::kInvalidArgument, "an asset of ", size, " bytes has too many ",
                      chunk_size, "-byte chunks");
  }
  return {};
}

// --- AssetSource ---------------------------------------------------------------------------

Result<AssetSource> AssetSource::open(const AssetStore& store, std::string_view name,
                                      std::uint32_t chunk_size) {
  const auto stored = store.find(name);
  if (!stored) return make_error(ErrorCode::kInvalidArgument, "no asset ", name, " in the store");
  AssetSource source;
  source.name_ = stored->name;
  source.shape_.size = stored->size;
  source.shape_.chunk_size = chunk_size;
  if (Status ok = source.shape_.check(); !ok.ok()) return ok.error();
  source.shape_.sha256 = *sha256_from_hex(source.name_);  // find() checked the name
  source.fd_ = ::open(stored->path.c_str(), O_RDONLY | O_CLOEXEC);
  if (source.fd_ < 0) {
    return make_error(ErrorCode::kIo, "cannot open ", stored->path.string(), ": ",
                      std::strerror(errno));
  }
  return source;
}

AssetSource::AssetSource(AssetSource&& o) noexcept
    : shape_(o.shape_), name_(std::move(o.name_)), fd_(std::exchange(o.fd_, -1)) {}

AssetSource& AssetSource::operator=(AssetSource&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    shape_ = o.shape_;
    name_ = std::move(o.name_);
    fd_ = std::exchange(o.fd_, -1);
  }
  return *this;
}

AssetSource::~AssetSource() {
  if (fd_ >= 0) ::close(fd_);
}

Result<Bytes> AssetSource::read_chunk(std::uint32_t index) const {
  const std::uint32_t size = shape_.chunk_bytes(index);
  if (size == 0) {
    return make_error(ErrorCode::kInvalidArgument, "asset ", name_, " has no chunk ", index);
  }
  Bytes out(size);
  if (!read_at(fd_, out.data(), size, shape_.chunk_offset(index))) {
    return make_error(ErrorCode::kIo, "cannot read chunk ", index, " of asset ", name_);
  }
  return out;
}

// --- PartialAsset --------------------------------------------------------------------------

Result<PartialAsset> PartialAsset::begin(AssetStore& store, const AssetShape& shape) {
  if (Status ok = shape.check(); !ok.ok()) return ok.error();
  auto path = store.begin_partial(shape.size);
  if (!path.ok()) return path.error();
  PartialAsset partial;
  partial.store_ = &store;
  partial.shape_ = shape;
  partial.path_ = std::move(*path);
  partial.fd_ = ::open(partial.path_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (partial.fd_ < 0) {
    const int err = errno;
    store.abandon_partial(partial.path_, shape.size);
    partial.store_ = nullptr;
    return make_error(ErrorCode::kIo, "cannot create ", partial.path_.string(), ": ",
                      std::strerror(err));
  }
  partial.held_.assign(shape.chunk_count(), false);
  return partial;
}

PartialAsset::PartialAsset(PartialAsset&& o) noexcept
    : store_(std::exchange(o.store_, nullptr)),
      shape_(o.shape_),
      path_(std::move(o.path_)),
      fd_(std::exchange(o.fd_, -1)),
      held_(std::move(o.held_)),
      held_count_(o.held_count_),
      hashed_(o.hashed_),
      broken_(o.broken_),
      hash_(std::move(o.hash_)) {}

PartialAsset& PartialAsset::operator=(PartialAsset&& o) noexcept {
  if (this != &o) {
    release();
    store_ = std::exchange(o.store_, nullptr);
    shape_ = o.shape_;
    path_ = std::move(o.path_);
    fd_ = std::exchange(o.fd_, -1);
    held_ = std::move(o.held_);
    held_count_ = o.held_count_;
    hashed_ = o.hashed_;
    broken_ = o.broken_;
    hash_ = std::move(o.hash_);
  }
  return *this;
}

PartialAsset::~PartialAsset() {
  release();
}

void PartialAsset::release() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (store_) store_->abandon_partial(path_, shape_.size);
  store_ = nullptr;
}

std::uint64_t PartialAsset::verified_bytes() const {
  return std::min(shape_.size, shape_.chunk_offset(hashed_));
}

Result<PartialAsset::Write> PartialAsset::write(std::uint64_t offset, ByteSpan data) {
  if (!store_) return make_error(ErrorCode::kState, "the partial asset is spent");
  if (broken_)
    return make_error(ErrorCode::kIo, "an earlier read-back of ", path_.string(), " failed");
  if (offset % shape_.chunk_size != 0 || offset >= shape_.size) {
    return make_error(ErrorCode::kInvalidArgument, "offset ", offset, " does not start one of the ",
                      shape_.chunk_size, "-byte chunks of a ", shape_.size, "-byte asset");
  }
  const auto index = static_cast<std::uint32_t>(offset / shape_.chunk_size);
  if (data.size() != shape_.chunk_bytes(index)) {
    return make_error(ErrorCode::kInvalidArgument, "chunk ", index, " has ", data.size(),
                      " bytes, not ", shape_.chunk_bytes(index));
  }
  if (held_[index]) return Write::kDuplicate;
  if (!write_at(fd_, data.data(), data.size(), offset)) {
    return make_error(ErrorCode::kIo, "cannot write chunk ", index, " to ", path_.string(), ": ",
                      std::strerror(errno));
  }
  held_[index] = true;
  ++held_count_;
  if (Status ok = advance(data, index); !ok.ok()) {
    broken_ = true;  // the hash can no longer be finished: nothing more is taken
    return ok.error();
  }
  return Write::kWritten;
}

Status PartialAsset::advance(ByteSpan just_written, std::uint32_t index) {
  if (index != hashed_) return {};  // waits for the chunks before it
  hash_.update(just_written);
  ++hashed_;
  Bytes buffer;
  while (hashed_ < held_.size() && held_[hashed_]) {
    buffer.resize(shape_.chunk_bytes(hashed_));
    if (!read_at(fd_, buffer.data(), buffer.size(), shape_.chunk_offset(hashed_))) {
      return make_error(ErrorCode::kIo, "cannot read back chunk ", hashed_, " of ", path_.string());
    }
    hash_.update(buffer);
    ++hashed_;
  }
  return {};
}

std::vector<std::uint32_t> PartialAsset::missing(std::size_t max) const {
  std::vector<std::uint32_t> out;
  for (std::uint32_t i = hashed_; i < held_.size() && out.size() < max; ++i) {
    if (!held_[i]) out.push_back(i);
  }
  return out;
}

Result<std::string> PartialAsset::commit() {
  if (!store_) return make_error(ErrorCode::kState, "the partial asset is spent");
  if (!complete()) {
    return make_error(ErrorCode::kState, "the asset has ", held_count_, " of ",
                      shape_.chunk_count(), " chunks");
  }
  if (broken_) return make_error(ErrorCode::kIo, "a read-back of ", path_.string(), " failed");
  const Sha256Digest got = hash_.finish();
  ::close(std::exchange(fd_, -1));
  AssetStore* store = std::exchange(store_, nullptr);
  if (got != shape_.sha256) {
    store->abandon_partial(path_, shape_.size);
    return make_error(ErrorCode::kChecksumMismatch, "the data's SHA-256 is ", to_hex(got),
                      ", not the announced ", to_hex(shape_.sha256), ": nothing stored");
  }
  return store->adopt_partial(path_, shape_.size, to_hex(got));
}

}  // namespace theta_net::assets
