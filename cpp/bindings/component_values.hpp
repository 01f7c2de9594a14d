// A replicated component's (or an application input's) values as Python holds them: a dict of
// {field: value} in natural units (blocks, degrees, a quaternion as 4 numbers), converted to and
// from the raw values of its ComponentType. Shared by the netcode bindings (interpolation, inputs).
#pragma once

#include <pybind11/pybind11.h>

#include <cstdint>
#include <span>
#include <vector>

#include "border.hpp"
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

}  // namespace theta_net::bindings
