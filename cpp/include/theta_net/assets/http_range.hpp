// The one rule for HTTP Range requests on assets (RFC 9110, 14.1.2 and 14.2): a single byte range
// ("bytes=A-B", "bytes=A-", "bytes=-N") is answered 206 with exactly those bytes; a range that
// starts past the end, or an empty suffix, is 416; anything else (another unit, several ranges, a
// field that does not parse) is ignored, as the RFC allows, and the whole asset is sent with 200.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace theta_net::assets {

struct ByteRange {
  std::uint64_t first = 0, last = 0;  // inclusive
  std::uint64_t length() const { return last - first + 1; }
};

struct RangeAnswer {
  enum class Kind : std::uint8_t { kWhole, kPartial, kUnsatisfiable };
  Kind kind = Kind::kWhole;
  ByteRange range;  // kPartial: within [0, size)
};

// header: the Range field's value, if the request has one; size: the asset's length.
RangeAnswer resolve_range(std::optional<std::string_view> header, std::uint64_t size);

}  // namespace theta_net::assets
