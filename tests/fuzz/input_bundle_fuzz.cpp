// Fuzzes the decoder of delta-coded input bundles (netcode/input_codec.hpp) and the server's
// InputBuffer that feeds on them. Whatever arrives must be refused with an error or accepted
// whole; an accepted bundle holds only codes inside their fields' ranges, encodes again into a
// bundle that decodes to the same inputs, and the buffer hands every tick an input of the
// schema's length.
//
// Input: byte 0 picks the schema (bits 0-1) and whether a baseline is offered (bit 2); the rest
// is the payload.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "theta_net/core/fixed_point.hpp"
#include "theta_net/netcode/input_buffer.hpp"
#include "theta_net/netcode/input_codec.hpp"

namespace {

using namespace theta_net;
using namespace theta_net::netcode;
using replication::FieldDescriptor;

const InputSchema& schema(int which) {
  static const InputSchema shooter =
      InputSchema::make("shooter", {{FieldDescriptor::integer("buttons", 0, 15)},
                                    {FieldDescriptor::fixed("move_x", 8, -Fx::kOne, Fx::kOne)},
                                    {FieldDescriptor::angle("aim", 12)},
                                    {FieldDescriptor::integer("weapon", 0, 5)},
                                    {FieldDescriptor::boolean("fire"), false}})
          .value();
  static const InputSchema wide =
      InputSchema::make(
          "wide",
          {{FieldDescriptor::integer("big", -(std::int64_t{1} << 61), (std::int64_t{1} << 61) - 1)},
           {FieldDescriptor::integer("edge", (std::int64_t{1} << 61) - 21,
                                     (std::int64_t{1} << 61) - 1)},
           {FieldDescriptor::angle("turn", 1)},
           {FieldDescriptor::angle("fine", 16)}})
          .value();
  static const InputSchema rotating =
      InputSchema::make("rotating", {{FieldDescriptor::quaternion("rot", 9)},
                                     {FieldDescriptor::boolean("a")},
                                     {FieldDescriptor::fixed("throttle", 4, 0, Fx::kOne * 4)}})
          .value();
  switch (which) {
    case 0:
      return shooter;
    case 1:
      return wide;
    default:
      return rotating;
  }
}

void check_accepted(const InputSchema& s, const DecodedInputBundle& d,
                    std::span<const std::int64_t> baseline) {
  const std::size_t slots = s.slots();
  if (d.rows.size() != d.header.count * slots) std::abort();
  for (std::size_t i = 0; i < d.header.count; ++i) {
    if (!s.type().check_codes(std::span(d.rows).subspan(i * slots, slots)).ok()) std::abort();
  }
  auto again =
      encode_input_bundle(s, d.header.first_tick, d.rows,
                          d.header.against_previous ? baseline : std::span<const std::int64_t>());
  if (!again.ok()) std::abort();
  auto back = decode_input_bundle(s, *again, baseline);
  if (!back.ok() || back->rows != d.rows) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const InputSchema& s = schema(data[0] & 3);
  const bool offer_baseline = data[0] & 4;
  const ByteSpan payload(data + 1, size - 1);
  const std::vector<std::int64_t> baseline = s.default_codes();
  auto decoded = decode_input_bundle(
      s, payload, offer_baseline ? std::span(baseline) : std::span<const std::int64_t>());
  if (decoded.ok()) check_accepted(s, *decoded, baseline);

  // The buffer: the bundle against whatever it holds (here: nothing but what it took).
  InputBuffer buffer(s, 64);
  const std::uint32_t next = decoded.ok() ? decoded->header.first_tick : 0;
  const bool added = buffer.add_bundle(payload, next).ok();
  if (added != (decoded.ok() && !decoded->header.against_previous)) std::abort();
  for (std::uint32_t t = next; t < next + 4 && t >= next; ++t) {
    if (buffer.take(t).size() != s.slots()) std::abort();
  }
  return 0;
}
