#include "theta_net/replication/component_codec.hpp"

namespace theta_net::replication {

std::size_t component_payload_size(const ComponentType& type) {
  return (static_cast<std::size_t>(type.payload_bits()) + 7) / 8;
}

void write_field_code(BitWriter& w, const FieldDescriptor& field,
                      std::span<const std::int64_t> code) {
  if (field.kind == FieldKind::kQuaternion) {
    w.write(static_cast<std::uint64_t>(code[0]), 2);
    for (int i = 1; i < 4; ++i) w.write(static_cast<std::uint64_t>(code[i]), field.bits);
  } else {
    w.write(static_cast<std::uint64_t>(code[0]) - static_cast<std::uint64_t>(field.code_min()),
            static_cast<unsigned>(field.code_bits()));
  }
}

Status read_field_code(BitReader& r, const FieldDescriptor& field, std::span<std::int64_t> code) {
  if (field.kind == FieldKind::kQuaternion) {
    THETA_TRY_ASSIGN(auto largest, r.read(2, "quaternion index"));
    code[0] = static_cast<std::int64_t>(largest);
    for (int i = 1; i < 4; ++i) {
      THETA_TRY_ASSIGN(auto v, r.read(static_cast<unsigned>(field.bits), "quaternion part"));
      code[i] = static_cast<std::int64_t>(v);
    }
    return {};
  }
  THETA_TRY_ASSIGN(auto v, r.read(static_cast<unsigned>(field.code_bits()), "field code"));
  code[0] = static_cast<std::int64_t>(v + static_cast<std::uint64_t>(field.code_min()));
  return {};
}

void encode_component(const ComponentType& type, std::span<const std::int64_t> codes, Bytes& out) {
  BitWriter w(out);
  for (std::size_t f = 0; f < type.fields().size(); ++f) {
    write_field_code(w, type.fields()[f], codes.subspan(static_cast<std::size_t>(type.slot_of(f))));
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
    THETA_TRY(read_field_code(r, type.fields()[f],
                              codes.subspan(static_cast<std::size_t>(type.slot_of(f)))));
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
