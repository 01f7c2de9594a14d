// AssetUpload: an upload streamed into the store piece by piece. The whole body becomes the
// asset under its hash, with its reservation turned into stored bytes; a wrong name, a short or
// long body, or an upload dropped unfinished stores nothing, leaves no partial file and gives its
// reservation back.
#include "theta_net/assets/asset_upload.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "theta_net/assets/asset_http.hpp"

namespace theta_net::assets {
namespace {

namespace fs = std::filesystem;

struct AssetUploadTest : ::testing::Test {
  fs::path dir = fs::temp_directory_path() / ("theta_upload_" + std::to_string(::getpid()));
  FileWriter writer;
  std::optional<AssetStore> store;
  Bytes data = Bytes(3'000'000);

  void SetUp() override {
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 13 + 1);
    AssetStoreLimits limits;
    limits.max_asset_bytes = 4'000'000;
    auto s = AssetStore::open(dir, limits);
    ASSERT_TRUE(s.ok()) << s.error().describe();
    store.emplace(std::move(*s));
  }
  void TearDown() override { fs::remove_all(dir); }

  // Files in the folder whose names start with '.' (partial and temporary files).
  std::size_t hidden_files() const {
    std::size_t n = 0;
    for (const auto& e : fs::directory_iterator(dir)) n += e.path().filename().string()[0] == '.';
    return n;
  }
  void send(AssetUpload& up, ByteSpan bytes) {
    for (std::size_t at = 0; at < bytes.size(); at += 1200) {
      ASSERT_TRUE(up.write(bytes.subspan(at, std::min<std::size_t>(1200, bytes.size() - at))).ok());
    }
  }
};

TEST_F(AssetUploadTest, TheWholeBodyBecomesTheAssetUnderItsHash) {
  auto up = AssetUpload::begin(*store, writer, data.size());
  ASSERT_TRUE(up.ok()) << up.error().describe();
  EXPECT_EQ(store->reserved_bytes(), data.size());
  send(**up, data);
  auto name = (*up)->finish(std::nullopt);
  ASSERT_TRUE(name.ok()) << name.error().describe();
  EXPECT_EQ(*name, to_hex(sha256(data)));
  std::ifstream in(dir / *name, std::ios::binary);
  EXPECT_EQ(Bytes(std::istreambuf_iterator<char>(in), {}), data);
  EXPECT_EQ(store->reserved_bytes(), 0u);
  EXPECT_EQ(store->stored_bytes(), data.size());
  EXPECT_EQ(hidden_files(), 0u);
  EXPECT_EQ((*up)->finish(std::nullopt).error().code, ErrorCode::kState);
}

TEST_F(AssetUploadTest, AWrongNameStoresNothing) {
  auto up = AssetUpload::begin(*store, writer, data.size());
  ASSERT_TRUE(up.ok());
  send(**up, data);
  auto name = (*up)->finish(std::string(64, 'a'));
  ASSERT_FALSE(name.ok());
  EXPECT_EQ(name.error().code, ErrorCode::kChecksumMismatch);
  EXPECT_NE(name.error().message.find(to_hex(sha256(data))), std::string::npos);
  EXPECT_EQ(store->reserved_bytes(), 0u);
  EXPECT_EQ(store->stored_bytes(), 0u);
  EXPECT_EQ(hidden_files(), 0u);
}

TEST_F(AssetUploadTest, ABodyThatIsNotTheAnnouncedSizeStoresNothing) {
  auto longer = AssetUpload::begin(*store, writer, 1000);
  ASSERT_TRUE(longer.ok());
  const Status over = (*longer)->write(ByteSpan(data).first(1001));
  EXPECT_EQ(over.error().code, ErrorCode::kLimitExceeded);
  auto shorter = AssetUpload::begin(*store, writer, 1000);
  ASSERT_TRUE(shorter.ok());
  ASSERT_TRUE((*shorter)->write(ByteSpan(data).first(999)).ok());
  auto cut = (*shorter)->finish(std::nullopt);
  EXPECT_EQ(cut.error().code, ErrorCode::kTruncated);
  EXPECT_NE(cut.error().message.find("999 of the 1000"), std::string::npos);
  longer->reset();  // dropped unfinished
  EXPECT_EQ(store->reserved_bytes(), 0u);
  EXPECT_EQ(hidden_files(), 0u);
}

TEST_F(AssetUploadTest, TheStoreRefusesWhatItCannotHold) {
  auto up = AssetUpload::begin(*store, writer, 4'000'001);
  ASSERT_FALSE(up.ok());
  EXPECT_EQ(up.error().code, ErrorCode::kLimitExceeded);
  EXPECT_EQ(store->reserved_bytes(), 0u);
}

// asset_put finishes a body that came through an AssetUpload, as it stores one held in memory.
TEST_F(AssetUploadTest, AssetPutFinishesAStreamedBody) {
  auto up = AssetUpload::begin(*store, writer, data.size());
  ASSERT_TRUE(up.ok());
  send(**up, data);
  transport::HttpRequest put;
  put.method = "PUT";
  put.path = "/assets";
  put.body_sink = up->get();
  const transport::HttpResponse r = asset_put(*store, put, "");
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(std::string(r.body.begin(), r.body.end()), to_hex(sha256(data)) + "\n");
  EXPECT_TRUE(store->find(to_hex(sha256(data))).has_value());
}

}  // namespace
}  // namespace theta_net::assets
