// The data layer's bindings, split by concept: declarations (data_schema_bindings.cpp) and the
// sans-I/O host and mirror (data_bindings.cpp, whose bind_data calls the others).
#pragma once

#include <pybind11/pybind11.h>

#include <vector>

#include "theta_net/protocol/messages.hpp"

namespace theta_net::bindings {

namespace py = pybind11;

void bind_data_schema(py::module_& m);

// Messages between Python and the sans-I/O hosts (DataHost, ClientDB, CollabHost, CollabClient):
// a (type, fields) tuple in, a list of them out. A message that is not such a tuple is a
// theta_net.DataError.
protocol::AnyMessage message_arg(const py::handle& message);
py::list messages_to_py(const std::vector<protocol::AnyMessage>& messages);
// ConflictResolver (collab_conflict_bindings.cpp), after DataHost and ClientDB.
void bind_collab_conflicts(py::module_& m);

}  // namespace theta_net::bindings
