#include "theta_net/assets/asset_upload.hpp"

namespace theta_net::assets {

Result<std::unique_ptr<AssetUpload>> AssetUpload::begin(AssetStore& store, FileWriter& writer,
                                                        std::uint64_t size) {
  THETA_TRY_ASSIGN(std::filesystem::path partial, store.begin_partial(size));
  auto file = BufferedFile::create(writer, partial.string());
  if (!file.ok()) {
    store.abandon_partial(partial, size);
    return file.error();
  }
  return std::unique_ptr<AssetUpload>(
      new AssetUpload(store, std::move(partial), size, std::move(*file)));
}

AssetUpload::AssetUpload(AssetStore& store, std::filesystem::path partial, std::uint64_t size,
                         BufferedFile file)
    : store_(store), partial_(std::move(partial)), size_(size), file_(std::move(file)) {}

AssetUpload::~AssetUpload() {
  if (done_) return;
  file_.abandon();
  store_.abandon_partial(partial_, size_);
}

Status AssetUpload::write(ByteSpan bytes) {
  if (done_) return make_error(ErrorCode::kState, "the upload is finished");
  if (bytes.size() > size_ - received_) {
    return make_error(ErrorCode::kLimitExceeded, "the body passes the ", size_,
                      " bytes its content-length announced");
  }
  received_ += bytes.size();
  hash_.update(bytes);
  if (!file_.append(bytes)) {
    Status why = file_.close();  // says what the disk refused
    return why.ok() ? make_error(ErrorCode::kIo, "cannot write the upload") : why;
  }
  return {};
}

Result<std::string> AssetUpload::finish(std::optional<std::string_view> expected) {
  if (done_) return make_error(ErrorCode::kState, "the upload is finished");
  done_ = true;
  const auto give_up = [this](Error why) -> Result<std::string> {
    file_.abandon();
    store_.abandon_partial(partial_, size_);
    return why;
  };
  if (received_ != size_) {
    return give_up(make_error(ErrorCode::kTruncated, "the body ended after ", received_, " of the ",
                              size_, " bytes its content-length announced"));
  }
  if (Status written = file_.close(); !written.ok()) return give_up(written.error());
  const std::string name = to_hex(hash_.finish());
  if (expected && name != *expected) {
    return give_up(make_error(ErrorCode::kChecksumMismatch, "the body's SHA-256 is ", name,
                              ", not the name it was sent under"));
  }
  return store_.adopt_partial(partial_, size_, name);
}

}  // namespace theta_net::assets
