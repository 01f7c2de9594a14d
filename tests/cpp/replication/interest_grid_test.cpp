#include "theta_net/replication/interest_grid.hpp"

#include <gtest/gtest.h>

#include "test_worlds.hpp"
#include "theta_net/replication/client_replicator.hpp"
#include "theta_net/replication/entity_replica.hpp"

namespace theta_net::replication {
namespace {

std::vector<EntityId> ids(const std::vector<VisibleEntity>& v) {
  std::vector<EntityId> out;
  for (const auto& e : v) out.push_back(e.id);
  return out;
}

Fx blocks(double b) {
  return Fx::from_double(b);
}

TEST(InterestGrid, CellsAreSixteenBlocksAndFloorNegatives) {
  InterestGrid grid;
  EXPECT_EQ(grid.cell_of(blocks(0), blocks(15.9), blocks(16)), (Cell{0, 0, 1}));
  EXPECT_EQ(grid.cell_of(blocks(-0.1), blocks(-16), blocks(-16.1)), (Cell{-1, -1, -2}));
}

TEST(InterestGrid, SeesCellsWithinTheViewDistance) {
  InterestGrid grid;
  grid.place(1, blocks(0), blocks(64), blocks(0));
  grid.place(2, blocks(40), blocks(64), blocks(0));   // 2 cells away in x
  grid.place(3, blocks(100), blocks(64), blocks(0));  // 6 cells away
  grid.place(4, blocks(0), blocks(64), blocks(-50));  // 4 cells away in z
  grid.place(5, blocks(0), blocks(200), blocks(0));   // 8 cells up
  ClientInterest client;
  client.set_center({0, 4, 0});
  client.set_view_distance(4);
  std::vector<VisibleEntity> seen;
  grid.visible(client, seen);
  EXPECT_EQ(seen, (std::vector<VisibleEntity>{{1, 0}, {2, 2}, {4, 4}}));
  client.set_vertical_view_distance(8);
  grid.visible(client, seen);
  EXPECT_EQ(ids(seen), (std::vector<EntityId>{1, 2, 4, 5}));
  // Moving an entity moves it between cells.
  grid.place(3, blocks(20), blocks(64), blocks(0));
  grid.visible(client, seen);
  EXPECT_EQ(ids(seen), (std::vector<EntityId>{1, 2, 3, 4, 5}));
  grid.remove(2);
  grid.visible(client, seen);
  EXPECT_EQ(ids(seen), (std::vector<EntityId>{1, 3, 4, 5}));
}

TEST(InterestGrid, LargeViewDistancesWalkOccupiedCellsWithTheSameResult) {
  InterestGrid grid;
  Rng rng(3);
  for (EntityId id = 1; id <= 300; ++id) {
    grid.place(id, blocks(rng.uniform_int(-2000, 2000)), blocks(rng.uniform_int(0, 255)),
               blocks(rng.uniform_int(-2000, 2000)));
  }
  ClientInterest near, far;
  near.set_view_distance(6);
  far.set_view_distance(2000);  // more cells than entities: the other walk
  std::vector<VisibleEntity> a, b;
  grid.visible(near, a);
  grid.visible(far, b);
  EXPECT_EQ(b.size(), 300u);
  for (const auto& e : a) {
    EXPECT_LE(e.distance, 6u);
    EXPECT_NE(std::find(b.begin(), b.end(), e), b.end());
  }
}

TEST(InterestGrid, SubscriptionsScopesAndAlwaysSeen) {
  InterestGrid grid;
  grid.place(1, blocks(0), blocks(0), blocks(0));
  grid.place(2, blocks(1000), blocks(0), blocks(0));  // cell (62, 0, 0)
  grid.place(3, blocks(-1000), blocks(0), blocks(0));
  grid.set_scopes(3, {"editor.selection"});
  grid.set_scopes(4, {"debug.ai"});  // a scoped entity without a position
  ClientInterest client;
  client.set_view_distance(1);
  std::vector<VisibleEntity> seen;
  grid.visible(client, seen);
  EXPECT_EQ(ids(seen), (std::vector<EntityId>{1}));
  ASSERT_TRUE(client.subscribe({62, 0, 0}).ok());
  ASSERT_TRUE(client.set_scopes({"editor.selection", "debug.ai"}).ok());
  client.always_see(7);
  grid.visible(client, seen);
  EXPECT_EQ(ids(seen), (std::vector<EntityId>{1, 2, 3, 4, 7}));
  client.unsubscribe({62, 0, 0});
  ASSERT_TRUE(client.set_scopes({}).ok());
  grid.visible(client, seen);
  EXPECT_EQ(ids(seen), (std::vector<EntityId>{1, 7}));
  grid.forget(3);
  ASSERT_TRUE(client.set_scopes({"editor.selection"}).ok());
  grid.visible(client, seen);
  EXPECT_EQ(ids(seen), (std::vector<EntityId>{1, 7}));
}

TEST(InterestGrid, AppliesInterestUpdatesWholeOrNotAtAll) {
  ClientInterest client;
  protocol::InterestUpdate update;
  update.view_distance = 6;
  update.subscribe_cells = {{1, 2, 3}, {4, 5, 6}};
  update.scopes = {"a"};
  ASSERT_TRUE(client.apply(update).ok());
  EXPECT_EQ(client.view_distance(), 6u);
  EXPECT_EQ(client.subscribed().size(), 2u);
  protocol::InterestUpdate next;
  next.view_distance = 2;
  next.unsubscribe_cells = {{1, 2, 3}};
  ASSERT_TRUE(client.apply(next).ok());
  EXPECT_EQ(client.subscribed(), (std::set<Cell>{{4, 5, 6}}));
  EXPECT_TRUE(client.scopes().empty());
  protocol::InterestUpdate too_many;
  too_many.view_distance = 9;
  too_many.scopes.assign(ClientInterest::kMaxScopes + 1, "s");
  EXPECT_EQ(client.apply(too_many).error().code, ErrorCode::kLimitExceeded);
  EXPECT_EQ(client.view_distance(), 2u);  // unchanged
}

TEST(InterestGrid, EnteringAndLeavingInterestSpawnsAndDespawnsForThatClientOnly) {
  auto schema = reference::schema();
  reference::ReferenceAccess access(*schema);
  WorldState world(schema);
  InterestGrid grid;
  auto put = [&](EntityId id, double x) {
    access.set(world, id, reference::Transform{blocks(x), blocks(64), blocks(0), 0, 0});
    grid.place(id, blocks(x), blocks(64), blocks(0));
  };
  put(1, 0);     // near client A
  put(2, 1000);  // near client B
  put(3, 40);    // the walker, near A
  ClientInterest a, b;
  a.set_center({0, 4, 0});
  b.set_center({62, 4, 0});
  a.set_view_distance(4);
  b.set_view_distance(4);
  ClientReplicator rep_a(schema), rep_b(schema);
  EntityReplica replica_a(schema), replica_b(schema);
  std::uint32_t tick = 0;
  auto round = [&] {
    ++tick;
    std::vector<VisibleEntity> seen;
    for (auto [rep, replica, interest] :
         {std::tuple{&rep_a, &replica_a, &a}, std::tuple{&rep_b, &replica_b, &b}}) {
      grid.visible(*interest, seen);
      auto d = rep->update(world, seen, tick, std::chrono::milliseconds(100 * tick));
      ASSERT_TRUE(d.has_value());
      ASSERT_TRUE(replica->apply(*d).ok());
      rep->acknowledge(replica->ack_tick());
    }
  };
  round();
  EXPECT_EQ(replica_a.state().ids().size(), 2u);  // 1 and 3
  EXPECT_TRUE(replica_a.state().find(3));
  EXPECT_FALSE(replica_b.state().find(3));
  put(3, 990);  // walks over to B
  round();
  EXPECT_FALSE(replica_a.state().find(3));  // despawned for A
  EXPECT_TRUE(replica_b.state().find(3));   // spawned for B
  EXPECT_TRUE(replica_a.state().find(1));   // the others are untouched
  EXPECT_TRUE(replica_b.state().find(2));
  EXPECT_EQ(access.transform(replica_b.state(), replica_b.state().find(3).value()).x, blocks(990));
}

}  // namespace
}  // namespace theta_net::replication
