// UTF-8 validation (RFC 3629): the one rule for every border that takes text, the msgpack
// reader and writer as well as the JSON scanner, parser and writer. Overlong forms, UTF-16
// surrogates and code points past U+10FFFF are malformed.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace theta_net {

// The length (2 to 4) of the well-formed UTF-8 sequence starting at p, whose first byte is
// >= 0x80 and which may extend to end; 0 if it is malformed or cut off by end.
std::size_t utf8_sequence_length(const char* p, const char* end);

// Whether text is well-formed UTF-8.
bool is_valid_utf8(std::string_view text);

// text with each malformed sequence (one byte at a time) replaced by U+FFFD: for writing text
// that should be UTF-8 but is not checked where it was made, such as a status page's log lines.
std::string to_valid_utf8(std::string_view text);

}  // namespace theta_net
