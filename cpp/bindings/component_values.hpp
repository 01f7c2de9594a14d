// A replicated component's (or an application input's) values as Python holds them: a dict of
// {field: value} in natural units (blocks, degrees, a quaternion as 4 numbers), converted to and
// from the raw values of its ComponentType. Shared by the netcode bindings (interpolation, inputs).
#pragma once

#include <pybind11/pybind11.h>

#include <cstdint>
#include <span>
#include <vector>

#include "border.hpp"
#include "theta_net/netcode/input_schema.hpp"
#include "theta_net/replication/component_type.hpp"

namespace theta_net::bindings {

namespace py = pybind11;

// Every field must be given; a value that is no number, or a quaternion without 4 numbers, is
// refused as `kind` naming the component and field.
std::vector<std::int64_t> component_raw(const replication::ComponentType& type,
                                        const py::dict& values,
                                        ErrorKind kind = ErrorKind::kReplication);
py::dict component_values(const replication::ComponentType& type,
                          std::span<const std::int64_t> raw);

// An application input ({field: value} in natural units) as the input schema's codes, a value
// outside its field's range clamped or refused by `policy` (refused as ProtocolError).
std::vector<std::int64_t> input_codes(const netcode::InputSchema& schema, const py::dict& input,
                                      netcode::OutOfRange policy);
// Codes back to {field: value}.
py::dict input_values(const netcode::InputSchema& schema, std::span<const std::int64_t> codes);

}  // namespace theta_net::bindings
