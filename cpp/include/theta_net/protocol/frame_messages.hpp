// Messages in and out of one frame, with no per-lane state: a single message is the frame's body,
// several go in a batch body, a large body may be zstd-compressed. LaneWriter and LaneReader add
// sizing, sequencing and replay protection on top; tools (Python, fuzzers) use these directly.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "theta_net/core/byte_io.hpp"
#include "theta_net/core/result.hpp"
#include "theta_net/protocol/frame.hpp"
#include "theta_net/protocol/messages.hpp"

namespace theta_net::protocol {

struct EncodedMessage {
  std::uint16_t type = 0;
  Bytes body;  // msgpack, from encode_body
};

struct FrameCompression {
  bool enabled = false;
  std::size_t min_bytes = 512;  // smaller bodies rarely shrink enough to pay for it
  int level = 3;
};

// Appends one frame holding `messages` (at least one).
void write_message_frame(std::span<const EncodedMessage> messages, std::uint32_t sequence,
                         const FrameCompression& compression, Bytes& out);

// Size of the batch body of `messages` (or of the single body when there is one).
std::size_t message_frame_body_size(std::span<const EncodedMessage> messages);

// Every message of a parsed frame, or an error naming the first bad one (then none). With `lane`,
// messages of other lanes are errors; without, the messages must all share one lane.
// Errors: kCorrupt (an unknown message type, a message of another lane, a batch count of zero,
// over max_batch_messages or more than its bytes can hold, bytes after the batch, a
// non-canonical varint), kTruncated (a batch entry ends early), kOverflow (a varint over 64
// bits), and those of decode_body.
// With `body_sizes`, it is cleared and given each message's body size (in frame order): what
// per-message-type byte counters take, without encoding anything again.
Result<std::vector<AnyMessage>> read_frame_messages(
    const Frame& frame, const FrameLimits& limits, std::optional<LaneId> lane = std::nullopt,
    std::vector<std::uint32_t>* body_sizes = nullptr);

}  // namespace theta_net::protocol
