// FileWriter: files written on its thread in the order given, a bounded queue that blocks rather
// than grows, errors named at create and at close (a full disk: /dev/full), abandoned files gone.
#include "theta_net/core/file_writer.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

namespace theta_net {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

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

TEST_F(FileWriterTest, WritesEachFileInOrderWhileTheQueueIsSmall) {
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

TEST_F(FileWriterTest, WriteWaitsWhileTheQueueIsFull) {
  // A FIFO nobody reads yet: the thread's first write fills the pipe and stalls there, so the
  // queue behind it fills up and write() must wait instead of taking more memory.
  const fs::path fifo = dir / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(reader, 0);
  constexpr std::size_t kChunk = 64 << 10, kQueue = 256 << 10, kChunks = 64;
  FileWriter writer(kQueue);
  auto f = writer.create(fifo.string());
  ASSERT_TRUE(f.ok()) << f.error().describe();
  std::atomic<std::size_t> written{0};
  std::thread producer([&] {
    for (std::size_t i = 0; i < kChunks; ++i) {
      writer.write(*f, Bytes(kChunk, static_cast<std::uint8_t>(i)));
      ++written;
    }
  });
  std::this_thread::sleep_for(200ms);
  // At most the pipe's buffer (64 KiB here, 1 MiB at most), one chunk being written and the
  // queue's bound have been taken.
  EXPECT_LE(written.load(), ((1u << 20) + kChunk + kQueue) / kChunk + 1);
  EXPECT_LT(written.load(), kChunks);
  std::size_t got = 0;
  std::uint8_t buf[1 << 16];
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (got < kChunk * kChunks && std::chrono::steady_clock::now() < deadline) {
    const ssize_t n = ::read(reader, buf, sizeof buf);
    if (n > 0) got += static_cast<std::size_t>(n);
    if (n <= 0) std::this_thread::sleep_for(1ms);
  }
  producer.join();
  EXPECT_EQ(got, kChunk * kChunks);
  EXPECT_TRUE(writer.close(*f).ok());
  ::close(reader);
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
