#include "theta_net/data/state_hash.hpp"

#include "theta_net/core/siphash.hpp"

namespace theta_net::data {

std::uint64_t entity_record_hash(ByteSpan record) {
  return siphash24(SipKey{0, 0}, record);
}

}  // namespace theta_net::data
