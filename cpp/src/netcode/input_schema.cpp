#include "theta_net/netcode/input_schema.hpp"

#include <algorithm>

namespace theta_net::netcode {

using replication::FieldKind;

Result<InputSchema> InputSchema::make(std::string name, std::vector<InputField> fields) {
  if (fields.empty()) {
    return make_error(ErrorCode::kInvalidArgument, "input '", name, "' has no fields");
  }
  std::vector<replication::FieldDescriptor> descriptors;
  std::vector<bool> repeat;
  for (InputField& f : fields) {
    descriptors.push_back(std::move(f.field));
    repeat.push_back(f.repeat_when_late);
  }
  THETA_TRY_ASSIGN(auto type,
                   replication::ComponentType::make(std::move(name), std::move(descriptors)));
  return InputSchema(std::move(type), std::move(repeat));
}

InputSchema::InputSchema(replication::ComponentType type, std::vector<bool> repeat)
    : type_(std::move(type)), repeat_(std::move(repeat)), default_codes_(slots()) {
  const std::vector<std::int64_t> zero(slots());
  type_.quantize(zero, default_codes_);
}

Result<std::vector<std::string>> InputSchema::quantize(std::span<const std::int64_t> raw,
                                                       std::span<std::int64_t> codes,
                                                       OutOfRange policy) const {
  if (raw.size() != slots() || codes.size() != slots()) {
    return make_error(ErrorCode::kInvalidArgument, "input '", name(), "' has ", slots(),
                      " values, not ", raw.size());
  }
  std::vector<std::string> clamped;
  for (std::size_t f = 0; f < type_.fields().size(); ++f) {
    const replication::FieldDescriptor& field = type_.fields()[f];
    const std::int64_t v = raw[static_cast<std::size_t>(type_.slot_of(f))];
    std::int64_t lo = field.min, hi = field.max;
    switch (field.kind) {
      case FieldKind::kBool:
        lo = 0;
        hi = 1;
        break;
      case FieldKind::kInteger:
      case FieldKind::kFixed:
        break;
      case FieldKind::kAngle:
      case FieldKind::kQuaternion:
        continue;  // angles wrap, rotations are normalized: no value is out of range
    }
    if (v >= lo && v <= hi) continue;
    if (policy == OutOfRange::kRefuse) {
      return make_error(ErrorCode::kOutOfRange, "input field '", name(), ".", field.name, "' is ",
                        v, ", outside [", lo, ", ", hi, "]");
    }
    clamped.push_back(field.name);
  }
  // Bools are quantized as `raw != 0`; clamping one means taking 1 for anything non-zero.
  type_.quantize(raw, codes);
  return clamped;
}

void InputSchema::dequantize(std::span<const std::int64_t> codes,
                             std::span<std::int64_t> raw) const {
  type_.dequantize(codes, raw);
}

void InputSchema::repeat_of(std::span<const std::int64_t> last, std::span<std::int64_t> out) const {
  std::copy(last.begin(), last.end(), out.begin());
  for (std::size_t f = 0; f < type_.fields().size(); ++f) {
    if (repeat_[f]) continue;
    const auto at = static_cast<std::size_t>(type_.slot_of(f));
    const auto n = static_cast<std::size_t>(type_.fields()[f].slots());
    std::copy_n(default_codes_.begin() + static_cast<std::ptrdiff_t>(at), n,
                out.begin() + static_cast<std::ptrdiff_t>(at));
  }
}

}  // namespace theta_net::netcode
