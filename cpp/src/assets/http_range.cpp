#include "theta_net/assets/http_range.hpp"

#include <charconv>

#include "theta_net/transport/http.hpp"

namespace theta_net::assets {
namespace {

// Digits only (no sign, no spaces); nothing for an empty, non-digit or overflowing field.
std::optional<std::uint64_t> number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

}  // namespace

RangeAnswer resolve_range(std::optional<std::string_view> header, std::uint64_t size) {
  RangeAnswer whole;
  if (!header) return whole;
  using transport::http_trim;
  std::string_view spec = http_trim(*header);
  constexpr std::string_view kUnit = "bytes=";
  if (!transport::http_istarts_with(spec, kUnit)) return whole;  // the unit is case-insensitive
  spec = http_trim(spec.substr(kUnit.size()));
  if (spec.find(',') != std::string_view::npos) return whole;  // several ranges: send it all
  const std::size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return whole;
  const std::string_view first_text = http_trim(spec.substr(0, dash));
  const std::string_view last_text = http_trim(spec.substr(dash + 1));
  RangeAnswer out;
  if (first_text.empty()) {  // a suffix: the last N bytes
    const auto suffix = number(last_text);
    if (!suffix) return whole;
    if (*suffix == 0 || size == 0) {
      out.kind = RangeAnswer::Kind::kUnsatisfiable;
      return out;
    }
    out.kind = RangeAnswer::Kind::kPartial;
    out.range = {*suffix >= size ? 0 : size - *suffix, size - 1};
    return out;
  }
  const auto first = number(first_text);
  if (!first) return whole;
  std::uint64_t last = size == 0 ? 0 : size - 1;
  if (!last_text.empty()) {
    const auto given = number(last_text);
    if (!given || *given < *first) return whole;  // not a valid range: ignored
    if (*given < last) last = *given;
  }
  if (*first >= size) {
    out.kind = RangeAnswer::Kind::kUnsatisfiable;
    return out;
  }
  out.kind = RangeAnswer::Kind::kPartial;
  out.range = {*first, last};
  return out;
}

}  // namespace theta_net::assets
