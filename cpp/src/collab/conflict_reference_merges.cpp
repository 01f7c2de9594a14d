// merge:counter and merge:set. The text merge is in conflict_line_merge.cpp.
#include "theta_net/collab/conflict_reference_merges.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "theta_net/core/int128.hpp"

namespace theta_net::collab {
namespace {

// The range of codes a numeric field takes (FieldSpec::check's rule for counters' types).
std::pair<std::int64_t, std::int64_t> code_range(const data::FieldSpec& field) {
  if (field.type == data::FieldType::kFloat) {
    return {0, static_cast<std::int64_t>((std::uint64_t{1} << field.bits) - 1)};
  }
  return {field.min, field.max};
}

std::int64_t add_codes(std::int64_t base, std::int64_t mine, std::int64_t theirs, std::int64_t lo,
                       std::int64_t hi) {
  const int128_t sum = static_cast<int128_t>(theirs) + mine - base;
  if (sum < lo) return lo;
  if (sum > hi) return hi;
  return static_cast<std::int64_t>(sum);
}

double add_reals(double base, double mine, double theirs) {
  constexpr double kMax = std::numeric_limits<double>::max();
  const double sum = theirs + (mine - base);
  if (std::isnan(sum)) return theirs;  // only from inputs that were not finite
  return std::clamp(sum, -kMax, kMax);
}

// Elements of a set text: its non-empty lines.
std::set<std::string_view> elements(std::string_view text) {
  std::set<std::string_view> out;
  for (std::string_view line : split_lines(text)) {
    if (!line.empty()) out.insert(line);
  }
  return out;
}

}  // namespace

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      lines.push_back(text.substr(start));
      return lines;
    }
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
}

std::optional<data::Value> merge_counter(const data::FieldSpec& field, const data::Value& base,
                                         const data::Value& mine, const data::Value& theirs) {
  if (field.type == data::FieldType::kF64) {
    const auto* b = std::get_if<double>(&base);
    const auto* m = std::get_if<double>(&mine);
    const auto* t = std::get_if<double>(&theirs);
    if (b != nullptr && m != nullptr && t != nullptr) return add_reals(*b, *m, *t);
    const auto* bs = std::get_if<std::vector<double>>(&base);
    const auto* ms = std::get_if<std::vector<double>>(&mine);
    const auto* ts = std::get_if<std::vector<double>>(&theirs);
    if (bs == nullptr || ms == nullptr || ts == nullptr) return std::nullopt;
    if (bs->size() != ms->size() || bs->size() != ts->size()) return std::nullopt;
    std::vector<double> out(bs->size());
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = add_reals((*bs)[i], (*ms)[i], (*ts)[i]);
    return out;
  }
  if (!field.is_integer() || field.type == data::FieldType::kBool ||
      field.type == data::FieldType::kEnum) {
    return std::nullopt;
  }
  const auto [lo, hi] = code_range(field);
  const auto* b = std::get_if<std::int64_t>(&base);
  const auto* m = std::get_if<std::int64_t>(&mine);
  const auto* t = std::get_if<std::int64_t>(&theirs);
  if (b != nullptr && m != nullptr && t != nullptr) return add_codes(*b, *m, *t, lo, hi);
  const auto* bs = std::get_if<std::vector<std::int64_t>>(&base);
  const auto* ms = std::get_if<std::vector<std::int64_t>>(&mine);
  const auto* ts = std::get_if<std::vector<std::int64_t>>(&theirs);
  if (bs == nullptr || ms == nullptr || ts == nullptr) return std::nullopt;
  if (bs->size() != ms->size() || bs->size() != ts->size()) return std::nullopt;
  std::vector<std::int64_t> out(bs->size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = add_codes((*bs)[i], (*ms)[i], (*ts)[i], lo, hi);
  }
  return out;
}

std::optional<data::Value> merge_set(const data::FieldSpec& field, const data::Value& base,
                                     const data::Value& mine, const data::Value& theirs) {
  const auto* b = std::get_if<std::string>(&base);
  const auto* m = std::get_if<std::string>(&mine);
  const auto* t = std::get_if<std::string>(&theirs);
  if (!field.is_text() || b == nullptr || m == nullptr || t == nullptr) return std::nullopt;
  const auto in_base = elements(*b);
  const auto in_mine = elements(*m);
  const auto in_theirs = elements(*t);
  std::set<std::string_view> result;
  for (const auto* side : {&in_mine, &in_theirs}) {
    for (std::string_view element : *side) {
      const bool removed = in_base.count(element) != 0 &&
                           (in_mine.count(element) == 0 || in_theirs.count(element) == 0);
      if (!removed) result.insert(element);
    }
  }
  std::string out;
  for (std::string_view element : result) {
    if (!out.empty()) out += '\n';
    out += element;
  }
  return out;
}

}  // namespace theta_net::collab
