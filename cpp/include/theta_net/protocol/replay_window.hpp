// Replay protection for frame sequence numbers (docs/protocol.md, "Sequence numbers").
// Reliable lanes must deliver frames with consecutive sequence numbers: an older one is a
// duplicate, a jump ahead means frames were lost where loss is impossible. Datagram lanes accept
// any frame newer than the last 64 seen and reject repeats and frames older than that window,
// in the manner of IPsec's anti-replay window (RFC 4303, 3.4.3). Comparisons use serial-number
// arithmetic (RFC 1982), so a sequence wrapping past 2^32 keeps working.
#pragma once

#include <cstdint>

namespace theta_net::protocol {

enum class SequenceVerdict { kAccept, kDuplicate, kStale, kGap };

// True when a is after b in serial-number order.
constexpr bool sequence_after(std::uint32_t a, std::uint32_t b) {
  return a != b && static_cast<std::int32_t>(a - b) > 0;
}

class ReliableSequence {
 public:
  SequenceVerdict check(std::uint32_t seq) const;
  void accept() { ++expected_; }
  std::uint32_t expected() const { return expected_; }

 private:
  std::uint32_t expected_ = 0;
};

class DatagramWindow {
 public:
  static constexpr std::uint32_t kWindow = 64;

  SequenceVerdict check(std::uint32_t seq) const;
  // Records seq as seen; call only after check() accepted it and the frame decoded.
  void accept(std::uint32_t seq);

 private:
  bool started_ = false;
  std::uint32_t highest_ = 0;
  std::uint64_t seen_ = 0;  // bit i: highest_ - i was seen
};

}  // namespace theta_net::protocol
