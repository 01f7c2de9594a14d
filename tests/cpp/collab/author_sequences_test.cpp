#include "theta_net/collab/author_sequences.hpp"

#include <gtest/gtest.h>

namespace theta_net::collab {
namespace {

Ed25519PublicKey key_of(std::uint8_t b) {
  Ed25519PublicKey k{};
  k.fill(b);
  return k;
}

TEST(AuthorSequences, EachAuthorStartsAtOneAndTakesExactlyItsNextSequence) {
  AuthorSequences s;
  EXPECT_EQ(s.expected(key_of(1)), 1u);
  EXPECT_TRUE(s.take(key_of(1), 1).ok());
  EXPECT_TRUE(s.take(key_of(1), 2).ok());
  EXPECT_TRUE(s.take(key_of(2), 1).ok());  // another author counts on its own
  EXPECT_EQ(s.expected(key_of(1)), 3u);
  EXPECT_EQ(s.expected(key_of(2)), 2u);
  EXPECT_EQ(s.authors(), 2u);
}

TEST(AuthorSequences, ARepeatIsRefusedNamingBothSequencesAndChangesNothing) {
  AuthorSequences s;
  ASSERT_TRUE(s.take(key_of(1), 1).ok());
  ASSERT_TRUE(s.take(key_of(1), 2).ok());
  const Status repeat = s.take(key_of(1), 2);
  ASSERT_FALSE(repeat.ok());
  EXPECT_EQ(repeat.error().code, ErrorCode::kOutOfRange);
  EXPECT_EQ(repeat.error().message, "expected sequence 3, got 2 (a repeat)");
  EXPECT_EQ(s.expected(key_of(1)), 3u);
  EXPECT_TRUE(s.take(key_of(1), 3).ok());
}

TEST(AuthorSequences, AGapIsRefusedAndTheNextCorrectSequenceIsStillTaken) {
  AuthorSequences s;
  const Status gap = s.take(key_of(5), 2);
  ASSERT_FALSE(gap.ok());
  EXPECT_EQ(gap.error().message, "expected sequence 1, got 2 (a gap)");
  const Status zero = s.take(key_of(5), 0);
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.error().message.find("(a repeat)"), std::string::npos);
  EXPECT_TRUE(s.take(key_of(5), 1).ok());
}

TEST(AuthorSequences, KeepsTheClockOfEachAuthorsLastCommand) {
  AuthorSequences s;
  EXPECT_EQ(s.last_lamport(key_of(1)), 0u);
  s.set_last_lamport(key_of(1), 40);
  EXPECT_EQ(s.last_lamport(key_of(1)), 40u);
  EXPECT_EQ(s.last_lamport(key_of(2)), 0u);
  s.set_expected(key_of(2), 9);
  EXPECT_EQ(s.expected(key_of(2)), 9u);
}

}  // namespace
}  // namespace theta_net::collab
