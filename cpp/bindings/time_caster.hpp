// The one place where Python's time meets the library's: a Micros or Nanos parameter or result
// is a float of seconds in Python (int accepted), converted with core/time.hpp's from/to
// seconds. A time that is negative, NaN or infinite raises a clear theta_net.Error naming the
// value, never a wrapped-around integer.
#pragma once

#include <pybind11/pybind11.h>

#include <cmath>
#include <string>

#include "theta_net/core/time.hpp"

namespace theta_net::bindings {

// Throws theta_net.Error (via the border) for a time Python may not pass.
[[noreturn]] void bad_time(double seconds);

}  // namespace theta_net::bindings

namespace pybind11::detail {

template <class Duration>
struct seconds_caster {
  PYBIND11_TYPE_CASTER(Duration, const_name("float"));

  bool load(handle src, bool convert) {
    if (!src) return false;
    if (!convert && !PyFloat_Check(src.ptr()) && !PyLong_Check(src.ptr())) return false;
    const double seconds = PyFloat_AsDouble(src.ptr());
    if (seconds == -1.0 && PyErr_Occurred()) {
      PyErr_Clear();
      return false;  // not a number: pybind11 reports the signature mismatch
    }
    if (!(seconds >= 0) || !std::isfinite(seconds)) theta_net::bindings::bad_time(seconds);
    const auto converted = [&] {
      if constexpr (std::is_same_v<Duration, theta_net::Nanos>) {
        return theta_net::nanos_from_seconds(seconds);
      } else {
        return theta_net::from_seconds(seconds);
      }
    }();
    if (!converted) theta_net::bindings::bad_time(seconds);
    value = *converted;
    return true;
  }

  static handle cast(Duration src, return_value_policy, handle) {
    return PyFloat_FromDouble(theta_net::to_seconds(src));
  }
};

template <>
struct type_caster<theta_net::Micros> : seconds_caster<theta_net::Micros> {};
template <>
struct type_caster<theta_net::Nanos> : seconds_caster<theta_net::Nanos> {};

}  // namespace pybind11::detail
