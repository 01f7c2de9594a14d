#include "theta_net/protocol/replay_window.hpp"

namespace theta_net::protocol {

SequenceVerdict ReliableSequence::check(std::uint32_t seq) const {
  if (seq == expected_) return SequenceVerdict::kAccept;
  return sequence_after(seq, expected_) ? SequenceVerdict::kGap : SequenceVerdict::kDuplicate;
}

SequenceVerdict DatagramWindow::check(std::uint32_t seq) const {
  if (!started_ || sequence_after(seq, highest_)) return SequenceVerdict::kAccept;
  const std::uint32_t age = highest_ - seq;
  if (age >= kWindow) return SequenceVerdict::kStale;
  return (seen_ >> age) & 1u ? SequenceVerdict::kDuplicate : SequenceVerdict::kAccept;
}

void DatagramWindow::accept(std::uint32_t seq) {
  if (!started_) {
    started_ = true;
    highest_ = seq;
    seen_ = 1;
    return;
  }
  if (sequence_after(seq, highest_)) {
    const std::uint32_t shift = seq - highest_;
    seen_ = shift >= kWindow ? 1 : (seen_ << shift) | 1;
    highest_ = seq;
  } else {
    seen_ |= std::uint64_t{1} << (highest_ - seq);
  }
}

}  // namespace theta_net::protocol
