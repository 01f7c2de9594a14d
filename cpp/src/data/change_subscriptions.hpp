// ChangeSubscriptions: a ClientDB's callbacks on a table, an entity or a field, and the one
// place that decides which of them a Change concerns and calls them. Calling is re-entrant:
// a callback may unsubscribe itself or others (they are not called again, and a running
// callback is kept alive until it returns) or subscribe (heard from the next change on).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "theta_net/data/client_db.hpp"

namespace theta_net::data {

class ChangeSubscriptions {
 public:
  using Id = ClientDB::SubscriptionId;
  using Callback = ClientDB::Callback;

  Id add_table(std::uint16_t table, Callback callback);
  Id add_entity(std::uint16_t table, EntityId entity, Callback callback);
  Id add_field(std::uint16_t table, std::uint16_t component, std::uint16_t field,
               Callback callback);
  void remove(Id id);
  bool empty() const { return entries_.empty(); }

  // Calls, change by change, every subscription the change concerns, in subscription order.
  void fire(const std::vector<Change>& changes);

 private:
  enum class Scope : std::uint8_t { kTable, kEntity, kField };
  struct Entry {
    Scope scope = Scope::kTable;
    std::uint16_t table = 0;
    EntityId entity = 0;
    std::uint16_t component = 0, field = 0;
    std::shared_ptr<Callback> callback;
  };
  Id add(Entry entry);
  static bool concerns(const Entry& entry, const Change& change);

  std::map<Id, Entry> entries_;
  // Indexes (ids in ascending order): table and field subscriptions by table, entity ones by
  // (table, entity), so a large batch does not visit every subscription per change.
  std::map<std::uint16_t, std::vector<Id>> by_table_;
  std::map<std::pair<std::uint16_t, EntityId>, std::vector<Id>> by_entity_;
  Id next_id_ = 1;
};

}  // namespace theta_net::data
