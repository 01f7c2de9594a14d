// Fuzzes the replication decoders that read what a peer sent: the entity delta bitstream
// (EntityCodec::decode against a baseline), component layouts (ComponentDescriptor.layout) and
// component payloads (snapshots and ComponentDelta entries). Each must reject bad input with an
// error, never read out of bounds or allocate without bound, and whatever it accepts must be
// valid: every code in its field's range, and the accepted state must survive a re-encode.
//
// Input: byte 0 picks the target and baseline, the rest is the data.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "theta_net/core/rng.hpp"
#include "theta_net/replication/component_codec.hpp"
#include "theta_net/replication/entity_codec.hpp"
#include "theta_net/replication/reference_components.hpp"

namespace {

using namespace theta_net;
using namespace theta_net::replication;

std::shared_ptr<const Schema> mixed_schema() {
  using F = FieldDescriptor;
  static const auto schema =
      Schema::make(
          {ComponentType::make("body", {F::position("x", -256, 256, 9), F::position("z", 0, 32, 9),
                                        F::quaternion("q", 9), F::boolean("awake")})
               .value(),
           ComponentType::make("look", {F::angle("yaw"), F::angle("pitch", 16)}).value(),
           ComponentType::make(
               "wide", {F::integer("big", -(std::int64_t{1} << 61), (std::int64_t{1} << 61) - 1),
                        F::integer("pair", 7, 8)})
               .value(),
           reference::velocity_type(), reference::health_type()})
          .value();
  return schema;
}

// Baselines: empty, a reference-schema world, a mixed-schema world.
const WorldState& baseline(int which) {
  static const WorldState empty_ref(reference::schema());
  static const WorldState empty_mixed(mixed_schema());
  static const WorldState ref = [] {
    WorldState w(reference::schema());
    reference::ReferenceAccess access(w.schema());
    Rng rng(1);
    for (EntityId id = 1; id <= 40; id += 1 + rng.uniform(3)) {
      access.set(w, id,
                 reference::Transform{Fx::from_raw(rng.uniform_int(-(1 << 22), 1 << 22)),
                                      Fx::from_int(64), Fx::from_raw(rng.uniform_int(0, 1 << 22)),
                                      static_cast<std::int32_t>(rng.uniform(65536)), 0});
      if (id % 3) access.set(w, id, reference::Health{7, 20});
    }
    return w;
  }();
  static const WorldState mixed = [] {
    WorldState w(mixed_schema());
    Rng rng(2);
    for (EntityId id = 5; id <= 60; id += 1 + rng.uniform(4)) {
      for (std::size_t k = 0; k < w.schema().size(); ++k) {
        if (rng.chance(0.5)) continue;
        const ComponentType& t = w.schema().type(k);
        std::vector<std::int64_t> codes(static_cast<std::size_t>(t.slots()));
        for (std::size_t f = 0; f < t.fields().size(); ++f) {
          const auto& fd = t.fields()[f];
          codes[static_cast<std::size_t>(t.slot_of(f))] =
              fd.kind == FieldKind::kQuaternion ? 3 : rng.uniform_int(fd.code_min(), fd.code_max());
        }
        (void)w.set_codes(id, k, codes);
      }
    }
    return w;
  }();
  switch (which) {
    case 0:
      return empty_ref;
    case 1:
      return ref;
    case 2:
      return empty_mixed;
    default:
      return mixed;
  }
}

void check_valid(const WorldState& w) {
  for (std::size_t i = 0; i < w.size(); ++i) {
    if (i > 0 && w.id(i - 1) >= w.id(i)) std::abort();  // ids strictly increasing
    for (std::size_t k = 0; k < w.schema().size(); ++k) {
      const auto codes = w.codes(i, k);
      if (!(w.mask(i) >> k & 1)) {
        for (std::int64_t c : codes) {
          if (c != 0) std::abort();  // absent components hold zeros
        }
        continue;
      }
      if (!w.schema().type(k).check_codes(codes).ok()) std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const ByteSpan input(data + 1, size - 1);
  const int target = data[0] % 6;
  if (target < 4) {
    const WorldState& base = baseline(target);
    EntityCodec codec(base.schema_ptr(), {.max_entities = 4096});
    auto decoded = codec.decode(base, input);
    if (!decoded.ok()) return 0;
    check_valid(*decoded);
    if (decoded->size() > 4096) std::abort();
    // An accepted state is an ordinary state: it codes and decodes back to itself.
    auto again = codec.decode(base, codec.encode(base, *decoded));
    if (!again.ok() || !(*again == *decoded)) std::abort();
    return 0;
  }
  if (target == 4) {
    auto fields = decode_layout(input);
    if (!fields.ok()) return 0;
    auto type = ComponentType::make("fuzz", *fields);
    if (type.ok() && type->layout() != Bytes(input.begin(), input.end())) std::abort();
    return 0;
  }
  // Component payloads of every type of the mixed schema.
  const Schema& schema = *mixed_schema();
  for (const auto& type : schema.types()) {
    std::vector<std::int64_t> codes(static_cast<std::size_t>(type.slots()));
    if (!decode_component(type, input, codes).ok()) continue;
    if (!type.check_codes(codes).ok()) std::abort();
    Bytes again;
    encode_component(type, codes, again);
    if (again != Bytes(input.begin(), input.end())) std::abort();  // one encoding per value
  }
  return 0;
}
