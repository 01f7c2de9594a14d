// AssetUpload: an asset uploaded over HTTP/3 straight into the store, as the lane's uploads are
// (partial_asset.hpp): its announced size is reserved in the store, the body goes to a hidden
// partial file on a FileWriter thread as it arrives, and its SHA-256 is taken piece by piece. So
// an upload is not held in memory (it may be as large as the store allows for one asset), and no
// tick waits for a 64 MiB hash at the end. Finishing checks the length and the hash and moves the
// file into place; an upload that is not finished leaves nothing behind.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "theta_net/assets/asset_store.hpp"
#include "theta_net/core/file_writer.hpp"
#include "theta_net/core/sha256.hpp"
#include "theta_net/transport/http.hpp"

namespace theta_net::assets {

class AssetUpload final : public transport::HttpBodySink {
 public:
  // Reserves `size` bytes in the store and creates the partial file (store and writer must
  // outlive the upload).
  // Errors: kLimitExceeded (over max_asset_bytes, or past the store's free space), kIo (the
  // partial file cannot be created).
  static Result<std::unique_ptr<AssetUpload>> begin(AssetStore& store, FileWriter& writer,
                                                    std::uint64_t size);
  ~AssetUpload() override;  // not finished: the partial file goes, its reservation is released

  // Errors: kLimitExceeded (more bytes than the size announced), kIo (the disk refused them).
  Status write(ByteSpan bytes) override;
  // Ends the upload: the length must be the size announced and, with `expected`, the hash that
  // name. Returns the asset's name.
  // Errors: kTruncated (fewer bytes than announced), kChecksumMismatch (the hash is not
  // `expected`), kIo (the file could not be written or moved into place), kState (finished).
  Result<std::string> finish(std::optional<std::string_view> expected);

  std::uint64_t size() const { return size_; }
  std::uint64_t received() const { return received_; }

 private:
  AssetUpload(AssetStore& store, std::filesystem::path partial, std::uint64_t size,
              BufferedFile file);

  AssetStore& store_;
  std::filesystem::path partial_;
  std::uint64_t size_;
  std::uint64_t received_ = 0;
  BufferedFile file_;
  Sha256 hash_;
  bool done_ = false;
};

}  // namespace theta_net::assets
