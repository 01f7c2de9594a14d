#include "theta_net/replication/replication_client.hpp"

#include <utility>

namespace theta_net::replication {

ReplicationClient::ReplicationClient(std::shared_ptr<const Schema> entity_schema,
                                     std::shared_ptr<const Schema> record_schema,
                                     EntityCodecLimits limits, SnapshotLimits snapshot_limits)
    : record_schema_(std::move(record_schema)),
      snapshot_limits_(snapshot_limits),
      replica_(std::move(entity_schema), kDefaultBaselineHistory, limits),
      records_(record_schema_) {}

void ReplicationClient::finish_snapshot(std::uint32_t id, std::uint32_t tick, WorldState records) {
  records_ = std::move(records);
  synced_ = true;
  assembler_.reset();
  outgoing_.push_back(protocol::ClientReady{id, tick});
}

Status ReplicationClient::on_message(const protocol::AnyMessage& message) {
  if (const auto* delta = std::get_if<protocol::EntityDelta>(&message)) {
    auto applied = replica_.apply(*delta);
    if (!applied.ok()) return std::move(applied).error();
    return {};
  }
  if (const auto* announce = std::get_if<protocol::SyncProgress>(&message)) {
    // A new snapshot replaces whatever was being assembled.
    snapshot_id_ = announce->snapshot_id;
    assembler_.emplace(record_schema_, snapshot_limits_);
    if (announce->total == 0) finish_snapshot(snapshot_id_, 0, WorldState(record_schema_));
    return {};
  }
  if (const auto* chunk = std::get_if<protocol::WorldSnapshotChunk>(&message)) {
    if (!assembler_ || chunk->snapshot_id != snapshot_id_) {
      snapshot_id_ = chunk->snapshot_id;
      assembler_.emplace(record_schema_, snapshot_limits_);
    }
    THETA_TRY(assembler_->add(*chunk));
    if (assembler_->complete()) {
      THETA_TRY_ASSIGN(auto world, assembler_->finish());
      finish_snapshot(chunk->snapshot_id, chunk->server_tick, std::move(world));
    }
    return {};
  }
  if (const auto* delta = std::get_if<protocol::ComponentDelta>(&message)) {
    if (!synced_ || assembler_) {
      return make_error(ErrorCode::kState, "component delta before its snapshot");
    }
    return apply_component_delta(records_, *delta);
  }
  return make_error(ErrorCode::kInvalidArgument, "replication client does not take this message");
}

}  // namespace theta_net::replication
