#include "theta_net/protocol/random_message.hpp"

#include <utility>

namespace theta_net::protocol {
namespace {

template <std::size_t... I>
AnyMessage random_by_index(std::size_t index, Rng& rng, const RandomMessageOptions& options,
                           std::index_sequence<I...>) {
  AnyMessage out;
  ((I == index ? (out = random_message<std::variant_alternative_t<I, AnyMessage>>(rng, options), 0)
               : 0),
   ...);
  return out;
}

template <std::size_t... I>
std::size_t index_of(MessageType type, std::index_sequence<I...>) {
  std::size_t index = 0;
  ((std::variant_alternative_t<I, AnyMessage>::kType == type ? (index = I, 0) : 0), ...);
  return index;
}

}  // namespace

AnyMessage random_message_of_type(MessageType type, Rng& rng, const RandomMessageOptions& options) {
  return random_any_message(
      index_of(type, std::make_index_sequence<std::variant_size_v<AnyMessage>>{}), rng, options);
}

AnyMessage random_any_message(std::size_t index, Rng& rng, const RandomMessageOptions& options) {
  return random_by_index(index % std::variant_size_v<AnyMessage>, rng, options,
                         std::make_index_sequence<std::variant_size_v<AnyMessage>>{});
}

}  // namespace theta_net::protocol
