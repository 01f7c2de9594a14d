#include "theta_net/protocol/frame_messages.hpp"

#include "theta_net/core/varint.hpp"
#include "theta_net/protocol/message_codec.hpp"

namespace theta_net::protocol {

std::size_t message_frame_body_size(std::span<const EncodedMessage> messages) {
  if (messages.size() == 1) return messages[0].body.size();
  std::size_t size = varint_size(messages.size());
  for (const EncodedMessage& m : messages) {
    size += varint_size(m.type) + varint_size(m.body.size()) + m.body.size();
  }
  return size;
}

void write_message_frame(std::span<const EncodedMessage> messages, std::uint32_t sequence,
                         const FrameCompression& compression, Bytes& out) {
  FrameHeader header;
  header.version = static_cast<std::uint8_t>(kProtocolMajor);
  header.sequence = sequence;
  Bytes batch;
  ByteSpan body;
  if (messages.size() == 1) {
    header.type = messages[0].type;
    body = messages[0].body;
  } else {
    header.type = kBatchType;
    header.flags |= frame_flags::kBatch;
    batch.reserve(message_frame_body_size(messages));
    ByteWriter w(batch);
    write_varint(w, messages.size());
    for (const EncodedMessage& m : messages) {
      write_varint(w, m.type);
      write_varint(w, m.body.size());
      w.bytes(m.body);
    }
    body = batch;
  }
  std::optional<Bytes> compressed;
  if (compression.enabled && body.size() >= compression.min_bytes) {
    compressed = compress_body(body, compression.level);
    if (compressed) {
      header.flags |= frame_flags::kCompressed;
      body = *compressed;
    }
  }
  write_frame(header, body, out);
}

Result<std::vector<AnyMessage>> read_frame_messages(const Frame& frame, const FrameLimits& limits,
                                                    std::optional<LaneId> lane,
                                                    std::vector<std::uint32_t>* body_sizes) {
  if (body_sizes) body_sizes->clear();
  auto decode_one = [&](std::uint64_t type_id, ByteSpan body) -> Result<AnyMessage> {
    const auto type = type_id <= 0xffff ? message_type_from_id(static_cast<std::uint16_t>(type_id))
                                        : std::nullopt;
    if (!type) return make_error(ErrorCode::kCorrupt, "unknown message type ", type_id);
    if (!lane) lane = lane_of(*type);  // the first message fixes the frame's lane
    if (lane_of(*type) != *lane) {
      return make_error(ErrorCode::kCorrupt, message_name(*type), " arrived on lane ",
                        static_cast<unsigned>(*lane), " but travels on lane ",
                        static_cast<unsigned>(lane_of(*type)));
    }
    if (body_sizes) body_sizes->push_back(static_cast<std::uint32_t>(body.size()));
    return decode_body(*type, body);
  };

  std::vector<AnyMessage> out;
  if (!(frame.header.flags & frame_flags::kBatch)) {
    THETA_TRY_ASSIGN(AnyMessage message, decode_one(frame.header.type, frame.body()));
    out.push_back(std::move(message));
    return out;
  }
  ByteReader r(frame.body());
  THETA_TRY_ASSIGN(std::uint64_t count, read_varint(r, "batch count"));
  // An entry takes at least 3 bytes (type, length, a one-byte msgpack array).
  if (count == 0 || count > limits.max_batch_messages || count * 3 > r.remaining()) {
    return make_error(ErrorCode::kCorrupt, "batch declares ", count, " messages in ", r.remaining(),
                      " bytes (limit ", limits.max_batch_messages, ")");
  }
  out.reserve(count);
  for (std::uint64_t i = 0; i < count; ++i) {
    THETA_TRY_ASSIGN(std::uint64_t type, read_varint(r, "batch entry type"));
    THETA_TRY_ASSIGN(std::uint64_t length, read_varint(r, "batch entry length"));
    THETA_TRY_ASSIGN(ByteSpan body, r.bytes(length, "batch entry body"));
    auto message = decode_one(type, body);
    if (!message.ok()) {
      Error e = std::move(message).error();
      e.message = str_cat("batch entry ", i, ": ", e.message);
      return e;
    }
    out.push_back(std::move(*message));
  }
  if (!r.empty()) {
    return make_error(ErrorCode::kCorrupt, "batch has ", r.remaining(), " bytes after its ", count,
                      " messages");
  }
  return out;
}

}  // namespace theta_net::protocol
