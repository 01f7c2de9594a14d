#include "theta_net/assets/asset_http.hpp"

#include "theta_net/assets/asset_upload.hpp"
#include "theta_net/assets/http_range.hpp"

namespace theta_net::assets {

using transport::http_text;
using transport::HttpResponse;

HttpResponse asset_get(const AssetStore& store, const transport::HttpRequest& request,
                       std::string_view name) {
  const auto asset = store.find(name);
  if (!asset) {
    return http_text(404, AssetStore::is_asset_name(name)
                              ? "no such asset\n"
                              : "an asset name is 64 lower-case hex digits (its SHA-256)\n");
  }
  const std::string total = std::to_string(asset->size);
  const RangeAnswer range = resolve_range(request.header("range"), asset->size);
  if (range.kind == RangeAnswer::Kind::kUnsatisfiable) {
    HttpResponse r = http_text(416, "range not satisfiable\n");
    r.add_header("content-range", "bytes */" + total);
    return r;
  }
  HttpResponse r;
  r.head = request.method == "HEAD";
  r.file_path = asset->path.string();
  r.file_offset = 0;
  r.file_length = asset->size;
  if (range.kind == RangeAnswer::Kind::kPartial) {
    r.status = 206;
    r.file_offset = range.range.first;
    r.file_length = range.range.length();
    r.add_header("content-range", "bytes " + std::to_string(range.range.first) + "-" +
                                      std::to_string(range.range.last) + "/" + total);
  }
  r.add_header("content-type", "application/octet-stream");
  r.add_header("accept-ranges", "bytes");
  r.add_header("etag", "\"" + asset->name + "\"");
  // The name is the content's hash: the bytes behind a URL never change.
  r.add_header("cache-control", "public, max-age=31536000, immutable");
  return r;
}

HttpResponse asset_put(AssetStore& store, const transport::HttpRequest& request,
                       std::string_view name) {
  if (!name.empty() && !AssetStore::is_asset_name(name)) {
    return http_text(400, "an asset name is 64 lower-case hex digits (its SHA-256)\n");
  }
  const std::uint64_t before = store.stored_bytes();
  const auto expected = name.empty() ? std::nullopt : std::optional<std::string_view>(name);
  // A body streamed into the store as it came (AssetUpload) is finished; one held in memory is
  // stored now.
  auto* upload = dynamic_cast<AssetUpload*>(request.body_sink);
  auto stored = upload ? upload->finish(expected) : store.put(request.body, expected);
  if (!stored.ok()) {
    const ErrorCode code = stored.error().code;
    const int status = code == ErrorCode::kChecksumMismatch || code == ErrorCode::kTruncated ? 400
                       : code == ErrorCode::kLimitExceeded                                   ? 413
                                                                                             : 500;
    return http_text(status, stored.error().message + "\n");
  }
  const bool known = store.stored_bytes() == before;  // the same bytes were there already
  HttpResponse r = http_text(known ? 200 : 201, *stored + "\n");
  r.add_header("location", "/assets/" + *stored);
  return r;
}

}  // namespace theta_net::assets
