// Python values <-> replay::JsonValue, for the bindings that read and write event streams (the
// replay module's writer and reader, the netcode module's input logs). Errors are ReplayError.
#pragma once

#include "border.hpp"
#include "theta_net/replay/json_value.hpp"

namespace theta_net::bindings {

// A Python value (dict, list, tuple, str, int, float, bool or None) as JSON; raises ReplayError
// for anything else, an integer beyond 64 bits, a non-string key or nesting deeper than
// replay::kMaxJsonDepth (which also stops self-referencing containers).
replay::JsonValue json_from_py(const py::handle& obj, int depth = 0);
py::object json_to_py(const replay::JsonValue& value);

}  // namespace theta_net::bindings
