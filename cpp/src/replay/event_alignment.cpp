#include "event_alignment.hpp"

#include <algorithm>

#include "theta_net/core/json_writer.hpp"
#include "theta_net/replay/json_parser.hpp"

namespace theta_net::replay {
namespace {

// (kind, entity, key) order, then occurrence; a tie-free total order for the merge.
int compare_identity(const EventIdentity& x, const EventIdentity& y) {
  if (int c = x.kind.compare(y.kind)) return c;
  if (int c = x.entity.compare(y.entity)) return c;
  return x.key.compare(y.key);
}

// Sorts the non-ignored events by identity (position breaks ties) and numbers the occurrences.
void sort_and_count(std::vector<EventIdentity>& ids, std::vector<std::uint32_t>& order) {
  order.clear();
  for (std::uint32_t i = 0; i < ids.size(); ++i) {
    if (!ids[i].ignored) order.push_back(i);
  }
  std::sort(order.begin(), order.end(), [&](std::uint32_t x, std::uint32_t y) {
    const int c = compare_identity(ids[x], ids[y]);
    return c != 0 ? c < 0 : x < y;
  });
  for (std::size_t k = 1; k < order.size(); ++k) {
    if (compare_identity(ids[order[k - 1]], ids[order[k]]) == 0) {
      ids[order[k]].occurrence = ids[order[k - 1]].occurrence + 1;
    }
  }
}

}  // namespace

std::string_view EventAligner::decoded_string(std::string_view text, bool quoted) {
  std::string json;
  json.reserve(text.size() + 2);
  if (!quoted) json += '"';
  json += text;
  if (!quoted) json += '"';
  auto parsed = parse_json(json);
  // The scanner already accepted the string, so it parses; re-escape it canonically.
  std::string canonical;
  if (parsed.ok() && parsed->is_string()) {
    if (quoted) {
      append_json_string(canonical, parsed->as_string());
    } else {
      canonical = parsed->as_string();
    }
  } else {
    canonical = std::string(text);
  }
  arena_.push_back(std::move(canonical));
  return arena_.back();
}

void EventAligner::read_identities(const TickGroup& group, std::vector<EventIdentity>& out) {
  out.assign(group.events.size(), EventIdentity{});
  for (std::size_t i = 0; i < group.events.size(); ++i) {
    const ScannedEvent& e = group.events[i];
    const std::string_view line = group.line(e);
    EventIdentity& id = out[i];
    id.kind = e.fields.kind.in(line);
    if (e.fields.kind_escaped) id.kind = decoded_string(id.kind, false);
    id.ignored =
        std::find(ignore_kinds_.begin(), ignore_kinds_.end(), id.kind) != ignore_kinds_.end();
    auto token = [&](const LineSpan& span) {
      const std::string_view t = span.in(line);
      const bool escaped_string = !t.empty() && t[0] == '"' && t.find('\\') != t.npos;
      return escaped_string ? decoded_string(t, true) : t;
    };
    if (e.fields.has_entity) id.entity = token(e.fields.entity);
    if (e.fields.has_key) id.key = token(e.fields.key);
  }
}

void EventAligner::identify(const TickGroup& group, std::vector<EventIdentity>& out) {
  read_identities(group, out);
  sort_and_count(out, order_a_);
}

void EventAligner::align(const TickGroup& a, const TickGroup& b, TickAlignment& out) {
  read_identities(a, out.a);
  read_identities(b, out.b);
  sort_and_count(out.a, order_a_);
  sort_and_count(out.b, order_b_);
  out.b_of_a.assign(out.a.size(), -1);
  out.a_of_b.assign(out.b.size(), -1);
  out.reordered_a.assign(out.a.size(), 0);

  // Merge the two sorted identity lists.
  std::size_t i = 0, j = 0;
  while (i < order_a_.size() && j < order_b_.size()) {
    const EventIdentity& x = out.a[order_a_[i]];
    const EventIdentity& y = out.b[order_b_[j]];
    int c = compare_identity(x, y);
    if (c == 0) c = x.occurrence < y.occurrence ? -1 : x.occurrence > y.occurrence ? 1 : 0;
    if (c == 0) {
      out.b_of_a[order_a_[i]] = static_cast<std::int32_t>(order_b_[j]);
      out.a_of_b[order_b_[j]] = static_cast<std::int32_t>(order_a_[i]);
      ++i;
      ++j;
    } else if (c < 0) {
      ++i;
    } else {
      ++j;
    }
  }

  // Reordering: the matched events in A's order carry B positions; those outside a longest
  // increasing run of B positions moved (the fewest moves that explain the new order).
  std::vector<std::uint32_t> seq;  // A positions of matched events, in A order
  for (std::uint32_t k = 0; k < out.a.size(); ++k) {
    if (out.b_of_a[k] >= 0) seq.push_back(k);
  }
  std::vector<std::uint32_t> tails;  // tails[len-1]: index into seq of the smallest tail
  std::vector<std::int32_t> prev(seq.size(), -1);
  for (std::uint32_t s = 0; s < seq.size(); ++s) {
    const std::int32_t v = out.b_of_a[seq[s]];
    auto it = std::lower_bound(tails.begin(), tails.end(), v, [&](std::uint32_t t, std::int32_t x) {
      return out.b_of_a[seq[t]] < x;
    });
    if (it != tails.begin()) prev[s] = static_cast<std::int32_t>(*(it - 1));
    if (it == tails.end()) {
      tails.push_back(s);
    } else {
      *it = s;
    }
  }
  for (std::uint32_t s : seq) out.reordered_a[s] = 1;
  for (std::int32_t s = tails.empty() ? -1 : static_cast<std::int32_t>(tails.back()); s >= 0;
       s = prev[static_cast<std::size_t>(s)]) {
    out.reordered_a[seq[static_cast<std::size_t>(s)]] = 0;
  }
}

}  // namespace theta_net::replay
