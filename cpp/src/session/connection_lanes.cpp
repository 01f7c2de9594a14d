#include "theta_net/session/connection_lanes.hpp"

#include "theta_net/protocol/message_codec.hpp"

namespace theta_net::session {

using namespace protocol;

ConnectionLanes::ConnectionLanes() {
  for (std::size_t i = 0; i < transport::kLaneCount; ++i) {
    const auto lane = static_cast<LaneId>(i);
    writers_.emplace_back(lane, LaneWriter::defaults_for(lane));
    readers_.emplace_back(lane);
  }
}

void ConnectionLanes::negotiate(std::uint16_t minor, bool compression) {
  minor_ = minor;
  for (LaneWriter& writer : writers_) {
    LaneWriterOptions options = writer.options();
    options.minor = minor;
    options.compress = compression && lane_is_reliable(writer.lane());
    writer.set_options(options);
  }
}

Status ConnectionLanes::queue(const AnyMessage& message) {
  return writers_[static_cast<std::size_t>(lane_of(type_of(message)))].add(message);
}

Status ConnectionLanes::queue_encoded(EncodedMessage message) {
  const auto type = message_type_from_id(message.type);
  if (!type) return make_error(ErrorCode::kInvalidArgument, "unknown message type ", message.type);
  return writers_[static_cast<std::size_t>(lane_of(*type))].add_encoded(std::move(message));
}

void ConnectionLanes::flush(TransmitQueue& out, transport::ConnectionId conn) {
  for (LaneWriter& writer : writers_) {
    const auto lane = static_cast<transport::Lane>(writer.lane());
    for (Bytes& frame : writer.flush()) out.send(conn, lane, std::move(frame));
  }
}

Result<std::vector<AnyMessage>> ConnectionLanes::receive(LaneId lane, ByteSpan frame) {
  return readers_[static_cast<std::size_t>(lane)].read(frame);
}

const LaneReaderStats& ConnectionLanes::reader_stats(LaneId lane) const {
  return readers_[static_cast<std::size_t>(lane)].stats();
}

}  // namespace theta_net::session
