// merge:text: a three-way line merge in diff3's shape (conflict_reference_merges.hpp says what it
// gives). Matching each side to base is a longest common subsequence of lines, computed on what
// lies between the common first and last lines, in a table bounded by kMaxLineMergeCells.
#include <algorithm>
#include <cstdint>

#include "theta_net/collab/conflict_reference_merges.hpp"

namespace theta_net::collab {
namespace {

using Lines = std::vector<std::string_view>;

// For each line of base, the index of the line of `other` it is matched to, or -1. Matches are
// increasing on both sides, and the same inputs always give the same matches.
std::vector<std::int64_t> match_lines(const Lines& base, const Lines& other) {
  std::vector<std::int64_t> match(base.size(), -1);
  std::size_t head = 0;
  while (head < base.size() && head < other.size() && base[head] == other[head]) {
    match[head] = static_cast<std::int64_t>(head);
    ++head;
  }
  std::size_t tail = 0;
  while (tail < base.size() - head && tail < other.size() - head &&
         base[base.size() - 1 - tail] == other[other.size() - 1 - tail]) {
    match[base.size() - 1 - tail] = static_cast<std::int64_t>(other.size() - 1 - tail);
    ++tail;
  }
  const std::size_t n = base.size() - head - tail;
  const std::size_t m = other.size() - head - tail;
  if (n == 0 || m == 0 || (n + 1) * (m + 1) > kMaxLineMergeCells) return match;
  // lcs[i * (m + 1) + j]: the longest common subsequence of base[head + i..] and other[head + j..].
  std::vector<std::uint32_t> lcs((n + 1) * (m + 1), 0);
  auto at = [&](std::size_t i, std::size_t j) -> std::uint32_t& { return lcs[i * (m + 1) + j]; };
  for (std::size_t i = n; i-- > 0;) {
    for (std::size_t j = m; j-- > 0;) {
      at(i, j) = base[head + i] == other[head + j] ? at(i + 1, j + 1) + 1
                                                   : std::max(at(i + 1, j), at(i, j + 1));
    }
  }
  std::size_t i = 0, j = 0;
  while (i < n && j < m) {
    if (base[head + i] == other[head + j] && at(i, j) == at(i + 1, j + 1) + 1) {
      match[head + i] = static_cast<std::int64_t>(head + j);
      ++i, ++j;
    } else if (at(i + 1, j) >= at(i, j + 1)) {
      ++i;
    } else {
      ++j;
    }
  }
  return match;
}

bool same(const Lines& a, std::size_t a0, std::size_t a1, const Lines& b, std::size_t b0,
          std::size_t b1) {
  return a1 - a0 == b1 - b0 && std::equal(a.begin() + static_cast<std::ptrdiff_t>(a0),
                                          a.begin() + static_cast<std::ptrdiff_t>(a1),
                                          b.begin() + static_cast<std::ptrdiff_t>(b0));
}

}  // namespace

std::optional<data::Value> merge_text(const data::FieldSpec& field, const data::Value& base,
                                      const data::Value& mine, const data::Value& theirs) {
  const auto* b = std::get_if<std::string>(&base);
  const auto* m = std::get_if<std::string>(&mine);
  const auto* t = std::get_if<std::string>(&theirs);
  if (!field.is_text() || b == nullptr || m == nullptr || t == nullptr) return std::nullopt;
  const Lines base_lines = split_lines(*b);
  const Lines mine_lines = split_lines(*m);
  const Lines their_lines = split_lines(*t);
  const auto in_mine = match_lines(base_lines, mine_lines);
  const auto in_theirs = match_lines(base_lines, their_lines);

  Lines out;
  auto take = [&out](const Lines& from, std::size_t begin, std::size_t end) {
    out.insert(out.end(), from.begin() + static_cast<std::ptrdiff_t>(begin),
               from.begin() + static_cast<std::ptrdiff_t>(end));
  };
  std::size_t bi = 0, mi = 0, ti = 0;
  while (true) {
    // The next base line both sides kept ends the region [bi, stable).
    std::size_t stable = bi;
    while (stable < base_lines.size() && (in_mine[stable] < 0 || in_theirs[stable] < 0)) {
      ++stable;
    }
    const bool end = stable == base_lines.size();
    const auto m_end = end ? mine_lines.size() : static_cast<std::size_t>(in_mine[stable]);
    const auto t_end = end ? their_lines.size() : static_cast<std::size_t>(in_theirs[stable]);
    if (same(base_lines, bi, stable, mine_lines, mi, m_end)) {
      take(their_lines, ti, t_end);
    } else if (same(base_lines, bi, stable, their_lines, ti, t_end) ||
               same(mine_lines, mi, m_end, their_lines, ti, t_end)) {
      take(mine_lines, mi, m_end);
    } else {
      take(their_lines, ti, t_end);
      take(mine_lines, mi, m_end);
    }
    if (end) break;
    out.push_back(base_lines[stable]);
    bi = stable + 1;
    mi = m_end + 1;
    ti = t_end + 1;
  }
  std::string text;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i != 0) text += '\n';
    text += out[i];
  }
  return text;
}

}  // namespace theta_net::collab
