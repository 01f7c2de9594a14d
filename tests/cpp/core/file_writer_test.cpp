// FileWriter: files written on its thread in the order given, a bounded queue that blocks rather
// than grows, errors named at create and at close (a full disk: /dev/full), abandoned files gone.
#include "theta_net/core/file_writer.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

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

// Pages of the file at path that are in the page cache, of all its pages; nullopt where that
// cannot be told (the file system is not one whose direct writes bypass the cache: ext4, xfs).
std::optional<std::pair<std::size_t, std::size_t>> cached_pages(const fs::path& path) {
  struct statfs fsinfo {};
  if (::statfs(path.c_str(), &fsinfo) != 0) return std::nullopt;
  if (fsinfo.f_type != 0xEF53 && fsinfo.f_type != 0x58465342) return std::nullopt;  // ext4, xfs
  const int fd = ::open(path.c_str(), O_RDONLY);
  const std::size_t size = fs::file_size(path), page = static_cast<std::size_t>(::getpagesize());
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) return std::nullopt;
  std::vector<unsigned char> in((size + page - 1) / page);
  const bool ok = ::mincore(map, size, in.data()) == 0;
  ::munmap(map, size);
  if (!ok) return std::nullopt;
  std::size_t cached = 0;
  for (unsigned char c : in) cached += c & 1;
  return std::make_pair(cached, in.size());
}

// Direct I/O: odd-sized pieces, a tail short of a block, a switch after the file started at a
// block boundary; the file holds exactly what was written, and on a disk file system the direct
// part never entered the page cache (the last partial block did). On tmpfs (/dev/shm) the file
// is the page cache whichever way it is written: the same bytes there too.
TEST_F(FileWriterTest, DirectWritesGiveTheSameBytesAsBufferedOnes) {
  FileWriter writer(4 << 20);
  for (const fs::path& folder : {dir, fs::path("/dev/shm")}) {
    if (!fs::is_directory(folder)) continue;
    const fs::path path = folder / ("theta_fw_direct_" + std::to_string(::getpid()));
    const Bytes whole = pattern(3 * (1 << 20) + 12'345, 7);
    auto file = writer.create(path.string()).value();
    writer.direct(file);
    std::size_t at = 0;
    for (const std::size_t piece : {std::size_t{1}, std::size_t{4095}, std::size_t{70'000},
                                    std::size_t{(2 << 20) + 3}, std::size_t{0}}) {
      ASSERT_TRUE(writer.write(file, Bytes(whole.begin() + at, whole.begin() + at + piece)));
      at += piece;
    }
    ASSERT_TRUE(writer.write(file, Bytes(whole.begin() + at, whole.end())));
    ASSERT_TRUE(writer.close(file).ok()) << path;
    if (const auto pages = cached_pages(path)) {
      EXPECT_LE(pages->first, 1u) << "of " << pages->second << " pages: direct writes were cached";
    }
    EXPECT_EQ(read(path), whole) << path;
    fs::remove(path);

    // Switched on after 8 KiB (a block boundary: the rest is direct) and after 5000 bytes (not
    // one: the switch does nothing and every page is cached).
    for (const std::size_t before : {std::size_t{8192}, std::size_t{5000}}) {
      auto later = writer.create(path.string()).value();
      ASSERT_TRUE(writer.write(later, Bytes(whole.begin(), whole.begin() + before)));
      writer.direct(later);
      ASSERT_TRUE(writer.write(later, Bytes(whole.begin() + before, whole.end())));
      ASSERT_TRUE(writer.close(later).ok());
      if (const auto pages = cached_pages(path)) {
        if (before == 8192) {
          EXPECT_LE(pages->first, 3u) << "of " << pages->second;
        } else {
          EXPECT_EQ(pages->first, pages->second);
        }
      }
      EXPECT_EQ(read(path), whole) << path << " after " << before;
      fs::remove(path);
    }
  }
}

// A disk that refuses the file part-way (RLIMIT_FSIZE: EFBIG) is named at close, whether the
// refusal comes in a direct block or in the last partial block written at close.
TEST_F(FileWriterTest, ADirectFileThatTheDiskRefusesIsNamedAtClose) {
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  for (const std::size_t limit : {(std::size_t{1} << 20) - 4096, (std::size_t{1} << 20) + 100}) {
    FileWriter writer;
    const fs::path path = dir / ("refused_" + std::to_string(limit));
    auto file = writer.create(path.string()).value();
    writer.direct(file);
    rlimit small = saved;
    small.rlim_cur = limit;
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
    // 256 whole blocks, then 4000 bytes: past a limit of 255 blocks in a direct write, past one
    // of 1 MiB + 100 only in the partial block close() writes.
    writer.write(file, pattern((1 << 20) + 4000, 5));
    const Status closed = writer.close(file);
    ::setrlimit(RLIMIT_FSIZE, &saved);
    ASSERT_FALSE(closed.ok()) << "limit " << limit;
    EXPECT_EQ(closed.error().code, ErrorCode::kIo);
    EXPECT_NE(closed.error().message.find(path.filename().string()), std::string::npos);
  }
  std::signal(SIGXFSZ, old_handler);
}

TEST_F(FileWriterTest, ADirectFileThatIsAbandonedIsRemoved) {
  FileWriter writer;
  const fs::path path = dir / "gone";
  auto file = BufferedFile::create(writer, path.string(), 64 << 10).value();
  file.direct();
  ASSERT_TRUE(file.append(pattern(300'001, 3)));
  file.abandon();
  EXPECT_FALSE(fs::exists(path));
}

}  // namespace
}  // namespace theta_net
