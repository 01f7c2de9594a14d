#include "theta_net/protocol/frame_messages.hpp"
#include "theta_net/protocol/lane_codec.hpp"

namespace theta_net::protocol {

LaneReader::LaneReader(LaneId lane, FrameLimits limits, std::uint8_t version)
    : lane_(lane), limits_(limits), version_(version) {}

Result<std::vector<AnyMessage>> LaneReader::read(ByteSpan data) {
  auto frame = read_frame(data, version_, limits_);
  if (!frame.ok()) {
    ++stats_.corrupt;
    return std::move(frame).error();
  }
  const std::uint32_t seq = frame->header.sequence;
  // An unordered reliable lane (assets) has no order to check, and QUIC already refuses
  // replayed packets; each frame there is taken as it comes.
  const SequenceVerdict verdict = !lane_is_reliable(lane_) ? window_.check(seq)
                                  : lane_is_ordered(lane_) ? reliable_.check(seq)
                                                           : SequenceVerdict::kAccept;
  switch (verdict) {
    case SequenceVerdict::kAccept:
      break;
    case SequenceVerdict::kDuplicate:
      ++stats_.duplicates;
      return make_error(ErrorCode::kRejected, "duplicate frame ", seq, " on lane ",
                        static_cast<unsigned>(lane_));
    case SequenceVerdict::kStale:
      ++stats_.stale;
      return make_error(ErrorCode::kRejected, "stale frame ", seq, " on lane ",
                        static_cast<unsigned>(lane_), ": older than the replay window");
    case SequenceVerdict::kGap:
      ++stats_.corrupt;
      return make_error(ErrorCode::kCorrupt, "frame ", seq, " on reliable lane ",
                        static_cast<unsigned>(lane_), " skips ahead of ", reliable_.expected());
  }
  auto messages = read_frame_messages(*frame, limits_, lane_, &body_sizes_);
  if (!messages.ok()) {
    ++stats_.corrupt;
    return messages;
  }
  // Only a frame that decoded whole advances the sequence state.
  if (!lane_is_reliable(lane_)) {
    window_.accept(seq);
  } else if (lane_is_ordered(lane_)) {
    reliable_.accept();
  }
  ++stats_.frames;
  stats_.messages += messages->size();
  return messages;
}

}  // namespace theta_net::protocol
