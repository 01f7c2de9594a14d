#include "theta_net/replication/component_codec.hpp"

#include "theta_net/core/bit_io.hpp"

namespace theta_net::replication {

std::size_t component_payload_size(const ComponentType& type) {
  return (static_cast<std::size_t>(type.payload_bits()) + 7) / 8;
}

void encode_component(const ComponentType& type, std::span<const std::int64_t> codes, Bytes& out) {
  BitWriter w(out);
  for (std::size_t f = 0; f < type.fields().size(); ++f) {
    const FieldDescriptor& field = type.fields()[f];
    const auto c = codes.subspan(static_cast<std::size_t>(type.slot_of(f)));
    if (field.kind == FieldKind::kQuaternion) {
      w.write(static_cast<std::uint64_t>(c[0]), 2);
      for (int i = 1; i < 4; ++i) w.write(static_cast<std::uint64_t>(c[i]), field.bits);
    } else {
      w.write(static_cast<std::uint64_t>(c[0]) - static_cast<std::uint64_t>(field.code_min()),
              static_cast<unsigned>(field.code_bits()));
    }
  }
  w.finish();
}

Status decode_component(const ComponentType& type, ByteSpan payload,
                        std::span<std::int64_t> codes) {
  if (payload.size() != component_payload_size(type)) {
    return make_error(ErrorCode::kCorrupt, "component '", type.name(), "' payload is ",
                      payload.size(), " bytes, expected ", component_payload_size(type));
  }
  BitReader r(payload);
  for (std::size_t f = 0; f < type.fields().size(); ++f) {
    const FieldDescriptor& field = type.fields()[f];
    auto c = codes.subspan(static_cast<std::size_t>(type.slot_of(f)));
    if (field.kind == FieldKind::kQuaternion) {
      THETA_TRY_ASSIGN(auto largest, r.read(2, "quaternion index"));
      c[0] = static_cast<std::int64_t>(largest);
      for (int i = 1; i < 4; ++i) {
        THETA_TRY_ASSIGN(auto v, r.read(static_cast<unsigned>(field.bits), "quaternion part"));
        c[i] = static_cast<std::int64_t>(v);
      }
    } else {
      THETA_TRY_ASSIGN(auto v, r.read(static_cast<unsigned>(field.code_bits()), "field code"));
      c[0] = static_cast<std::int64_t>(v + static_cast<std::uint64_t>(field.code_min()));
    }
  }
  const std::size_t padding = r.bits_remaining();
  THETA_TRY_ASSIGN(auto pad, r.read(static_cast<unsigned>(padding), "padding"));
  if (pad != 0) {
    return make_error(ErrorCode::kCorrupt, "component '", type.name(),
                      "' payload has non-zero padding bits");
  }
  return type.check_codes(codes.first(static_cast<std::size_t>(type.slots())));
}

}  // namespace theta_net::replication
