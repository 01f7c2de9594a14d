#include "theta_net/netcode/input_buffer.hpp"

#include "theta_net/netcode/input_codec.hpp"

namespace theta_net::netcode {

InputBuffer::InputBuffer(InputSchema schema, std::uint32_t horizon_ticks)
    : schema_(std::move(schema)),
      queue_(horizon_ticks),
      applied_(kAppliedHistory),
      current_(schema_.default_codes()) {}

std::optional<std::span<const std::int64_t>> InputBuffer::held(std::uint32_t tick) const {
  if (const auto* pending = queue_.pending(tick)) return std::span(*pending);
  const Applied& a = applied_[tick % kAppliedHistory];
  if (a.used && a.tick == tick) return std::span(a.codes);
  return std::nullopt;
}

void InputBuffer::add(std::uint32_t tick, std::span<const std::int64_t> codes,
                      std::uint32_t next_tick) {
  queue_.add(tick, next_tick, codes.begin(), codes.end());
}

Status InputBuffer::add_bundle(ByteSpan payload, std::uint32_t next_tick) {
  THETA_TRY_ASSIGN(auto header, read_input_bundle_header(payload));
  std::span<const std::int64_t> baseline;
  if (header.against_previous) {
    auto held_input = held(header.first_tick - 1);
    if (!held_input) {
      return make_error(ErrorCode::kState, "the bundle is coded against the input for tick ",
                        header.first_tick - 1, ", which this server does not hold");
    }
    baseline = *held_input;
  }
  THETA_TRY_ASSIGN(auto decoded, decode_input_bundle(schema_, payload, baseline));
  const std::size_t slots = schema_.slots();
  for (std::uint32_t i = 0; i < header.count; ++i) {
    add(header.first_tick + i, std::span(decoded.rows).subspan(i * slots, slots), next_tick);
  }
  return {};
}

std::span<const std::int64_t> InputBuffer::take(std::uint32_t tick) {
  if (auto own = queue_.take(tick)) {
    current_ = std::move(*own);
    Applied& a = applied_[tick % kAppliedHistory];
    a.tick = tick;
    a.used = true;
    a.codes = current_;
    last_applied_tick_ = tick;
    return current_;
  }
  // Starved: the last input again, without what must happen once (a repeated click would fire
  // or build twice).
  std::vector<std::int64_t> repeat(current_.size());
  schema_.repeat_of(current_, repeat);
  current_ = std::move(repeat);
  return current_;
}

}  // namespace theta_net::netcode
