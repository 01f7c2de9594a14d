// FileWriter: files written on its thread in the order given, a bounded queue that blocks rather
// than grows, errors named at create and at close (a full disk: /dev/full), abandoned files gone.
#include "theta_net/core/file_writer.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace theta_net {
namespace {

namespace fs = std::filesystem;

struct FileWriterTest : ::testing::Test {
  fs::path dir = fs::temp_directory_path() / ("theta_fw_" + std::to_string(::getpid()));
  void SetUp() override { fs::create_directories(dir); }
  void TearDown() override { fs::remove_all(dir); }
  static Bytes pattern(std::size_t n, std::uint8_t seed) {
    Bytes b(n);
    for (std::size_t i = 0; i < n; ++i)
      b[i] = static_cast<std::uint8_t>(i * 131 + seed + (i >> 12));
    return b;
  }
  static Bytes read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), {});
  }
};

TEST_F(FileWriterTest, WritesEachFileInOrderThroughABoundedQueue) {
  FileWriter writer(64 << 10);  // smaller than what is written: write() must wait, not grow
  const Bytes a = pattern(1 << 20, 1), b = pattern(700'000, 2);
  auto fa = writer.create((dir / "a").string());
  auto fb = writer.create((dir / "b").string());
  ASSERT_TRUE(fa.ok() && fb.ok());
  for (std::size_t at = 0; at < a.size() || at < b.size(); at += 10'000) {
    if (at < a.size()) {
      Bytes piece = writer.buffer();
      piece.assign(a.begin() + at, a.begin() + std::min(a.size(), at + 10'000));
      EXPECT_TRUE(writer.write(*fa, std::move(piece)));
    }
    if (at < b.size()) {
      EXPECT_TRUE(
          writer.write(*fb, Bytes(b.begin() + at, b.begin() + std::min(b.size(), at + 10'000))));
    }
  }
  ASSERT_TRUE(writer.close(*fa).ok());
  ASSERT_TRUE(writer.close(*fb).ok());
  EXPECT_EQ(read(dir / "a"), a);
  EXPECT_EQ(read(dir / "b"), b);
}

TEST_F(FileWriterTest, ACreateThatCannotHappenIsNamed) {
  FileWriter writer;
  auto f = writer.create((dir / "missing" / "x").string());
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code, ErrorCode::kIo);
  EXPECT_NE(f.error().message.find("missing/x"), std::string::npos);
}

TEST_F(FileWriterTest, AFullDiskIsReportedAtClose) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  FileWriter writer;
  auto f = writer.create("/dev/full");
  ASSERT_TRUE(f.ok()) << f.error().describe();
  writer.write(*f, Bytes(100'000, 7));
  Status st = writer.close(*f);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kIo);
  EXPECT_NE(st.error().message.find("/dev/full"), std::string::npos);
  EXPECT_FALSE(writer.write(*f, Bytes(10, 1)));  // a failed file takes nothing more
}

TEST_F(FileWriterTest, AnAbandonedFileIsRemovedWithItsQueuedWrites) {
  FileWriter writer;
  const fs::path p = dir / "gone";
  auto f = writer.create(p.string());
  ASSERT_TRUE(f.ok());
  for (int i = 0; i < 64; ++i) writer.write(*f, Bytes(256 << 10, 3));
  writer.abandon(*f);
  EXPECT_FALSE(fs::exists(p));
  EXPECT_FALSE(writer.write(*f, Bytes(10, 1)));
}

}  // namespace
}  // namespace theta_net
