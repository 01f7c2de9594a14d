// The data layer's bindings, split by concept: declarations (data_schema_bindings.cpp) and the
// sans-I/O host and mirror (data_bindings.cpp, whose bind_data calls the others).
#pragma once

#include <pybind11/pybind11.h>

namespace theta_net::bindings {

namespace py = pybind11;

void bind_data_schema(py::module_& m);
// ConflictResolver (collab_conflict_bindings.cpp), after DataHost and ClientDB.
void bind_collab_conflicts(py::module_& m);

}  // namespace theta_net::bindings
