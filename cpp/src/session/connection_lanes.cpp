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
    // Not the assets lane: assets are mostly compressed already (textures, meshes, archives),
    // and zstd over every chunk would cost the bulk path CPU for next to nothing.
    options.compress =
        compression && lane_is_reliable(writer.lane()) && writer.lane() != LaneId::kAssets;
    writer.set_options(options);
  }
}

Status ConnectionLanes::queue(const AnyMessage& message) {
  // Encoded here rather than in LaneWriter::add so the body's size is known for the counters.
  const MessageType type = type_of(message);
  EncodedMessage encoded{static_cast<std::uint16_t>(type), {}};
  THETA_TRY(encode_body(message, encoded.body, minor_));
  return queue_encoded(std::move(encoded));
}

Status ConnectionLanes::queue_encoded(EncodedMessage message) {
  const auto type = message_type_from_id(message.type);
  if (!type) return make_error(ErrorCode::kInvalidArgument, "unknown message type ", message.type);
  const std::size_t bytes = message.body.size();
  THETA_TRY(writers_[static_cast<std::size_t>(lane_of(*type))].add_encoded(std::move(message)));
  MessageTypeStats& counted = by_type_[static_cast<std::size_t>(*type)];
  ++counted.messages_sent;
  counted.bytes_sent += bytes;
  return {};
}

void ConnectionLanes::flush(TransmitQueue& out, transport::ConnectionId conn) {
  for (LaneWriter& writer : writers_) {
    const auto lane = static_cast<transport::Lane>(writer.lane());
    for (Bytes& frame : writer.flush()) out.send(conn, lane, std::move(frame));
  }
}

Result<std::vector<AnyMessage>> ConnectionLanes::receive(LaneId lane, ByteSpan frame) {
  LaneReader& reader = readers_[static_cast<std::size_t>(lane)];
  auto messages = reader.read(frame);
  if (!messages.ok()) return messages;
  const std::vector<std::uint32_t>& sizes = reader.last_body_sizes();
  for (std::size_t i = 0; i < messages->size(); ++i) {
    MessageTypeStats& counted = by_type_[static_cast<std::size_t>(type_of((*messages)[i]))];
    ++counted.messages_received;
    counted.bytes_received += i < sizes.size() ? sizes[i] : 0;
  }
  return messages;
}

const LaneReaderStats& ConnectionLanes::reader_stats(LaneId lane) const {
  return readers_[static_cast<std::size_t>(lane)].stats();
}

}  // namespace theta_net::session
