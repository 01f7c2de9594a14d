// ReplicationHost's interest grid follows its entities: a moved entity is placed anew, and an
// entity that goes (with or without a position) leaves the grid and its scopes.
#include "theta_net/replication/replication_host.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "theta_net/replication/reference_components.hpp"

namespace theta_net::replication {
namespace {

std::vector<EntityId> seen_by(ReplicationHost& host, ReplicationHost::ClientId client) {
  std::vector<VisibleEntity> visible;
  host.interest().visible(*host.interest_of(client), visible);
  std::vector<EntityId> out;
  for (const auto& v : visible) out.push_back(v.id);
  return out;
}

TEST(ReplicationHost, TheGridFollowsMovedAndDepartedEntities) {
  ReplicationHost host(reference::schema(), reference::schema());
  ASSERT_TRUE(host.set_position_component(reference::kTransform).ok());
  const reference::ReferenceAccess ref(*reference::schema());
  auto put = [&](EntityId id, int x) {
    ref.set(host.entities(), id, reference::Transform{Fx::from_int(x), Fx{}, Fx{}, 0, 0});
  };
  for (EntityId id = 1; id <= 3; ++id) put(id, static_cast<int>(id));
  host.entities().add_entity(9);  // no position: seen through a scope only
  host.interest().set_scopes(9, {"debug.ai"});
  const auto client = host.add_client();
  host.interest_of(client)->set_view_distance(2);
  ASSERT_TRUE(host.interest_of(client)->set_scopes({"debug.ai"}).ok());
  host.step(1, Micros{0});
  EXPECT_EQ(seen_by(host, client), (std::vector<EntityId>{1, 2, 3, 9}));

  put(2, 100'000);  // far away
  host.step(2, Micros{0});
  EXPECT_EQ(seen_by(host, client), (std::vector<EntityId>{1, 3, 9}));

  host.entities().remove_entity(9);  // a position-less entity leaving
  host.step(3, Micros{0});
  EXPECT_EQ(seen_by(host, client), (std::vector<EntityId>{1, 3}));

  host.entities().remove_entity(1);
  put(4, 4);  // one going as another comes: the count stays
  host.step(4, Micros{0});
  EXPECT_EQ(seen_by(host, client), (std::vector<EntityId>{3, 4}));
  EXPECT_EQ(host.interest().size(), 3u) << "2, 3 and 4 hold a cell";
}

}  // namespace
}  // namespace theta_net::replication
