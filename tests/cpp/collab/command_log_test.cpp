#include "theta_net/collab/command_log.hpp"

#include <gtest/gtest.h>

namespace theta_net::collab {
namespace {

protocol::CommandLogEntry entry_with(std::size_t payload_bytes, std::uint64_t sequence) {
  protocol::CommandLogEntry e;
  e.sequence = sequence;
  e.payload.assign(payload_bytes, 0x5a);
  return e;
}

TEST(CommandLog, AppendGivesIndicesFromOneAndOverwritesTheAuthorsIndex) {
  CommandLog log;
  EXPECT_EQ(log.next_index(), 1u);
  EXPECT_EQ(log.first_index(), 1u);
  protocol::CommandLogEntry e = entry_with(3, 1);
  e.index = 99;
  EXPECT_EQ(log.append(e, 4), 1u);
  EXPECT_EQ(log.append(entry_with(3, 2), 4), 2u);
  EXPECT_EQ(log.append(entry_with(3, 3), 5), 3u);
  ASSERT_NE(log.at(1), nullptr);
  EXPECT_EQ(log.at(1)->entry.index, 1u);
  EXPECT_EQ(log.at(3)->version, 5u);
  EXPECT_EQ(log.at(0), nullptr);
  EXPECT_EQ(log.at(4), nullptr);
  const auto tail = log.from(2, 10);
  ASSERT_EQ(tail.size(), 2u);
  EXPECT_EQ(tail[0].entry.sequence, 2u);
  EXPECT_EQ(log.from(1, 1).size(), 1u);
}

TEST(CommandLog, HoldsTheNewestEntriesWithinItsEntryBound) {
  CommandLogLimits limits;
  limits.max_entries = 3;
  CommandLog log(limits);
  for (std::uint64_t i = 1; i <= 10; ++i) log.append(entry_with(1, i), i);
  EXPECT_EQ(log.entries().size(), 3u);
  EXPECT_EQ(log.first_index(), 8u);
  EXPECT_EQ(log.next_index(), 11u);
  EXPECT_EQ(log.evicted(), 7u);
  EXPECT_EQ(log.at(7), nullptr);
  EXPECT_EQ(log.at(8)->entry.sequence, 8u);
  // Asking from an index no longer held starts at the oldest held.
  EXPECT_EQ(log.from(1, 10).front().entry.index, 8u);
}

TEST(CommandLog, HoldsWithinItsByteBoundButAlwaysTheNewestEntry) {
  CommandLogLimits limits;
  limits.max_bytes = 2 * (1000 + kLoggedCommandOverhead);
  CommandLog log(limits);
  for (std::uint64_t i = 1; i <= 5; ++i) log.append(entry_with(1000, i), i);
  EXPECT_EQ(log.entries().size(), 2u);
  EXPECT_LE(log.held_bytes(), limits.max_bytes);
  log.append(entry_with(50000, 6), 6);  // over the bound alone: kept, the others go
  EXPECT_EQ(log.entries().size(), 1u);
  EXPECT_EQ(log.first_index(), 6u);
}

TEST(CommandLog, TheSinkSeesEveryEntryInOrderWhateverMemoryKeeps) {
  std::vector<std::uint64_t> seen;
  CommandLogLimits limits;
  limits.max_entries = 2;
  CommandLog log(limits, [&seen](const LoggedCommand& c) { seen.push_back(c.entry.index); });
  for (std::uint64_t i = 1; i <= 6; ++i) log.append(entry_with(1, i), 1);
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(log.entries().size(), 2u);
}

}  // namespace
}  // namespace theta_net::collab
