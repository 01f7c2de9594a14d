// Messages <-> frames on one lane of one connection: LaneWriter batches (and, where negotiated,
// compresses) outgoing messages into frames that fit the lane; LaneReader checks each incoming
// frame's envelope and sequence number and returns all of its messages or none.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "theta_net/core/byte_io.hpp"
#include "theta_net/core/result.hpp"
#include "theta_net/protocol/frame.hpp"
#include "theta_net/protocol/frame_messages.hpp"
#include "theta_net/protocol/messages.hpp"
#include "theta_net/protocol/replay_window.hpp"

namespace theta_net::protocol {

// Reliable lanes carry ordered streams; input and entities are datagram lanes.
constexpr bool lane_is_reliable(LaneId lane) {
  return lane != LaneId::kInput && lane != LaneId::kEntities;
}
// Whether a reliable lane's frames arrive in the order sent. The assets lane's do not: each of
// its frames travels on a QUIC stream of its own (so one large transfer never holds up another),
// and streams overtake each other.
constexpr bool lane_is_ordered(LaneId lane) {
  return lane_is_reliable(lane) && lane != LaneId::kAssets;
}

struct LaneWriterOptions {
  std::size_t batch_frame_bytes = 64u << 10;  // messages are batched into frames up to this size
  std::size_t max_frame_bytes = 16u << 20;    // no frame is larger (datagram lanes: 1,149 bytes)
  bool compress = false;                      // only where the session negotiated compression
  std::size_t compress_min_bytes = 512;       // smaller bodies rarely shrink enough to pay for it
  int zstd_level = 3;
  std::uint16_t minor = kProtocolMinor;  // the negotiated minor version
};

class LaneWriter {
 public:
  LaneWriter(LaneId lane, LaneWriterOptions options);
  // Options for a lane with the defaults right for it (datagram lanes get the datagram limit).
  static LaneWriterOptions defaults_for(LaneId lane);

  // Queues a message; a full frame is closed first. A message that cannot fit a frame of this
  // lane, or that belongs to another lane, is an error and nothing is queued.
  // Errors: kInvalidArgument (a message of another lane), those of encode_body at the lane's
  // minor version, and those of add_encoded.
  Status add(const AnyMessage& message);
  // The same for a message encoded already (by encode_body for this lane's minor version).
  // Errors: kInvalidArgument (an unknown message type or one of another lane), kLimitExceeded
  // (the message alone needs a frame over max_frame_bytes).
  Status add_encoded(EncodedMessage message);
  // Closes the pending batch and returns every frame built since the last call.
  std::vector<Bytes> flush();

  std::uint32_t next_sequence() const { return sequence_; }
  LaneId lane() const { return lane_; }
  const LaneWriterOptions& options() const { return options_; }
  // New options for frames closed from now on (the sequence continues): negotiation changes the
  // minor version and compression once the handshake is done.
  void set_options(LaneWriterOptions options) { options_ = options; }

 private:
  void close_frame();
  // The error for a message of `type` offered to this lane.
  // Errors: kInvalidArgument (always).
  Status wrong_lane(MessageType type) const;

  LaneId lane_;
  LaneWriterOptions options_;
  std::uint32_t sequence_ = 0;
  std::vector<EncodedMessage> pending_;
  std::size_t pending_bytes_ = 0;  // batch entries' size if the frame closed now
  std::vector<Bytes> frames_;
};

struct LaneReaderStats {
  std::uint64_t frames = 0;
  std::uint64_t messages = 0;
  std::uint64_t duplicates = 0;  // rejected: already seen
  std::uint64_t stale = 0;       // rejected: older than the replay window
  std::uint64_t corrupt = 0;     // rejected: bad envelope, CRC, body or lane
};

class LaneReader {
 public:
  LaneReader(LaneId lane, FrameLimits limits = {}, std::uint8_t version = kProtocolMajor);

  // Decodes one frame. kRejected is a frame to drop and carry on from; any other error is a
  // frame that breaks the protocol (a reliable lane should close).
  // Errors: kRejected (a duplicate frame, or one older than the replay window), kCorrupt (a
  // frame that skips ahead on a reliable lane), and those of read_frame and of
  // read_frame_messages for this lane.
  Result<std::vector<AnyMessage>> read(ByteSpan frame);

  const LaneReaderStats& stats() const { return stats_; }
  LaneId lane() const { return lane_; }
  // The body size of each message the last successful read() returned, in the same order.
  const std::vector<std::uint32_t>& last_body_sizes() const { return body_sizes_; }

 private:
  LaneId lane_;
  FrameLimits limits_;
  std::uint8_t version_;
  ReliableSequence reliable_;
  DatagramWindow window_;
  LaneReaderStats stats_;
  std::vector<std::uint32_t> body_sizes_;  // reused: no allocation per frame once grown
};

}  // namespace theta_net::protocol
