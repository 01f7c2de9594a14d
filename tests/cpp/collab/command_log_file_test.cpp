#include "theta_net/collab/command_log_file.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "theta_net/collab/command_signature.hpp"
#include "theta_net/core/rng.hpp"
#include "theta_net/core/varint.hpp"

namespace theta_net::collab {
namespace {

std::vector<LoggedCommand> sample_log(std::size_t n) {
  Rng rng(9);
  const Ed25519KeyPair key = Ed25519KeyPair::from_rng(rng);
  std::vector<LoggedCommand> out;
  for (std::size_t i = 0; i < n; ++i) {
    protocol::CommandLogEntry e;
    e.sequence = i + 1;
    e.lamport = 2 * i + 1;
    e.base_version = i;
    e.command = i % 2 ? 1 : 300;
    e.payload.assign(i * 7, static_cast<std::uint8_t>(i));
    sign_command(e, key);
    e.index = i + 1;
    out.push_back(LoggedCommand{e, 1 + i / 2});
  }
  return out;
}

Bytes encoded(const std::vector<LoggedCommand>& log) {
  auto bytes = encode_command_log(log);
  EXPECT_TRUE(bytes.ok());
  return bytes.value();
}

TEST(CommandLogFile, ALogRoundTripsByteForByte) {
  const auto log = sample_log(20);
  const Bytes file = encoded(log);
  auto decoded = decode_command_log(file);
  ASSERT_TRUE(decoded.ok()) << decoded.error().describe();
  EXPECT_EQ(*decoded, log);
  EXPECT_EQ(encoded(*decoded), file);
  EXPECT_EQ(std::string(file.begin(), file.begin() + 24), "theta_net command log 1\n");
  auto empty = decode_command_log(encoded({}));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(CommandLogFile, AFileCutShortIsRefusedAsTruncatedAtEveryCut) {
  const Bytes file = encoded(sample_log(4));
  for (std::size_t cut = 0; cut < file.size(); ++cut) {
    auto decoded = decode_command_log(ByteSpan(file.data(), cut));
    // A cut at a record boundary is a shorter, valid log.
    if (decoded.ok()) {
      EXPECT_LT(decoded->size(), 4u);
      continue;
    }
    EXPECT_EQ(decoded.error().code, ErrorCode::kTruncated)
        << cut << ": " << decoded.error().describe();
  }
}

TEST(CommandLogFile, AWrongHeaderIsRefused) {
  Bytes file = encoded(sample_log(1));
  file[3] ^= 1;
  auto decoded = decode_command_log(file);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(decoded.error().message.find("not a theta_net command log"), std::string::npos);
}

TEST(CommandLogFile, IndicesMustFollowEachOtherAndVersionsNeverGoDown) {
  auto log = sample_log(3);
  log[2].entry.index = 5;
  auto gap = decode_command_log(encoded(log));
  ASSERT_FALSE(gap.ok());
  EXPECT_EQ(gap.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(gap.error().message.find("record 3"), std::string::npos);
  EXPECT_NE(gap.error().message.find("expected 3"), std::string::npos);

  log = sample_log(3);
  log[0].entry.index = 0;
  EXPECT_FALSE(decode_command_log(encoded(log)).ok());

  log = sample_log(3);
  log[1].version = 0;
  auto down = decode_command_log(encoded(log));
  ASSERT_FALSE(down.ok());
  EXPECT_NE(down.error().message.find("below the version"), std::string::npos);
}

TEST(CommandLogFile, ARecordLengthOverTheBoundIsRefusedBeforeAnythingIsRead) {
  Bytes file(kCommandLogHeader.begin(), kCommandLogHeader.end());
  ByteWriter w(file);
  write_varint(w, std::uint64_t{1} << 40);  // a length no file holds
  auto decoded = decode_command_log(file);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code, ErrorCode::kLimitExceeded);
}

TEST(CommandLogFile, MoreRecordsThanTheLimitAreRefused) {
  CommandLogFileLimits limits;
  limits.max_entries = 2;
  auto decoded = decode_command_log(encoded(sample_log(3)), limits);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code, ErrorCode::kLimitExceeded);
}

TEST(CommandLogFile, AWriterAppendsRecordByRecordAndTheFileReadsBack) {
  const auto path =
      (std::filesystem::temp_directory_path() / "theta_collab_log_writer_test.log").string();
  std::filesystem::remove(path);
  const auto log = sample_log(5);
  {
    auto writer = CommandLogFileWriter::open(path);
    ASSERT_TRUE(writer.ok()) << writer.error().describe();
    for (std::size_t i = 0; i < 3; ++i) ASSERT_TRUE(writer->append(log[i]).ok());
  }
  {
    // Reopened: appends after what is there (through the sink, as a CommandLog would).
    auto writer = CommandLogFileWriter::open(path);
    ASSERT_TRUE(writer.ok());
    CommandLogSink sink = writer->sink();
    sink(log[3]);
    sink(log[4]);
    EXPECT_EQ(writer->failures(), 0u);
  }
  auto read = read_command_log_file(path);
  ASSERT_TRUE(read.ok()) << read.error().describe();
  EXPECT_EQ(*read, log);
  std::filesystem::remove(path);
  EXPECT_EQ(read_command_log_file(path).error().code, ErrorCode::kIo);
}

TEST(CommandLogFile, TheWriterRefusesToAppendToAFileThatIsNoLog) {
  const auto path =
      (std::filesystem::temp_directory_path() / "theta_collab_not_a_log.txt").string();
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::fputs("hello, this is not a command log at all\n", f);
  std::fclose(f);
  auto writer = CommandLogFileWriter::open(path);
  ASSERT_FALSE(writer.ok());
  EXPECT_EQ(writer.error().code, ErrorCode::kCorrupt);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace theta_net::collab
