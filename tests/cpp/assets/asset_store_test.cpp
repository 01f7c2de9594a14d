// The content-addressed store (asset_store.hpp) and its HTTP answers (asset_http.hpp): names
// are hashes only, a bad hash or an oversized asset commits nothing, files dropped in by hand are
// found, and GET/HEAD/Range/PUT answer with the right status and bytes.
#include "theta_net/assets/asset_store.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "theta_net/assets/asset_http.hpp"
#include "theta_net/core/sha256.hpp"

namespace theta_net::assets {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path = fs::temp_directory_path() /
                  ("theta_assets_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
  ~TempDir() { fs::remove_all(path); }
  static inline int counter = 0;
};

Bytes pattern(std::size_t n) {
  Bytes out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(i * 31 + 7);
  return out;
}

std::string header(const transport::HttpResponse& r, std::string_view name) {
  for (const auto& h : r.headers) {
    if (h.name == name) return h.value;
  }
  return "";
}

TEST(AssetStore, NamesAreLowerCaseHashesOnly) {
  EXPECT_TRUE(AssetStore::is_asset_name(std::string(64, 'a')));
  EXPECT_FALSE(AssetStore::is_asset_name(std::string(64, 'A')));
  EXPECT_FALSE(AssetStore::is_asset_name(std::string(63, 'a')));
  EXPECT_FALSE(AssetStore::is_asset_name("../" + std::string(61, 'a')));
  EXPECT_FALSE(AssetStore::is_asset_name(""));
}

TEST(AssetStore, PutStoresUnderTheHashAndABadHashCommitsNothing) {
  TempDir dir;
  auto store = AssetStore::open(dir.path);
  ASSERT_TRUE(store.ok());
  const Bytes data = pattern(10'000);
  const std::string name = to_hex(sha256(data));
  auto wrong = store->put(data, std::string(64, '0'));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, ErrorCode::kChecksumMismatch);
  EXPECT_TRUE(fs::is_empty(dir.path));  // no asset and no temporary file left
  auto put = store->put(data, name);
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(*put, name);
  EXPECT_EQ(store->stored_bytes(), data.size());
  ASSERT_TRUE(store->put(data).ok());  // the same bytes again: stored once
  EXPECT_EQ(store->stored_bytes(), data.size());
  const auto found = store->find(name);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->size, data.size());
  // Reopened, the store counts what the folder holds.
  auto again = AssetStore::open(dir.path);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->stored_bytes(), data.size());
}

TEST(AssetStore, LimitsRefuseAndCommitNothing) {
  TempDir dir;
  auto store = AssetStore::open(dir.path, {/*max_asset_bytes=*/1000, /*max_store_bytes=*/1500});
  ASSERT_TRUE(store.ok());
  auto big = store->put(pattern(1001));
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, ErrorCode::kLimitExceeded);
  ASSERT_TRUE(store->put(pattern(1000)).ok());
  Bytes other = pattern(600);
  other[0] ^= 1;
  auto full = store->put(other);
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().code, ErrorCode::kLimitExceeded);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator{}), 1);
}

TEST(AssetHttp, GetHeadRangeAndPut) {
  TempDir dir;
  auto store = AssetStore::open(dir.path);
  ASSERT_TRUE(store.ok());
  const Bytes data = pattern(4096);
  const std::string name = to_hex(sha256(data));
  {  // dropped into the folder by hand
    std::ofstream(dir.path / name, std::ios::binary)
        .write(reinterpret_cast<const char*>(data.data()),
               static_cast<std::streamsize>(data.size()));
  }
  transport::HttpRequest get;
  get.method = "GET";
  transport::HttpResponse r = asset_get(*store, get, name);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.file_length, data.size());
  get.headers.push_back({"range", "bytes=10-19"});
  r = asset_get(*store, get, name);
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.file_offset, 10u);
  EXPECT_EQ(r.file_length, 10u);
  EXPECT_EQ(header(r, "content-range"), "bytes 10-19/4096");
  get.headers[0].value = "bytes=4096-";
  r = asset_get(*store, get, name);
  EXPECT_EQ(r.status, 416);
  EXPECT_EQ(header(r, "content-range"), "bytes */4096");
  transport::HttpRequest head;
  head.method = "HEAD";
  r = asset_get(*store, head, name);
  EXPECT_TRUE(r.head);
  EXPECT_EQ(r.content_length(), data.size());
  EXPECT_EQ(asset_get(*store, head, "../../etc/passwd").status, 404);

  transport::HttpRequest put;
  put.method = "PUT";
  put.body = pattern(100);
  const std::string put_name = to_hex(sha256(put.body));
  EXPECT_EQ(asset_put(*store, put, std::string(64, 'f')).status, 400);
  EXPECT_FALSE(store->find(put_name).has_value());
  EXPECT_EQ(asset_put(*store, put, "not-a-hash").status, 400);
  r = asset_put(*store, put, "");
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(header(r, "location"), "/assets/" + put_name);
  EXPECT_EQ(asset_put(*store, put, put_name).status, 200);  // already there
}

}  // namespace
}  // namespace theta_net::assets
