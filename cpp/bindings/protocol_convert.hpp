// Python <-> generated message types, written once over each struct's visit(): structs are dicts
// keyed by field name, enums are their names (ints are accepted), bytes are bytes, optional
// fields are None when absent. Converting from Python checks every type, range and schema limit
// and names the field at fault, so a Python dict that converts is a message the codec accepts.
#pragma once

#include <pybind11/pybind11.h>

#include <limits>
#include <set>
#include <string>
#include <type_traits>

#include "border.hpp"
#include "theta_net/protocol/messages.hpp"

namespace theta_net::bindings {

namespace protocol = theta_net::protocol;

[[noreturn]] inline void convert_error(const std::string& path, ErrorCode code,
                                       const std::string& what) {
  throw BorderError(ErrorKind::kProtocol, Error{code, path + ": " + what});
}

template <class T>
py::object to_py(const T& value) {
  if constexpr (std::is_same_v<T, bool>) {
    return py::bool_(value);
  } else if constexpr (std::is_enum_v<T>) {
    auto name = protocol::enum_name(value);
    if (name) return py::str(std::string(*name));
    return py::int_(static_cast<std::uint64_t>(value));
  } else if constexpr (std::is_integral_v<T>) {
    return py::int_(value);
  } else if constexpr (std::is_floating_point_v<T>) {
    return py::float_(static_cast<double>(value));
  } else if constexpr (std::is_same_v<T, std::string>) {
    return py::str(value);
  } else if constexpr (std::is_same_v<T, Bytes> || requires { std::tuple_size<T>::value; }) {
    return py::bytes(reinterpret_cast<const char*>(value.data()), value.size());
  } else if constexpr (requires { value.has_value(); }) {
    return value ? to_py(*value) : py::none();
  } else if constexpr (requires { typename T::mapped_type; }) {
    py::dict out;
    for (const auto& [k, v] : value) out[py::str(k)] = to_py(v);
    return out;
  } else if constexpr (requires {
                         typename T::value_type;
                         value.size();
                       }) {
    py::list out;
    for (const auto& v : value) out.append(to_py(v));
    return out;
  } else {
    py::dict out;
    T::visit(value, [&](const protocol::FieldInfo& f, const auto& member) {
      out[py::str(std::string(f.name))] = to_py(member);
    });
    return out;
  }
}

template <class T>
void from_py(py::handle obj, T& out, const protocol::FieldInfo& f, const std::string& path);

inline std::size_t limit_or(const protocol::FieldInfo& f, std::size_t fallback) {
  return f.max ? f.max : fallback;
}

template <class T>
void from_py_struct(py::handle obj, T& out, const std::string& path) {
  if (!py::isinstance<py::dict>(obj)) {
    convert_error(path, ErrorCode::kInvalidArgument,
                  "expected a dict of " + std::string(T::kName) + " fields, got " +
                      std::string(py::str(obj.get_type().attr("__name__"))));
  }
  auto dict = py::reinterpret_borrow<py::dict>(obj);
  std::set<std::string> known;
  T::visit(out, [&](const protocol::FieldInfo& f, auto& member) {
    const std::string name(f.name);
    known.insert(name);
    const std::string field_path = path + "." + name;
    if (dict.contains(name)) {
      from_py(dict[py::str(name)], member, f, field_path);
    } else if (!f.omittable()) {
      convert_error(field_path, ErrorCode::kInvalidArgument, "missing (required field)");
    }
  });
  for (auto item : dict) {
    const std::string key = py::str(item.first);
    if (!known.count(key)) {
      convert_error(path, ErrorCode::kInvalidArgument,
                    "unknown field '" + key + "' (not in schemas/theta.toml)");
    }
  }
}

template <class T>
void from_py(py::handle obj, T& out, const protocol::FieldInfo& f, const std::string& path) {
  const auto type_name = [&] { return std::string(py::str(obj.get_type().attr("__name__"))); };
  if constexpr (std::is_same_v<T, bool>) {
    if (!py::isinstance<py::bool_>(obj))
      convert_error(path, ErrorCode::kInvalidArgument, "expected a bool, got " + type_name());
    out = obj.cast<bool>();
  } else if constexpr (std::is_enum_v<T>) {
    if (py::isinstance<py::str>(obj)) {
      const std::string name = obj.cast<std::string>();
      auto value = protocol::enum_from_name<T>(name);
      if (!value) {
        convert_error(path, ErrorCode::kOutOfRange,
                      "'" + name + "' is not a " + std::string(protocol::EnumTraits<T>::kName));
      }
      out = *value;
    } else if (py::isinstance<py::int_>(obj) && !py::isinstance<py::bool_>(obj)) {
      const auto raw = obj.cast<long long>();
      out = static_cast<T>(raw);
      if (raw < 0 || raw > 255 || !protocol::enum_is_valid(out)) {
        convert_error(
            path, ErrorCode::kOutOfRange,
            std::to_string(raw) + " is not a " + std::string(protocol::EnumTraits<T>::kName));
      }
    } else {
      convert_error(path, ErrorCode::kInvalidArgument, "expected an enum name, got " + type_name());
    }
  } else if constexpr (std::is_integral_v<T>) {
    if (!py::isinstance<py::int_>(obj) || py::isinstance<py::bool_>(obj)) {
      convert_error(path, ErrorCode::kInvalidArgument, "expected an int, got " + type_name());
    }
    // Compare as Python ints so huge values cannot wrap on the way in.
    const py::int_ value = py::reinterpret_borrow<py::int_>(obj);
    const py::int_ lo(std::numeric_limits<T>::min());
    const py::int_ hi(std::numeric_limits<T>::max());
    if (value < lo || value > hi) {
      convert_error(path, ErrorCode::kOutOfRange,
                    std::string(py::str(obj)) + " is outside " +
                        std::to_string(+std::numeric_limits<T>::min()) + ".." +
                        std::to_string(+std::numeric_limits<T>::max()));
    }
    out = obj.cast<T>();
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!(py::isinstance<py::float_>(obj) || py::isinstance<py::int_>(obj)) ||
        py::isinstance<py::bool_>(obj)) {
      convert_error(path, ErrorCode::kInvalidArgument, "expected a number, got " + type_name());
    }
    out = static_cast<T>(obj.cast<double>());
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!py::isinstance<py::str>(obj))
      convert_error(path, ErrorCode::kInvalidArgument, "expected a str, got " + type_name());
    out = obj.cast<std::string>();
    const std::size_t max = limit_or(f, protocol::kDefaultMaxStr);
    if (out.size() > max) {
      convert_error(path, ErrorCode::kLimitExceeded,
                    std::to_string(out.size()) + " bytes of UTF-8 is over the schema limit of " +
                        std::to_string(max));
    }
  } else if constexpr (std::is_same_v<T, Bytes> || requires { std::tuple_size<T>::value; }) {
    if (!PyObject_CheckBuffer(obj.ptr()) || py::isinstance<py::str>(obj)) {
      convert_error(path, ErrorCode::kInvalidArgument, "expected bytes, got " + type_name());
    }
    BufferView view(py::reinterpret_borrow<py::buffer>(obj));
    const ByteSpan bytes = view.bytes();
    if constexpr (std::is_same_v<T, Bytes>) {
      const std::size_t max = limit_or(f, protocol::kDefaultMaxBytes);
      if (bytes.size() > max) {
        convert_error(path, ErrorCode::kLimitExceeded,
                      std::to_string(bytes.size()) + " bytes is over the schema limit of " +
                          std::to_string(max));
      }
      out.assign(bytes.begin(), bytes.end());
    } else {
      if (bytes.size() != out.size()) {
        convert_error(path, ErrorCode::kInvalidArgument,
                      "expected exactly " + std::to_string(out.size()) + " bytes, got " +
                          std::to_string(bytes.size()));
      }
      std::copy(bytes.begin(), bytes.end(), out.begin());
    }
  } else if constexpr (requires { out.has_value(); }) {
    if (obj.is_none()) {
      out.reset();
    } else {
      out.emplace();
      from_py(obj, *out, f, path);
    }
  } else if constexpr (requires { typename T::mapped_type; }) {
    if (!py::isinstance<py::dict>(obj))
      convert_error(path, ErrorCode::kInvalidArgument, "expected a dict, got " + type_name());
    auto dict = py::reinterpret_borrow<py::dict>(obj);
    if (dict.size() > f.max) {
      convert_error(path, ErrorCode::kLimitExceeded,
                    std::to_string(dict.size()) + " entries is over the schema limit of " +
                        std::to_string(f.max));
    }
    out.clear();
    const protocol::FieldInfo elem{f.name, f.since_minor, 0, 0};
    for (auto item : dict) {
      if (!py::isinstance<py::str>(item.first))
        convert_error(path, ErrorCode::kInvalidArgument, "map keys must be str");
      typename T::mapped_type v{};
      const std::string key = item.first.cast<std::string>();
      from_py(item.second, v, elem, path + "[" + key + "]");
      out.emplace(key, std::move(v));
    }
  } else if constexpr (requires {
                         typename T::value_type;
                         out.size();
                       }) {
    if (!py::isinstance<py::list>(obj) && !py::isinstance<py::tuple>(obj)) {
      convert_error(path, ErrorCode::kInvalidArgument, "expected a list, got " + type_name());
    }
    auto seq = py::reinterpret_borrow<py::sequence>(obj);
    if (seq.size() > f.max) {
      convert_error(path, ErrorCode::kLimitExceeded,
                    std::to_string(seq.size()) + " elements is over the schema limit of " +
                        std::to_string(f.max));
    }
    out.clear();
    out.resize(seq.size());
    const protocol::FieldInfo elem{f.name, f.since_minor, 0, 0};
    for (std::size_t i = 0; i < out.size(); ++i)
      from_py(seq[i], out[i], elem, path + "[" + std::to_string(i) + "]");
  } else {
    from_py_struct(obj, out, path);
  }
}

// A message as Python sees it, (type name, {field: value}), and back (the type may also be its
// numeric id). Errors raise ProtocolError naming the field.
protocol::AnyMessage any_message_from_py(const py::handle& type, const py::handle& fields);
py::tuple any_message_to_py(const protocol::AnyMessage& message);

}  // namespace theta_net::bindings
