#include "theta_net/core/utf8.hpp"

#include <gtest/gtest.h>

#include <string_view>

namespace theta_net {
namespace {

TEST(Utf8, MalformedSequencesAreRejected) {
  EXPECT_TRUE(is_valid_utf8("plain ascii"));
  EXPECT_TRUE(is_valid_utf8("\xce\xb8 \xe2\x82\xac \xf0\x9f\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // a surrogate
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xe2\x82"));          // truncated
  EXPECT_FALSE(is_valid_utf8("\xff"));
}

TEST(Utf8, SequenceLengthsAtTheEdgesOfEachForm) {
  auto length = [](std::string_view s) {
    return utf8_sequence_length(s.data(), s.data() + s.size());
  };
  EXPECT_EQ(length("\xc2\x80"), 2u);          // U+0080, the first two-byte code point
  EXPECT_EQ(length("\xe0\xa0\x80"), 3u);      // U+0800
  EXPECT_EQ(length("\xe0\x9f\xbf"), 0u);      // overlong U+07FF
  EXPECT_EQ(length("\xed\x9f\xbf"), 3u);      // U+D7FF, just below the surrogates
  EXPECT_EQ(length("\xee\x80\x80"), 3u);      // U+E000, just above them
  EXPECT_EQ(length("\xf0\x90\x80\x80"), 4u);  // U+10000
  EXPECT_EQ(length("\xf0\x8f\xbf\xbf"), 0u);  // overlong U+FFFF
  EXPECT_EQ(length("\xf4\x8f\xbf\xbf"), 4u);  // U+10FFFF
  EXPECT_EQ(length("\x80"), 0u);              // a lone continuation byte
  EXPECT_EQ(length("\xc1\xbf"), 0u);
  EXPECT_EQ(length("\xe2\x82\xac"), 3u);
  EXPECT_EQ(length(std::string_view("\xe2\x82\xac", 2)), 0u);  // cut off by the end
}

}  // namespace
}  // namespace theta_net
