// AssetStore: content-addressed assets in one folder (`theta-net serve --assets DIR`). An asset's
// name is the SHA-256 of its bytes in 64 lower-case hex digits, and its file is DIR/<name>, so an
// operator can drop files in by hand and every reader (HTTP/3, the assets lane) finds them the
// same way. Names are checked before any path is made: nothing outside the folder can be named.
// A new asset is written to a hidden temporary file and renamed into place once its hash is
// verified, so a reader never sees half an asset and a bad hash commits nothing. Hidden partial
// files that a process which is gone left behind (it kept their resume state in memory) are
// removed by open(); those of a live process on the same folder are left alone.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "theta_net/core/byte_io.hpp"
#include "theta_net/core/result.hpp"

namespace theta_net::assets {

struct AssetStoreLimits {
  std::uint64_t max_asset_bytes = 256ull << 20;  // one asset
  std::uint64_t max_store_bytes = 8ull << 30;    // the folder's assets together
};

struct StoredAsset {
  std::string name;
  std::filesystem::path path;
  std::uint64_t size = 0;
};

class AssetStore {
 public:
  // Opens (creating it if needed) the folder and counts what it holds.
  // Errors: kIo (the folder cannot be created or listed).
  static Result<AssetStore> open(std::filesystem::path dir, AssetStoreLimits limits = {});

  // 64 lower-case hex digits: the only names the store answers for.
  static bool is_asset_name(std::string_view name);

  const std::filesystem::path& dir() const { return dir_; }
  const AssetStoreLimits& limits() const { return limits_; }
  std::uint64_t stored_bytes() const { return stored_bytes_; }

  // The asset with that name, if it is a regular file in the folder.
  std::optional<StoredAsset> find(std::string_view name) const;

  // Stores data under its SHA-256 and returns the name (the same bytes twice are stored once).
  // With `expected`, the hash must be that name.
  // Errors: kChecksumMismatch (the data's hash is not `expected`), kLimitExceeded (over
  // max_asset_bytes, or the store would pass max_store_bytes), kIo (the file cannot be written
  // or renamed into place).
  Result<std::string> put(ByteSpan data, std::optional<std::string_view> expected = std::nullopt);

  // An asset written piece by piece (assets/partial_asset.hpp) goes through these three: a
  // hidden file whose `size` bytes count against max_store_bytes from the start, so two uploads
  // cannot both be promised the last free space.
  // Errors: kLimitExceeded (over max_asset_bytes, or the store with what is reserved would pass
  // max_store_bytes).
  Result<std::filesystem::path> begin_partial(std::uint64_t size);
  // Moves a finished partial file into place under `name` (its verified hash) and releases its
  // reservation; an asset stored already keeps its file and the partial one is removed.
  // Errors: kIo (the rename failed: the partial file is removed).
  Result<std::string> adopt_partial(const std::filesystem::path& partial, std::uint64_t size,
                                    std::string name);
  // Removes a partial file that will not be finished and releases its reservation.
  void abandon_partial(const std::filesystem::path& partial, std::uint64_t size);
  std::uint64_t reserved_bytes() const { return reserved_bytes_; }

 private:
  AssetStore(std::filesystem::path dir, AssetStoreLimits limits)
      : dir_(std::move(dir)), limits_(limits) {}

  std::filesystem::path dir_;
  AssetStoreLimits limits_;
  std::uint64_t stored_bytes_ = 0;
  std::uint64_t reserved_bytes_ = 0;  // promised to partial files
  std::uint64_t temp_counter_ = 0;
};

}  // namespace theta_net::assets
