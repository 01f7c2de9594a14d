// ReplicationClient: the client side of ReplicationHost, sans-I/O. It takes the messages of the
// entities and replication lanes and keeps the two replicated states; its acknowledgement
// (ack_tick) goes into every InputBundle as last_server_tick, and take_outgoing() yields the
// ClientReady answers to snapshots.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "theta_net/protocol/messages.hpp"
#include "theta_net/replication/delta_tracker.hpp"
#include "theta_net/replication/entity_replica.hpp"
#include "theta_net/replication/world_snapshot.hpp"

namespace theta_net::replication {

class ReplicationClient {
 public:
  ReplicationClient(std::shared_ptr<const Schema> entity_schema,
                    std::shared_ptr<const Schema> record_schema, EntityCodecLimits limits = {},
                    SnapshotLimits snapshot_limits = {});

  // EntityDelta, SyncProgress, WorldSnapshotChunk or ComponentDelta. An error leaves both
  // states as they were (an entity delta whose baseline is gone is kState: the next one heals).
  // Errors: for an EntityDelta those of EntityReplica::apply; for a WorldSnapshotChunk those of
  // WorldSnapshotAssembler::add and finish; for a ComponentDelta kState (it arrived before its
  // snapshot completed) and those of apply_component_delta; kInvalidArgument (any other
  // message).
  Status on_message(const protocol::AnyMessage& message);

  const WorldState& entities() const { return replica_.state(); }
  const WorldState& records() const { return records_; }
  std::uint32_t ack_tick() const { return replica_.ack_tick(); }
  bool synced() const { return synced_; }
  const EntityReplica& replica() const { return replica_; }
  std::vector<protocol::AnyMessage> take_outgoing() { return std::move(outgoing_); }

 private:
  void finish_snapshot(std::uint32_t id, std::uint32_t tick, WorldState records);

  std::shared_ptr<const Schema> record_schema_;
  SnapshotLimits snapshot_limits_;
  EntityReplica replica_;
  WorldState records_;
  bool synced_ = false;
  std::optional<WorldSnapshotAssembler> assembler_;
  std::uint32_t snapshot_id_ = 0;
  std::vector<protocol::AnyMessage> outgoing_;
};

}  // namespace theta_net::replication
