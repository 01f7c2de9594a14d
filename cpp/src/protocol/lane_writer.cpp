#include "theta_net/core/varint.hpp"
#include "theta_net/protocol/lane_codec.hpp"
#include "theta_net/protocol/message_codec.hpp"

namespace theta_net::protocol {

LaneWriter::LaneWriter(LaneId lane, LaneWriterOptions options) : lane_(lane), options_(options) {}

LaneWriterOptions LaneWriter::defaults_for(LaneId lane) {
  LaneWriterOptions options;
  if (!lane_is_reliable(lane)) {
    options.batch_frame_bytes = kMaxDatagramFrameBytes;
    options.max_frame_bytes = kMaxDatagramFrameBytes;
  }
  return options;
}

namespace {

std::size_t batch_entry_size(std::uint16_t type, std::size_t body) {
  return varint_size(type) + varint_size(body) + body;
}

std::size_t frame_size(std::uint16_t type, std::uint32_t sequence, std::size_t body) {
  return frame_overhead(type, sequence, body) + body;
}

}  // namespace

Status LaneWriter::add(const AnyMessage& message) {
  const MessageType type = type_of(message);
  if (lane_of(type) != lane_) return wrong_lane(type);
  EncodedMessage encoded{static_cast<std::uint16_t>(type), {}};
  THETA_TRY(encode_body(message, encoded.body, options_.minor));
  return add_encoded(std::move(encoded));
}

Status LaneWriter::wrong_lane(MessageType type) const {
  return make_error(ErrorCode::kInvalidArgument, message_name(type), " travels on lane ",
                    static_cast<unsigned>(lane_of(type)), ", not on lane ",
                    static_cast<unsigned>(lane_));
}

Status LaneWriter::add_encoded(EncodedMessage message) {
  const auto type = message_type_from_id(message.type);
  if (!type) return make_error(ErrorCode::kInvalidArgument, "unknown message type ", message.type);
  if (lane_of(*type) != lane_) return wrong_lane(*type);
  const std::size_t alone = frame_size(message.type, sequence_, message.body.size());
  if (alone > options_.max_frame_bytes) {
    return make_error(ErrorCode::kLimitExceeded, message_name(*type), " of ", message.body.size(),
                      " bytes needs a ", alone, "-byte frame, over this lane's limit of ",
                      options_.max_frame_bytes);
  }
  if (!pending_.empty()) {
    const std::size_t count = pending_.size() + 1;
    const std::size_t body_bytes =
        varint_size(count) + pending_bytes_ + batch_entry_size(message.type, message.body.size());
    if (frame_size(kBatchType, sequence_, body_bytes) > options_.batch_frame_bytes) close_frame();
  }
  pending_bytes_ += batch_entry_size(message.type, message.body.size());
  pending_.push_back(std::move(message));
  // A message as large as a whole batch frame goes out on its own right away.
  if (alone >= options_.batch_frame_bytes) close_frame();
  return {};
}

void LaneWriter::close_frame() {
  if (pending_.empty()) return;
  FrameCompression compression;
  compression.enabled = options_.compress;
  compression.min_bytes = options_.compress_min_bytes;
  compression.level = options_.zstd_level;
  Bytes frame;
  write_message_frame(pending_, sequence_++, compression, frame);
  frames_.push_back(std::move(frame));
  pending_.clear();
  pending_bytes_ = 0;
}

std::vector<Bytes> LaneWriter::flush() {
  close_frame();
  return std::exchange(frames_, {});
}

}  // namespace theta_net::protocol
