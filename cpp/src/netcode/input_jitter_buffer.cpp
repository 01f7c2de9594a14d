#include "theta_net/netcode/input_jitter_buffer.hpp"

namespace theta_net::netcode {

protocol::InputFrame InputJitterBuffer::take(std::uint32_t tick) {
  if (auto own = queue_.take(tick)) {
    last_ = std::move(*own);
    return last_;
  }
  protocol::InputFrame repeat = last_;
  repeat.tick = tick;
  repeat.block.reset();  // a repeated click would place or break a second block
  repeat.inventory.reset();
  return repeat;
}

}  // namespace theta_net::netcode
