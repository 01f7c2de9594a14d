#include "theta_net/session/collab_fuzz_workload.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace theta_net::session {

namespace {

// Table, component and field indices of the schema below (one component a table).
constexpr std::uint16_t kClaims = 0, kCards = 1, kCounters = 2, kTags = 3, kDocs = 4;
constexpr std::uint16_t kOwner = 0, kNote = 1;
constexpr std::uint16_t kTitle = 0, kX = 1, kY = 2;
constexpr std::uint16_t kN = 0, kItems = 0, kBody = 0;
constexpr std::size_t kMaxSetItems = 8;  // 8 words of <= 6 bytes fit items' 256 bytes
constexpr std::size_t kMaxLines = 8;     // 8 lines of <= 6 bytes and a merge's extra fit 512

constexpr const char* kSchemaToml = R"([schema]
name = "collab_fuzz"
version = "1.0"

[[table]]
name = "claims"
conflict = "server"
[[table.component]]
name = "claim"
fields = [
  { name = "owner", type = "int", min = 0, max = 255 },
  { name = "note", type = "string", max = 16 },
]

[[table]]
name = "cards"
conflict = "lww"
[[table.component]]
name = "card"
fields = [
  { name = "title", type = "string", max = 16 },
  { name = "x", type = "int", min = -1000, max = 1000 },
  { name = "y", type = "int", min = -1000, max = 1000 },
]

[[table]]
name = "counters"
conflict = "merge:counter"
[[table.component]]
name = "count"
fields = [ { name = "n", type = "int", min = 0, max = 1000000000 } ]

[[table]]
name = "tags"
conflict = "merge:set"
[[table.component]]
name = "tagset"
fields = [ { name = "items", type = "string", max = 256 } ]

[[table]]
name = "docs"
conflict = "merge:text"
[[table.component]]
name = "doc"
fields = [ { name = "body", type = "string", max = 512 } ]
)";

constexpr std::array<const char*, 12> kWords = {"red",  "green", "blue", "sun",  "moon", "tree",
                                                "rock", "river", "salt", "wind", "fire", "ice"};

std::shared_ptr<const data::DataSchema> build_schema() {
  auto schema = data::DataSchema::from_toml(kSchemaToml);
  if (!schema.ok()) {
    // A fixed, valid schema: only a bug gets here.
    std::fprintf(stderr, "theta_net: collab fuzz schema: %s\n", schema.error().describe().c_str());
    std::abort();
  }
  return *schema;
}

// A string field's value in the view ("" when the entity is absent).
std::string text_at(const data::Store& view, std::uint16_t table, data::EntityId entity,
                    std::uint16_t field) {
  const data::Table& t = view.table(table);
  const auto row = t.find(entity);
  if (!row) return {};
  return std::get<std::string>(t.get(*row, 0, field));
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  if (text.empty()) return lines;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find('\n', start);
    lines.push_back(text.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return lines;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i != 0) out += '\n';
    out += lines[i];
  }
  return out;
}

// The writes below are built from fixed, valid indices and in-range values: a failure is a bug.
void must(const Status& status) {
  if (!status.ok()) {
    std::fprintf(stderr, "theta_net: collab fuzz write: %s\n", status.error().describe().c_str());
    std::abort();
  }
}

}  // namespace

std::shared_ptr<const data::DataSchema> collab_fuzz_schema() {
  static const std::shared_ptr<const data::DataSchema> schema = build_schema();
  return schema;
}

CollabFuzzWorkload::CollabFuzzWorkload(std::shared_ptr<const data::DataSchema> schema,
                                       std::uint64_t entities, Rng rng)
    : schema_(std::move(schema)), entities_(entities), rng_(rng) {}

data::Transaction CollabFuzzWorkload::populate() const {
  data::Transaction tx(schema_);
  for (data::EntityId e = 1; e <= entities_; ++e) {
    for (std::uint16_t table = kClaims; table <= kDocs; ++table) {
      must(tx.set(table, e, 0, 0,
                  table == kDocs     ? data::Value{std::string("intro")}
                  : table == kCards  ? data::Value{std::string("card")}
                  : table == kClaims ? data::Value{std::int64_t{0}}
                  : table == kTags   ? data::Value{std::string()}
                                     : data::Value{std::int64_t{0}}));
    }
  }
  return tx;
}

data::Transaction CollabFuzzWorkload::next_write(const data::Store& view, std::size_t writer) {
  data::Transaction tx(schema_);
  const auto table = static_cast<std::uint16_t>(rng_.uniform(5));
  const data::EntityId entity = 1 + rng_.uniform(entities_);
  switch (table) {
    case kClaims:
      claim(tx, entity, writer);
      break;
    case kCards:
      card(tx, entity);
      break;
    case kCounters:
      count(tx, view, entity);
      break;
    case kTags:
      tag(tx, view, entity);
      break;
    default:
      edit(tx, view, entity);
      break;
  }
  return tx;
}

void CollabFuzzWorkload::claim(data::Transaction& tx, data::EntityId entity, std::size_t writer) {
  must(tx.set(kClaims, entity, 0, kOwner, static_cast<std::int64_t>(1 + writer % 255)));
  if (rng_.chance(0.5)) {
    must(tx.set(kClaims, entity, 0, kNote, std::string(kWords[rng_.uniform(kWords.size())])));
  }
}

void CollabFuzzWorkload::card(data::Transaction& tx, data::EntityId entity) {
  if (rng_.chance(0.05)) {
    must(tx.remove_entity("cards", entity));
    return;
  }
  const auto what = rng_.uniform(3);
  if (what != 1) {
    must(tx.set(kCards, entity, 0, kTitle, std::string(kWords[rng_.uniform(kWords.size())])));
  }
  if (what != 0) {
    must(tx.set(kCards, entity, 0, kX, rng_.uniform_int(-1000, 1000)));
    must(tx.set(kCards, entity, 0, kY, rng_.uniform_int(-1000, 1000)));
  }
}

void CollabFuzzWorkload::count(data::Transaction& tx, const data::Store& view,
                               data::EntityId entity) {
  const data::Table& t = view.table(kCounters);
  const auto row = t.find(entity);
  const std::int64_t now = row ? std::get<std::int64_t>(t.get(*row, 0, kN)) : 0;
  must(tx.set(kCounters, entity, 0, kN,
              std::min<std::int64_t>(now + rng_.uniform_int(1, 5), 1000000000)));
}

void CollabFuzzWorkload::tag(data::Transaction& tx, const data::Store& view,
                             data::EntityId entity) {
  std::vector<std::string> items = split_lines(text_at(view, kTags, entity, kItems));
  const std::string word = kWords[rng_.uniform(kWords.size())];
  const auto at = std::find(items.begin(), items.end(), word);
  if (at != items.end()) {
    items.erase(at);  // a removal: a tombstone in the merge
  } else if (items.size() < kMaxSetItems) {
    items.push_back(word);
    std::sort(items.begin(), items.end());
  } else {
    items.erase(items.begin() + static_cast<std::ptrdiff_t>(rng_.uniform(items.size())));
  }
  must(tx.set(kTags, entity, 0, kItems, join_lines(items)));
}

void CollabFuzzWorkload::edit(data::Transaction& tx, const data::Store& view,
                              data::EntityId entity) {
  std::vector<std::string> lines = split_lines(text_at(view, kDocs, entity, kBody));
  const std::string word = kWords[rng_.uniform(kWords.size())];
  const auto choice = rng_.uniform(3);
  if (lines.empty() || (choice == 0 && lines.size() < kMaxLines)) {
    const auto at = static_cast<std::ptrdiff_t>(rng_.uniform(lines.size() + 1));
    lines.insert(lines.begin() + at, word);
  } else if (choice == 1 || lines.size() >= kMaxLines) {
    lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(rng_.uniform(lines.size())));
  } else {
    lines[rng_.uniform(lines.size())] = word;
  }
  must(tx.set(kDocs, entity, 0, kBody, join_lines(lines)));
}

}  // namespace theta_net::session
