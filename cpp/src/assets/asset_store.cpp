#include "theta_net/assets/asset_store.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <system_error>

#include "theta_net/core/sha256.hpp"

namespace theta_net::assets {

namespace fs = std::filesystem;

namespace {
// Hidden (a leading dot can never start an asset name) and recognisable for clean-up.
constexpr std::string_view kPartialPrefix = ".partial-";
}  // namespace

Result<AssetStore> AssetStore::open(fs::path dir, AssetStoreLimits limits) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return make_error(ErrorCode::kIo, "cannot create asset folder ", dir.string(), ": ",
                      ec.message());
  AssetStore store(dir, limits);
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.starts_with(kPartialPrefix)) {
      // A leftover of a process that is gone (its resume state died with it); one of a live
      // process on the same folder is left alone. One that cannot be removed is wasted space.
      const long pid = std::strtol(name.c_str() + kPartialPrefix.size(), nullptr, 10);
      if (pid <= 0 || (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)) {
        std::error_code ignored;
        fs::remove(it->path(), ignored);
      }
      continue;
    }
    if (!is_asset_name(name)) continue;
    std::error_code size_ec;
    if (!it->is_regular_file(size_ec)) continue;
    const auto size = it->file_size(size_ec);
    if (!size_ec) store.stored_bytes_ += size;
  }
  if (ec)
    return make_error(ErrorCode::kIo, "cannot list asset folder ", dir.string(), ": ",
                      ec.message());
  return store;
}

bool AssetStore::is_asset_name(std::string_view name) {
  if (name.size() != 64) return false;
  for (const char c : name) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::optional<StoredAsset> AssetStore::find(std::string_view name) const {
  if (!is_asset_name(name)) return std::nullopt;
  StoredAsset out;
  out.name = std::string(name);
  out.path = dir_ / out.name;
  std::error_code ec;
  if (!fs::is_regular_file(out.path, ec) || ec) return std::nullopt;
  out.size = fs::file_size(out.path, ec);
  if (ec) return std::nullopt;
  return out;
}

Result<std::string> AssetStore::put(ByteSpan data, std::optional<std::string_view> expected) {
  if (data.size() > limits_.max_asset_bytes) {
    return make_error(ErrorCode::kLimitExceeded, "an asset of ", data.size(),
                      " bytes is over the limit of ", limits_.max_asset_bytes);
  }
  const std::string name = to_hex(sha256(data));
  if (expected && *expected != name) {
    return make_error(ErrorCode::kChecksumMismatch, "the data's SHA-256 is ", name, ", not ",
                      *expected, ": nothing stored");
  }
  if (find(name)) return name;  // stored already
  if (stored_bytes_ + reserved_bytes_ + data.size() > limits_.max_store_bytes) {
    return make_error(ErrorCode::kLimitExceeded, "the asset store is full (", stored_bytes_, " of ",
                      limits_.max_store_bytes, " bytes)");
  }
  // A hidden name can never be an asset name, so readers never see a partial file.
  const fs::path temp = dir_ / ("." + name + ".tmp" + std::to_string(temp_counter_++));
  std::FILE* f = std::fopen(temp.c_str(), "wb");
  if (!f) return make_error(ErrorCode::kIo, "cannot create ", temp.string());
  const bool written = std::fwrite(data.data(), 1, data.size(), f) == data.size();
  const bool closed = std::fclose(f) == 0;
  std::error_code ec;
  if (!written || !closed) {
    fs::remove(temp, ec);
    return make_error(ErrorCode::kIo, "cannot write ", temp.string());
  }
  fs::rename(temp, dir_ / name, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    return make_error(ErrorCode::kIo, "cannot move the asset into place: ", ec.message());
  }
  stored_bytes_ += data.size();
  return name;
}

Result<fs::path> AssetStore::begin_partial(std::uint64_t size) {
  if (size > limits_.max_asset_bytes) {
    return make_error(ErrorCode::kLimitExceeded, "an asset of ", size,
                      " bytes is over the limit of ", limits_.max_asset_bytes);
  }
  if (stored_bytes_ + reserved_bytes_ + size > limits_.max_store_bytes) {
    return make_error(ErrorCode::kLimitExceeded, "the asset store is full (", stored_bytes_,
                      " stored and ", reserved_bytes_, " promised of ", limits_.max_store_bytes,
                      " bytes)");
  }
  reserved_bytes_ += size;
  // The process id keeps two processes on one folder (a misuse, but an easy one) from naming
  // the same file; open() in PartialAsset::begin refuses an existing one besides.
  return dir_ / (std::string(kPartialPrefix) + std::to_string(::getpid()) + "-" +
                 std::to_string(temp_counter_++));
}

Result<std::string> AssetStore::adopt_partial(const fs::path& partial, std::uint64_t size,
                                              std::string name) {
  reserved_bytes_ -= std::min(reserved_bytes_, size);
  std::error_code ec;
  if (find(name)) {
    fs::remove(partial, ec);
    return name;
  }
  fs::rename(partial, dir_ / name, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(partial, ignored);
    return make_error(ErrorCode::kIo, "cannot move the asset into place: ", ec.message());
  }
  stored_bytes_ += size;
  return name;
}

void AssetStore::abandon_partial(const fs::path& partial, std::uint64_t size) {
  reserved_bytes_ -= std::min(reserved_bytes_, size);
  std::error_code ignored;
  fs::remove(partial, ignored);
}

}  // namespace theta_net::assets
