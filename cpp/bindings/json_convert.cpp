#include "json_convert.hpp"

#include <string>

namespace theta_net::bindings {

using replay::JsonValue;

namespace {

[[noreturn]] void replay_error(ErrorCode code, const std::string& message) {
  throw BorderError(ErrorKind::kReplay, Error{code, message});
}

}  // namespace

// Python value -> JsonValue. The depth bound also stops self-referencing containers.
JsonValue json_from_py(const py::handle& obj, int depth) {
  if (depth > replay::kMaxJsonDepth) {
    replay_error(ErrorCode::kLimitExceeded, "the value nests deeper than 64 levels");
  }
  if (obj.is_none()) return JsonValue();
  if (py::isinstance<py::bool_>(obj)) return JsonValue(obj.cast<bool>());
  if (py::isinstance<py::int_>(obj)) {
    int overflow = 0;
    const long long i = PyLong_AsLongLongAndOverflow(obj.ptr(), &overflow);
    if (overflow == 0) return JsonValue(static_cast<std::int64_t>(i));
    if (overflow > 0) {
      const unsigned long long u = PyLong_AsUnsignedLongLong(obj.ptr());
      if (!PyErr_Occurred()) return JsonValue(static_cast<std::uint64_t>(u));
      PyErr_Clear();
    }
    replay_error(ErrorCode::kOverflow, "an integer does not fit 64 bits");
  }
  if (py::isinstance<py::float_>(obj)) return JsonValue(obj.cast<double>());
  if (py::isinstance<py::str>(obj)) return JsonValue(obj.cast<std::string>());
  if (py::isinstance<py::dict>(obj)) {
    replay::JsonObject members;
    for (const auto& [k, v] : obj.cast<py::dict>()) {
      if (!py::isinstance<py::str>(k)) {
        replay_error(ErrorCode::kInvalidArgument, "JSON object keys are strings");
      }
      members.emplace_back(k.cast<std::string>(), json_from_py(v, depth + 1));
    }
    return JsonValue(std::move(members));
  }
  if (py::isinstance<py::list>(obj) || py::isinstance<py::tuple>(obj)) {
    replay::JsonArray items;
    for (const auto& v : obj) items.push_back(json_from_py(v, depth + 1));
    return JsonValue(std::move(items));
  }
  replay_error(ErrorCode::kInvalidArgument,
               "cannot write a " + std::string(py::str(obj.get_type().attr("__name__"))) +
                   " as JSON (dict, list, tuple, str, int, float, bool or None)");
}

py::object json_to_py(const JsonValue& v) {
  using T = JsonValue::Type;
  switch (v.type()) {
    case T::kNull:
      return py::none();
    case T::kBool:
      return py::bool_(v.as_bool());
    case T::kInt:
      return py::int_(v.as_int());
    case T::kUint:
      return py::int_(v.as_uint());
    case T::kDouble:
      return py::float_(v.as_double());
    case T::kString:
      return py::str(v.as_string());
    case T::kArray: {
      py::list out;
      for (const JsonValue& item : v.as_array()) out.append(json_to_py(item));
      return out;
    }
    case T::kObject: {
      py::dict out;
      for (const auto& [k, item] : v.as_object()) out[py::str(k)] = json_to_py(item);
      return out;
    }
  }
  return py::none();
}

}  // namespace theta_net::bindings
