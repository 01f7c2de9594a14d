#include <utility>

#include "client_db_impl.hpp"

namespace theta_net::data {
namespace {

template <class Specs>
std::string list_names(const Specs& specs) {
  std::string names;
  for (const auto& spec : specs) names += (names.empty() ? "" : ", ") + spec.name;
  return names.empty() ? "none" : names;
}

}  // namespace

std::vector<EntityImage> ClientDB::Impl::images_before(const ClientDB& db,
                                                       std::vector<EntityKey> keys) const {
  std::vector<EntityImage> images;
  if (subscriptions.empty()) return images;
  sort_unique(keys);
  images.reserve(keys.size());
  for (const EntityKey& key : keys) images.push_back(capture_entity(*db.view_, key));
  return images;
}

std::vector<Change> ClientDB::Impl::changes_since(const ClientDB& db,
                                                  const std::vector<EntityImage>& before) const {
  std::vector<Change> changes;
  for (const EntityImage& image : before) {
    append_changes(image, capture_entity(*db.view_, image.key),
                   db.view_->table(image.key.first).spec(), changes);
  }
  return changes;
}

Result<ClientDB::SubscriptionId> ClientDB::on_table(std::string_view table, Callback callback) {
  const int index = schema().table_index(table);
  if (index < 0) {
    return make_error(ErrorCode::kInvalidArgument, "no table '", table, "' in schema '",
                      schema().name(), "' (tables: ", list_names(schema().tables()), ")");
  }
  if (!callback) return make_error(ErrorCode::kInvalidArgument, "an empty callback");
  return impl_->subscriptions.add_table(static_cast<std::uint16_t>(index), std::move(callback));
}

Result<ClientDB::SubscriptionId> ClientDB::on_entity(std::string_view table, EntityId entity,
                                                     Callback callback) {
  const int index = schema().table_index(table);
  if (index < 0) {
    return make_error(ErrorCode::kInvalidArgument, "no table '", table, "' in schema '",
                      schema().name(), "' (tables: ", list_names(schema().tables()), ")");
  }
  if (!callback) return make_error(ErrorCode::kInvalidArgument, "an empty callback");
  return impl_->subscriptions.add_entity(static_cast<std::uint16_t>(index), entity,
                                         std::move(callback));
}

Result<ClientDB::SubscriptionId> ClientDB::on_field(std::string_view table,
                                                    std::string_view component,
                                                    std::string_view field, Callback callback) {
  const int table_index = schema().table_index(table);
  if (table_index < 0) {
    return make_error(ErrorCode::kInvalidArgument, "no table '", table, "' in schema '",
                      schema().name(), "' (tables: ", list_names(schema().tables()), ")");
  }
  const TableSpec& table_spec = schema().table(static_cast<std::size_t>(table_index));
  const int component_index = table_spec.component_index(component);
  if (component_index < 0) {
    return make_error(ErrorCode::kInvalidArgument, "no component '", component, "' in table '",
                      table, "' (components: ", list_names(table_spec.components), ")");
  }
  const ComponentSpec& component_spec =
      table_spec.components[static_cast<std::size_t>(component_index)];
  const int field_index = component_spec.field_index(field);
  if (field_index < 0) {
    return make_error(ErrorCode::kInvalidArgument, "no field '", field, "' in component '", table,
                      ".", component, "' (fields: ", list_names(component_spec.fields), ")");
  }
  if (!callback) return make_error(ErrorCode::kInvalidArgument, "an empty callback");
  return impl_->subscriptions.add_field(
      static_cast<std::uint16_t>(table_index), static_cast<std::uint16_t>(component_index),
      static_cast<std::uint16_t>(field_index), std::move(callback));
}

void ClientDB::unsubscribe(SubscriptionId id) {
  impl_->subscriptions.remove(id);
}

}  // namespace theta_net::data
