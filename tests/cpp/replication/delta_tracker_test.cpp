#include "theta_net/replication/delta_tracker.hpp"

#include <gtest/gtest.h>

#include "test_worlds.hpp"
#include "theta_net/protocol/message_codec.hpp"
#include "theta_net/replication/world_snapshot.hpp"

namespace theta_net::replication {
namespace {

using protocol::ComponentOp;
using testing::seed_schema;
using testing::set_position;
using testing::set_velocity;

struct Op {
  EntityId entity;
  std::string component;
  ComponentOp op;
  bool operator==(const Op&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Op& op) {
  return os << "{" << op.entity << " " << op.component << " " << static_cast<int>(op.op) << "}";
}

std::vector<Op> ops(const std::vector<protocol::ComponentDelta>& deltas, const Schema& schema) {
  std::vector<Op> out;
  for (const auto& d : deltas) {
    for (const auto& e : d.entries) {
      out.push_back({e.entity, schema.type(*schema.index_of(e.component)).name(), e.op});
    }
  }
  return out;
}

std::size_t descriptor_count(const std::vector<protocol::ComponentDelta>& deltas) {
  std::size_t n = 0;
  for (const auto& d : deltas) n += d.descriptors.size();
  return n;
}

// A client that applies every delta; compares with the host after each step.
void apply_all(WorldState& client, const std::vector<protocol::ComponentDelta>& deltas) {
  for (const auto& d : deltas) {
    Bytes body;  // and every message is one the wire accepts
    ASSERT_TRUE(protocol::encode_body(d, body).ok());
    auto status = apply_component_delta(client, d);
    ASSERT_TRUE(status.ok()) << status.error().describe();
  }
}

TEST(DeltaTracker, DetectsInsertUpdateRemove) {
  auto schema = seed_schema();
  DeltaTracker tracker(schema);
  WorldState world(schema);
  set_position(world, 1, 0, 0, 0);
  EXPECT_EQ(ops(tracker.diff(world, 1), *schema),
            (std::vector<Op>{{1, "position", ComponentOp::kInsert}}));
  set_position(world, 1, 1, 0, 0);
  auto update = tracker.diff(world, 2);
  EXPECT_EQ(ops(update, *schema), (std::vector<Op>{{1, "position", ComponentOp::kUpdate}}));
  EXPECT_EQ(update[0].entries[0].revision, 2u);
  world.remove_entity(1);
  auto removal = tracker.diff(world, 3);
  EXPECT_EQ(ops(removal, *schema), (std::vector<Op>{{1, "position", ComponentOp::kRemove}}));
  EXPECT_TRUE(removal[0].entries[0].payload.empty());
  EXPECT_EQ(removal[0].server_tick, 3u);
}

TEST(DeltaTracker, StableUnderNoChanges) {
  auto world = testing::reference_world(40, 1);
  DeltaTracker tracker(world.schema_ptr());
  EXPECT_FALSE(tracker.diff(world, 1).empty());
  EXPECT_TRUE(tracker.diff(world, 2).empty());
  EXPECT_TRUE(tracker.diff(world, 3).empty());
  // Setting a value to what it already was is no change either.
  reference::ReferenceAccess access(world.schema());
  access.set(world, 5, access.health(world, world.find(5).value()));
  EXPECT_TRUE(tracker.diff(world, 4).empty());
}

TEST(DeltaTracker, TracksEntitiesIndependently) {
  auto schema = seed_schema();
  DeltaTracker tracker(schema);
  WorldState world(schema);
  for (EntityId id = 1; id <= 3; ++id) set_position(world, id, id, 0, 0);
  tracker.diff(world, 1);
  set_position(world, 2, 9, 9, 9);
  EXPECT_EQ(ops(tracker.diff(world, 2), *schema),
            (std::vector<Op>{{2, "position", ComponentOp::kUpdate}}));
}

TEST(DeltaTracker, AdvertisesEachComponentTypeOnce) {
  auto schema = seed_schema();
  DeltaTracker tracker(schema);
  WorldState world(schema);
  set_position(world, 1, 0, 0, 0);
  auto first = tracker.diff(world, 1);
  ASSERT_EQ(descriptor_count(first), 1u);
  EXPECT_EQ(first[0].descriptors[0].name, "position");
  set_position(world, 2, 0, 0, 0);
  EXPECT_EQ(descriptor_count(tracker.diff(world, 2)), 0u);
  set_velocity(world, 2, 1, 0, 0);
  auto third = tracker.diff(world, 3);
  ASSERT_EQ(descriptor_count(third), 1u);
  EXPECT_EQ(third[0].descriptors[0].name, "velocity");
  set_velocity(world, 1, 1, 0, 0);
  EXPECT_EQ(descriptor_count(tracker.diff(world, 4)), 0u);
  tracker.reset();  // a resync advertises again
  EXPECT_EQ(descriptor_count(tracker.diff(world, 5)), 2u);
}

TEST(DeltaTracker, HandlesDespawnOfMultipleEntities) {
  auto schema = seed_schema();
  DeltaTracker tracker(schema);
  WorldState world(schema), client(schema);
  for (EntityId id = 1; id <= 6; ++id) {
    set_position(world, id, id, 0, 0);
    if (id % 2 == 0) set_velocity(world, id, 1, 1, 1);
  }
  apply_all(client, tracker.diff(world, 1));
  for (EntityId id : {2, 3, 5}) world.remove_entity(id);
  auto deltas = tracker.diff(world, 2);
  const bool position_first = schema->index_of_name("position") < schema->index_of_name("velocity");
  EXPECT_EQ(ops(deltas, *schema),
            (std::vector<Op>{{2, position_first ? "position" : "velocity", ComponentOp::kRemove},
                             {2, position_first ? "velocity" : "position", ComponentOp::kRemove},
                             {3, "position", ComponentOp::kRemove},
                             {5, "position", ComponentOp::kRemove}}));
  apply_all(client, deltas);
  EXPECT_EQ(client, world);
  EXPECT_EQ(client.size(), 3u);
}

TEST(DeltaTracker, OrdersByEntityThenComponentWithRemovalsLast) {
  auto schema = seed_schema();
  DeltaTracker tracker(schema);
  WorldState world(schema);
  set_position(world, 5, 0, 0, 0);
  set_position(world, 9, 0, 0, 0);
  tracker.diff(world, 1);
  world.remove_entity(5);
  set_velocity(world, 9, 1, 0, 0);
  set_position(world, 9, 1, 0, 0);
  set_position(world, 7, 1, 0, 0);
  set_velocity(world, 3, 1, 0, 0);
  set_position(world, 3, 1, 0, 0);
  const bool position_first = schema->index_of_name("position") < schema->index_of_name("velocity");
  const std::string a = position_first ? "position" : "velocity";
  const std::string b = position_first ? "velocity" : "position";
  const auto insert_or_update = [&](const std::string& name) {
    return name == "position" ? ComponentOp::kUpdate : ComponentOp::kInsert;
  };
  EXPECT_EQ(ops(tracker.diff(world, 2), *schema),
            (std::vector<Op>{{3, a, ComponentOp::kInsert},
                             {3, b, ComponentOp::kInsert},
                             {7, "position", ComponentOp::kInsert},
                             {9, a, insert_or_update(a)},
                             {9, b, insert_or_update(b)},
                             {5, "position", ComponentOp::kRemove}}));
}

TEST(DeltaTracker, SnapshotThenDeltasConverge) {
  auto host = testing::reference_world(60, 4);
  auto chunks = WorldSnapshotBuilder({.max_chunk_payload = 512}).build(host, 1, 100);
  WorldSnapshotAssembler assembler(host.schema_ptr());
  for (const auto& c : chunks) ASSERT_TRUE(assembler.add(c).ok());
  WorldState client = assembler.finish().value();
  ASSERT_EQ(client, host);

  DeltaTracker tracker(host.schema_ptr());
  tracker.reset_to(host);  // the snapshot carried the descriptors of its types
  reference::ReferenceAccess access(host.schema());
  access.set(host, 3, reference::Health{1, 20});
  access.set(host, 2, reference::PlayerState{true, true, false, false, 2, 0});  // new on 2
  host.remove_entity(10);
  auto deltas = tracker.diff(host, 101);
  EXPECT_EQ(descriptor_count(deltas), 0u);
  apply_all(client, deltas);
  EXPECT_EQ(client, host);
  EXPECT_TRUE(tracker.diff(host, 102).empty());

  // A fresh stream advertises on its first delta only.
  DeltaTracker fresh(host.schema_ptr());
  EXPECT_EQ(descriptor_count(fresh.diff(host, 1)), host.schema().size());
  access.set(host, 4, reference::Health{2, 20});
  EXPECT_EQ(descriptor_count(fresh.diff(host, 2)), 0u);
}

TEST(DeltaTracker, FiveFrameSequence) {
  // spawn -> nop -> update -> add component -> despawn
  auto schema = seed_schema();
  DeltaTracker tracker(schema);
  WorldState world(schema), client(schema);

  set_position(world, 1, 0, 0, 0);
  set_position(world, 2, 5, 5, 5);
  auto f1 = tracker.diff(world, 1);
  EXPECT_EQ(ops(f1, *schema), (std::vector<Op>{{1, "position", ComponentOp::kInsert},
                                               {2, "position", ComponentOp::kInsert}}));
  apply_all(client, f1);

  EXPECT_TRUE(tracker.diff(world, 2).empty());

  set_position(world, 1, 0.5, 0, 0);
  auto f3 = tracker.diff(world, 3);
  EXPECT_EQ(ops(f3, *schema), (std::vector<Op>{{1, "position", ComponentOp::kUpdate}}));
  apply_all(client, f3);

  set_velocity(world, 2, 0, -1, 0);
  auto f4 = tracker.diff(world, 4);
  EXPECT_EQ(ops(f4, *schema), (std::vector<Op>{{2, "velocity", ComponentOp::kInsert}}));
  EXPECT_EQ(descriptor_count(f4), 1u);
  apply_all(client, f4);

  world.remove_entity(2);
  auto f5 = tracker.diff(world, 5);
  const bool position_first = schema->index_of_name("position") < schema->index_of_name("velocity");
  EXPECT_EQ(ops(f5, *schema),
            (std::vector<Op>{{2, position_first ? "position" : "velocity", ComponentOp::kRemove},
                             {2, position_first ? "velocity" : "position", ComponentOp::kRemove}}));
  apply_all(client, f5);
  EXPECT_EQ(client, world);
  EXPECT_EQ(client.size(), 1u);
}

TEST(DeltaTracker, SplitsLargeChangeSetsAcrossMessages) {
  auto world = testing::reference_world(100, 6);
  DeltaTracker tracker(world.schema_ptr(), {.max_entries_per_message = 64});
  auto deltas = tracker.diff(world, 1);
  ASSERT_EQ(deltas.size(), (100u * 3 + 25 + 63) / 64);
  WorldState client(world.schema_ptr());
  apply_all(client, deltas);
  EXPECT_EQ(client, world);
}

TEST(DeltaTracker, ApplyIsAllOrNothing) {
  auto world = testing::reference_world(10, 2);
  DeltaTracker tracker(world.schema_ptr());
  WorldState client(world.schema_ptr());
  apply_all(client, tracker.diff(world, 1));
  const WorldState before = client;
  reference::ReferenceAccess access(world.schema());
  access.set(world, 1, reference::Health{3, 20});
  access.set(world, 2, reference::Health{4, 20});
  auto delta = tracker.diff(world, 2).at(0);

  auto bad_payload = delta;
  bad_payload.entries[1].payload.push_back(0);
  EXPECT_EQ(apply_component_delta(client, bad_payload).error().code, ErrorCode::kCorrupt);
  auto out_of_order = delta;
  std::swap(out_of_order.entries[0], out_of_order.entries[1]);
  EXPECT_EQ(apply_component_delta(client, out_of_order).error().code, ErrorCode::kCorrupt);
  auto insert_present = delta;
  insert_present.entries[1].op = ComponentOp::kInsert;
  EXPECT_EQ(apply_component_delta(client, insert_present).error().code, ErrorCode::kCorrupt);
  auto unknown = delta;
  unknown.entries[1].component = 42;
  EXPECT_EQ(apply_component_delta(client, unknown).error().code, ErrorCode::kCorrupt);
  auto bad_descriptor = delta;
  bad_descriptor.descriptors.push_back(testing::position_type().descriptor());
  EXPECT_EQ(apply_component_delta(client, bad_descriptor).error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(client, before);  // nothing of the rejected messages was applied

  ASSERT_TRUE(apply_component_delta(client, delta).ok());
  EXPECT_EQ(client, world);
}

}  // namespace
}  // namespace theta_net::replication
