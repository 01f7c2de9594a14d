#include "theta_net/collab/conflict_history.hpp"

#include <algorithm>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

namespace theta_net::collab {
namespace {

constexpr std::size_t kRecordOverhead = 96;  // a deque slot, the author, versions, two Values

std::size_t value_bytes(const data::Value& value) {
  return std::visit(
      [](const auto& v) -> std::size_t {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return v.size();
        } else if constexpr (std::is_same_v<T, std::vector<std::int64_t>> ||
                             std::is_same_v<T, std::vector<double>>) {
          return v.size() * 8;
        } else {
          return 0;
        }
      },
      value);
}

}  // namespace

FieldHistory::FieldHistory(FieldHistoryLimits limits, data::Version start_version)
    : limits_(limits), start_version_(start_version) {
  limits_.max_writes_per_field = std::max<std::size_t>(limits_.max_writes_per_field, 1);
  limits_.max_fields = std::max<std::size_t>(limits_.max_fields, 1);
}

std::size_t FieldHistory::cost(const FieldWriteRecord& write) {
  return kRecordOverhead + value_bytes(write.value) + value_bytes(write.intended);
}

std::size_t FieldHistory::cost(const std::optional<data::Value>& value) {
  return value ? value_bytes(*value) : 0;
}

const FieldHistoryEntry* FieldHistory::find(const FieldKey& key) const {
  const auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : &it->second;
}

const FieldWriteRecord* FieldHistory::concurrent_with(const FieldKey& key, const AuthorKey& author,
                                                      data::Version base_version) const {
  const FieldHistoryEntry* entry = find(key);
  if (entry == nullptr) return nullptr;
  for (auto it = entry->writes.rbegin(); it != entry->writes.rend(); ++it) {
    if (it->version <= base_version) break;
    if (!it->removal && it->author != author) return &*it;
  }
  return nullptr;
}

std::optional<data::Value> FieldHistory::base_for(const FieldKey& key, const AuthorKey& author,
                                                  data::Version base_version) const {
  const FieldHistoryEntry* entry = find(key);
  if (entry == nullptr || base_version < entry->reach_from) return std::nullopt;
  // Newest first: the author's own write after its base is what it saw beneath its new write
  // (its pending writes were on top of the server's state); otherwise the value at the base.
  for (auto it = entry->writes.rbegin(); it != entry->writes.rend(); ++it) {
    if (it->version > base_version) {
      if (it->author == author) return it->intended;
      continue;
    }
    return it->value;
  }
  return entry->anchor;
}

void FieldHistory::evict_oldest() {
  const auto oldest = by_last_write_.begin();
  const auto it = entries_.find(oldest->second);
  forgotten_through_ = std::max(forgotten_through_, oldest->first);
  bytes_ -= cost(it->second.anchor);
  for (const auto& write : it->second.writes) bytes_ -= cost(write);
  entries_.erase(it);
  by_last_write_.erase(oldest);
  ++evicted_fields_;
}

void FieldHistory::record(const FieldKey& key, FieldWriteRecord write,
                          std::optional<data::Value> before) {
  auto [it, fresh] = entries_.try_emplace(key);
  FieldHistoryEntry& entry = it->second;
  const data::Version previous = fresh ? 0 : entry.writes.back().version;
  if (fresh) {
    entry.reach_from = std::max(start_version_, forgotten_through_);
    entry.anchor = std::move(before);
    // Without the value beneath the first write, the history knows values from that write on.
    if (!entry.anchor) entry.reach_from = std::max(entry.reach_from, write.version);
    bytes_ += cost(entry.anchor);
  }
  bytes_ += cost(write);
  const data::Version latest = write.version;
  entry.writes.push_back(std::move(write));
  while (entry.writes.size() > limits_.max_writes_per_field) {
    bytes_ -= cost(entry.anchor) + cost(entry.writes.front());
    entry.reach_from = entry.writes.front().version;
    entry.anchor = std::move(entry.writes.front().value);
    bytes_ += cost(entry.anchor);
    entry.writes.pop_front();
  }
  if (!fresh) by_last_write_.erase({previous, key});
  by_last_write_.insert({latest, key});
  while (entries_.size() > limits_.max_fields ||
         (bytes_ > limits_.max_bytes && entries_.size() > 1)) {
    evict_oldest();
  }
}

void FieldHistory::record_removal(std::uint16_t table, data::EntityId entity,
                                  std::uint64_t components, const data::TableSpec& spec,
                                  data::Version version, const AuthorKey& author,
                                  std::uint64_t lamport) {
  const FieldKey first{table, entity, 0, 0};
  const FieldKey last{table, entity, std::numeric_limits<std::uint16_t>::max(),
                      std::numeric_limits<std::uint16_t>::max()};
  std::vector<FieldKey> kept;
  for (auto it = entries_.lower_bound(first); it != entries_.end() && it->first <= last; ++it) {
    if (it->first.component < 64 && ((components >> it->first.component) & 1) != 0) {
      kept.push_back(it->first);
    }
  }
  for (const FieldKey& key : kept) {
    // A removal writes no value: the field is back at its default if the component returns.
    if (entries_.find(key) == entries_.end()) continue;  // evicted by an earlier record
    const data::Value& fallback = spec.components[key.component].fields[key.field].default_value;
    record(key, FieldWriteRecord{version, author, lamport, fallback, fallback, true}, std::nullopt);
  }
}

}  // namespace theta_net::collab
