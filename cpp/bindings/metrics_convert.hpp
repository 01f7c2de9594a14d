// Any struct that names its fields (core/named_fields.hpp: metrics, counters, stats, reports) as a
// Python dict keyed by the names its visit() gives, written once. Nested structs become nested
// dicts (a ByLane table: keyed by lane name), vectors lists, Micros/Nanos float seconds (through
// time_caster.hpp), numbers, bools and strings themselves. Derived figures (means, quantiles) are
// visited by the struct, so Python gets them from C++ and never recomputes them.
#pragma once

#include <pybind11/pybind11.h>

#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "theta_net/core/named_fields.hpp"
#include "theta_net/core/time.hpp"
#include "time_caster.hpp"

namespace theta_net::bindings {

namespace py = pybind11;

template <NamesFields T>
py::dict metrics_dict(const T& value);

template <class T>
py::object metric_to_py(const T& value) {
  if constexpr (NamesFields<T>) {
    return metrics_dict(value);
  } else if constexpr (std::is_same_v<T, bool>) {
    return py::bool_(value);
  } else if constexpr (std::is_arithmetic_v<T>) {
    return py::cast(value);
  } else if constexpr (std::is_same_v<T, Micros> || std::is_same_v<T, Nanos>) {
    return py::cast(value);
  } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    const std::string_view text = value;
    return py::str(text.data(), text.size());
  } else if constexpr (requires { value.has_value(); }) {
    return value ? metric_to_py(*value) : py::none();
  } else if constexpr (requires {
                         value.begin();
                         value.end();
                       }) {
    py::list out;
    for (const auto& item : value) out.append(metric_to_py(item));
    return out;
  } else {
    static_assert(sizeof(T) == 0, "a named field of a type metrics_dict cannot convert");
  }
}

template <NamesFields T>
py::dict metrics_dict(const T& value) {
  py::dict out;
  value.visit([&out](std::string_view name, const auto& field) {
    out[py::str(name.data(), name.size())] = metric_to_py(field);
  });
  return out;
}

}  // namespace theta_net::bindings
