#include "change_subscriptions.hpp"

#include <algorithm>
#include <utility>

namespace theta_net::data {

ChangeSubscriptions::Id ChangeSubscriptions::add(Entry entry) {
  const Id id = next_id_++;
  // Ids grow, so pushing at the back keeps every index list sorted.
  if (entry.scope == Scope::kEntity) {
    by_entity_[{entry.table, entry.entity}].push_back(id);
  } else {
    by_table_[entry.table].push_back(id);
  }
  entries_.emplace(id, std::move(entry));
  return id;
}

ChangeSubscriptions::Id ChangeSubscriptions::add_table(std::uint16_t table, Callback callback) {
  Entry entry;
  entry.scope = Scope::kTable;
  entry.table = table;
  entry.callback = std::make_shared<Callback>(std::move(callback));
  return add(std::move(entry));
}

ChangeSubscriptions::Id ChangeSubscriptions::add_entity(std::uint16_t table, EntityId entity,
                                                        Callback callback) {
  Entry entry;
  entry.scope = Scope::kEntity;
  entry.table = table;
  entry.entity = entity;
  entry.callback = std::make_shared<Callback>(std::move(callback));
  return add(std::move(entry));
}

ChangeSubscriptions::Id ChangeSubscriptions::add_field(std::uint16_t table, std::uint16_t component,
                                                       std::uint16_t field, Callback callback) {
  Entry entry;
  entry.scope = Scope::kField;
  entry.table = table;
  entry.component = component;
  entry.field = field;
  entry.callback = std::make_shared<Callback>(std::move(callback));
  return add(std::move(entry));
}

void ChangeSubscriptions::remove(Id id) {
  const auto it = entries_.find(id);
  if (it == entries_.end()) return;
  const Entry& entry = it->second;
  auto drop_from = [id](auto& index, const auto& key) {
    const auto list = index.find(key);
    if (list == index.end()) return;
    std::erase(list->second, id);
    if (list->second.empty()) index.erase(list);
  };
  if (entry.scope == Scope::kEntity) {
    drop_from(by_entity_, std::pair{entry.table, entry.entity});
  } else {
    drop_from(by_table_, entry.table);
  }
  entries_.erase(it);
}

bool ChangeSubscriptions::concerns(const Entry& entry, const Change& change) {
  if (entry.table != change.table) return false;
  switch (entry.scope) {
    case Scope::kTable:
      return true;
    case Scope::kEntity:
      return entry.entity == change.entity;
    case Scope::kField:
      if (change.kind != ChangeKind::kUpdate) return (change.components >> entry.component) & 1;
      return entry.component < change.fields.size() &&
             ((change.fields[entry.component] >> entry.field) & 1);
  }
  return false;
}

void ChangeSubscriptions::fire(const std::vector<Change>& changes) {
  std::vector<Id> candidates;
  for (const Change& change : changes) {
    // Copy the candidates first: a callback may change the indexes.
    candidates.clear();
    if (const auto it = by_table_.find(change.table); it != by_table_.end()) {
      candidates.insert(candidates.end(), it->second.begin(), it->second.end());
    }
    if (const auto it = by_entity_.find({change.table, change.entity}); it != by_entity_.end()) {
      candidates.insert(candidates.end(), it->second.begin(), it->second.end());
    }
    std::sort(candidates.begin(), candidates.end());
    for (const Id id : candidates) {
      const auto it = entries_.find(id);
      if (it == entries_.end() || !concerns(it->second, change)) continue;  // gone meanwhile
      const std::shared_ptr<Callback> callback = it->second.callback;  // alive through the call
      (*callback)(change);
    }
  }
}

}  // namespace theta_net::data
