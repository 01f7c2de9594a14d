#include "component_values.hpp"

#include <pybind11/stl.h>

#include <string>

#include "field_units.hpp"

namespace theta_net::bindings {

// A component's values as Python gives them, {field: value} in natural units (a quaternion as
// 4 numbers), to raw values; every field must be there.
std::vector<std::int64_t> component_raw(const replication::ComponentType& type,
                                        const py::dict& values, ErrorKind kind) {
  std::vector<std::int64_t> raw(static_cast<std::size_t>(type.slots()));
  for (std::size_t f = 0; f < type.fields().size(); ++f) {
    const replication::FieldDescriptor& fd = type.fields()[f];
    const std::string what = type.name() + "." + fd.name;
    if (!values.contains(fd.name)) {
      throw BorderError(kind,
                        make_error(ErrorCode::kInvalidArgument, "no value for field '", what, "'"));
    }
    std::vector<double> v;
    py::object item = values[py::str(fd.name)];
    if (fd.slots() == 1) {
      v.push_back(item.cast<double>());
    } else {
      v = item.cast<std::vector<double>>();
    }
    if (v.size() != static_cast<std::size_t>(fd.slots())) {
      throw BorderError(kind, make_error(ErrorCode::kInvalidArgument, "field '", what, "' takes ",
                                         fd.slots(), " numbers, not ", v.size()));
    }
    for (std::size_t q = 0; q < v.size(); ++q) {
      raw[static_cast<std::size_t>(type.slot_of(f)) + q] =
          natural_to_raw(fd.kind, v[q], what, kind);
    }
  }
  return raw;
}

py::dict component_values(const replication::ComponentType& type,
                          std::span<const std::int64_t> raw) {
  py::dict out;
  for (std::size_t f = 0; f < type.fields().size(); ++f) {
    const replication::FieldDescriptor& fd = type.fields()[f];
    const auto at = static_cast<std::size_t>(type.slot_of(f));
    switch (fd.kind) {
      case replication::FieldKind::kBool:
        out[py::str(fd.name)] = raw[at] != 0;
        break;
      case replication::FieldKind::kInteger:
        out[py::str(fd.name)] = raw[at];
        break;
      case replication::FieldKind::kQuaternion:
        out[py::str(fd.name)] = py::make_tuple(
            raw_to_natural(fd.kind, raw[at]), raw_to_natural(fd.kind, raw[at + 1]),
            raw_to_natural(fd.kind, raw[at + 2]), raw_to_natural(fd.kind, raw[at + 3]));
        break;
      default:
        out[py::str(fd.name)] = raw_to_natural(fd.kind, raw[at]);
    }
  }
  return out;
}

std::vector<std::int64_t> input_codes(const netcode::InputSchema& schema, const py::dict& input,
                                      netcode::OutOfRange policy) {
  const std::vector<std::int64_t> raw = component_raw(schema.type(), input, ErrorKind::kProtocol);
  std::vector<std::int64_t> codes(schema.slots());
  (void)unwrap(schema.quantize(raw, codes, policy), ErrorKind::kProtocol);
  return codes;
}

py::dict input_values(const netcode::InputSchema& schema, std::span<const std::int64_t> codes) {
  std::vector<std::int64_t> raw(schema.slots());
  schema.dequantize(codes, raw);
  return component_values(schema.type(), raw);
}

}  // namespace theta_net::bindings
