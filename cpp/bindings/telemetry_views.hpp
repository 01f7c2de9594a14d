// The telemetry side of a game client in Python (Client and GameClientView alike): frame times
// and counters for its TelemetryReports (session/telemetry_reporter.hpp), the report interval,
// and the reporter's own figures. Refusals are theta_net.Error with the core's code and message.
#pragma once

#include <pybind11/pybind11.h>

#include <string>

#include "border.hpp"
#include "metrics_convert.hpp"
#include "theta_net/session/game_client.hpp"

namespace theta_net::bindings {

template <class Cls>
void bind_telemetry_views(Cls& cls, session::GameClient& (*get)(typename Cls::type&)) {
  using namespace pybind11::literals;
  cls.def(
         "record_frame",
         [get](typename Cls::type& o, double ms) {
           unwrap(get(o).telemetry().add_frame(ms), ErrorKind::kError);
         },
         "ms"_a,
         "One frame's time in milliseconds, for the next TelemetryReport's quantiles; raises "
         "theta_net.Error (invalid_argument) for a negative, non-finite or absurd (over a "
         "minute) time.")
      .def(
          "set_counter",
          [get](typename Cls::type& o, const std::string& name, double value) {
            unwrap(get(o).telemetry().set_counter(name, value), ErrorKind::kError);
          },
          "name"_a, "value"_a,
          "Sets a named counter every TelemetryReport carries from now on (names: 1 to 64 of "
          "A-Z a-z 0-9 _ . : -, not starting with a digit or punctuation; 'frames' is the "
          "reporter's own); raises theta_net.Error: invalid_argument for a bad name or a "
          "non-finite value, limit_exceeded past 127 names.")
      .def(
          "remove_counter",
          [get](typename Cls::type& o, const std::string& name) {
            return get(o).telemetry().remove_counter(name);
          },
          "name"_a, "Drops a counter from the reports; False if there was none of that name.")
      .def_property(
          "telemetry_interval",
          [get](typename Cls::type& o) { return get(o).telemetry().interval(); },
          [get](typename Cls::type& o, Micros interval) {
            get(o).telemetry().set_interval(interval);
          },
          "Seconds between TelemetryReports (0, the default: none). The first goes one "
          "interval after it is set.")
      .def_property_readonly(
          "telemetry_stats",
          [get](typename Cls::type& o) { return metrics_dict(get(o).telemetry().stats()); },
          "The reporter's figures: reports, frames, frames_refused, counters_refused.");
}

}  // namespace theta_net::bindings
