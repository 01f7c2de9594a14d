#include "theta_net/replication/component_type.hpp"

#include <utility>

#include "theta_net/core/siphash.hpp"
#include "theta_net/core/varint.hpp"

namespace theta_net::replication {

ComponentId component_id(std::string_view name) {
  return siphash24(SipKey{0, 0}, name);
}

Result<ComponentType> ComponentType::make(std::string name, std::vector<FieldDescriptor> fields) {
  if (name.empty() || name.size() > kMaxComponentNameBytes) {
    return make_error(ErrorCode::kInvalidArgument, "component name must be 1..",
                      kMaxComponentNameBytes, " bytes, got ", name.size());
  }
  if (fields.size() > kMaxFieldsPerComponent) {
    return make_error(ErrorCode::kLimitExceeded, "component '", name, "' has ", fields.size(),
                      " fields; at most ", kMaxFieldsPerComponent);
  }
  ComponentType type;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (auto st = fields[i].validate(); !st.ok()) {
      return make_error(st.error().code, "component '", name, "': ", st.error().message);
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (fields[j].name == fields[i].name) {
        return make_error(ErrorCode::kInvalidArgument, "component '", name,
                          "' has two fields named '", fields[i].name, "'");
      }
    }
    type.offsets_.push_back(type.slots_);
    type.slots_ += fields[i].slots();
    type.payload_bits_ += fields[i].code_bits();
  }
  type.id_ = component_id(name);
  type.name_ = std::move(name);
  type.fields_ = std::move(fields);
  return type;
}

Result<ComponentType> ComponentType::from_descriptor(
    const protocol::ComponentDescriptor& descriptor) {
  THETA_TRY_ASSIGN(auto fields, decode_layout(descriptor.layout));
  THETA_TRY_ASSIGN(auto type, make(descriptor.name, std::move(fields)));
  if (type.id() != descriptor.component) {
    return make_error(ErrorCode::kCorrupt, "component descriptor '", descriptor.name, "' has id ",
                      descriptor.component, ", but the hash of its name is ", type.id());
  }
  return type;
}

int ComponentType::field_index(std::string_view name) const {
  for (std::size_t i = 0; i < fields_.size(); ++i) {
    if (fields_[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

Bytes ComponentType::layout() const {
  Bytes out;
  ByteWriter w(out);
  w.u8(kLayoutVersion);
  write_varint(w, fields_.size());
  for (const auto& f : fields_) {
    write_varint(w, f.name.size());
    w.bytes(ByteSpan(reinterpret_cast<const std::uint8_t*>(f.name.data()), f.name.size()));
    w.u8(static_cast<std::uint8_t>(f.kind));
    if (f.kind == FieldKind::kInteger || f.kind == FieldKind::kFixed) {
      write_svarint(w, f.min);
      write_svarint(w, f.max);
    }
    if (f.kind == FieldKind::kFixed || f.kind == FieldKind::kAngle ||
        f.kind == FieldKind::kQuaternion) {
      w.u8(static_cast<std::uint8_t>(f.bits));
    }
  }
  return out;
}

protocol::ComponentDescriptor ComponentType::descriptor() const {
  return protocol::ComponentDescriptor{id_, name_, layout()};
}

void ComponentType::quantize(std::span<const std::int64_t> raw,
                             std::span<std::int64_t> codes) const {
  for (std::size_t i = 0; i < fields_.size(); ++i) {
    const auto n = static_cast<std::size_t>(fields_[i].slots());
    fields_[i].quantize(raw.subspan(offsets_[i], n), codes.subspan(offsets_[i], n));
  }
}

void ComponentType::dequantize(std::span<const std::int64_t> codes,
                               std::span<std::int64_t> raw) const {
  for (std::size_t i = 0; i < fields_.size(); ++i) {
    const auto n = static_cast<std::size_t>(fields_[i].slots());
    fields_[i].dequantize(codes.subspan(offsets_[i], n), raw.subspan(offsets_[i], n));
  }
}

Status ComponentType::check_codes(std::span<const std::int64_t> codes) const {
  for (std::size_t i = 0; i < fields_.size(); ++i) {
    const auto n = static_cast<std::size_t>(fields_[i].slots());
    if (!fields_[i].code_valid(codes.subspan(offsets_[i], n))) {
      return make_error(ErrorCode::kOutOfRange, "component '", name_, "' field '", fields_[i].name,
                        "': code ", codes[offsets_[i]], " is out of range");
    }
  }
  return {};
}

Result<std::vector<FieldDescriptor>> decode_layout(ByteSpan layout) {
  ByteReader r(layout);
  THETA_TRY_ASSIGN(std::uint8_t version, r.u8("layout version"));
  if (version != kLayoutVersion) {
    return make_error(ErrorCode::kUnsupportedVersion, "component layout version ",
                      static_cast<int>(version), "; this build reads ",
                      static_cast<int>(kLayoutVersion));
  }
  THETA_TRY_ASSIGN(std::uint64_t count, read_varint(r, "layout field count"));
  if (count > kMaxFieldsPerComponent) {
    return make_error(ErrorCode::kLimitExceeded, "layout declares ", count, " fields; at most ",
                      kMaxFieldsPerComponent);
  }
  std::vector<FieldDescriptor> fields;
  fields.reserve(count);
  for (std::uint64_t i = 0; i < count; ++i) {
    FieldDescriptor f;
    THETA_TRY_ASSIGN(std::uint64_t name_size, read_varint(r, "layout field name length"));
    if (name_size == 0 || name_size > kMaxFieldNameBytes) {
      return make_error(ErrorCode::kCorrupt, "layout field ", i, ": name length ", name_size,
                        " is not in 1..", kMaxFieldNameBytes);
    }
    THETA_TRY_ASSIGN(ByteSpan name, r.bytes(name_size, "layout field name"));
    f.name.assign(name.begin(), name.end());
    THETA_TRY_ASSIGN(std::uint8_t kind, r.u8("layout field kind"));
    if (kind > static_cast<std::uint8_t>(FieldKind::kQuaternion)) {
      return make_error(ErrorCode::kCorrupt, "layout field '", f.name, "': unknown kind ",
                        static_cast<int>(kind));
    }
    f.kind = static_cast<FieldKind>(kind);
    if (f.kind == FieldKind::kBool) f.max = 1;
    if (f.kind == FieldKind::kInteger || f.kind == FieldKind::kFixed) {
      THETA_TRY_ASSIGN(f.min, read_svarint(r, "layout field min"));
      THETA_TRY_ASSIGN(f.max, read_svarint(r, "layout field max"));
    }
    if (f.kind == FieldKind::kFixed || f.kind == FieldKind::kAngle ||
        f.kind == FieldKind::kQuaternion) {
      THETA_TRY_ASSIGN(std::uint8_t bits, r.u8("layout field bits"));
      f.bits = bits;
    }
    if (auto st = f.validate(); !st.ok()) {
      return make_error(ErrorCode::kCorrupt, "layout: ", st.error().message);
    }
    fields.push_back(std::move(f));
  }
  if (!r.empty()) {
    return make_error(ErrorCode::kCorrupt, "layout has ", r.remaining(),
                      " bytes after its last field");
  }
  return fields;
}

}  // namespace theta_net::replication
