// theta_net._core.netcode: the generic prediction and lag compensation for Python prototypes.
// A Python game's state and input are any Python objects; its step and comparison are Python
// callables. The rewind rules are the C++ Predictor's (one template, one set of rules), with the
// model below calling back into Python, so the GIL stays held throughout.
#include <pybind11/stl.h>

#include <algorithm>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "border.hpp"
#include "component_values.hpp"
#include "field_units.hpp"
#include "theta_net/netcode/correction_smoother.hpp"
#include "theta_net/netcode/divergence.hpp"
#include "theta_net/netcode/field_interpolation.hpp"
#include "theta_net/netcode/lag_compensation.hpp"
#include "theta_net/netcode/predictor.hpp"

namespace theta_net::bindings {

using namespace pybind11::literals;

namespace {

// step(state, input, tick) -> new state; compare(predicted, authoritative) -> diff, where a
// truthy diff (a non-empty dict of differing fields, say) asks for a correction.
struct PythonModel {
  using State = py::object;
  using Input = py::object;
  using Diff = py::object;

  py::object step_fn;
  py::object compare_fn;

  void step(State& state, const Input& input, std::uint32_t tick) const {
    py::object next;
    try {
      next = step_fn(state, input, tick);
    } catch (py::error_already_set& e) {
      // Python 3.11's notes: the traceback says which tick's step failed.
      if (py::hasattr(e.value(), "add_note")) {
        e.value().attr("add_note")("in the step for tick " + std::to_string(tick));
      }
      throw;
    }
    if (next.is(state)) {
      // The history holds the states by reference: a step that changes its argument in place
      // would rewrite the past it is compared against.
      throw py::type_error("the step for tick " + std::to_string(tick) +
                           " returned the state it was given; it must return a new state");
    }
    state = std::move(next);
  }
  Diff compare(const State& predicted, const State& authoritative) const {
    return compare_fn(predicted, authoritative);
  }
  bool needs_correction(const Diff& diff) const { return py::bool_(diff); }
};

using PythonPredictor = netcode::Predictor<PythonModel>;

py::dict correction_dict(const netcode::Correction<py::object>& c) {
  return py::dict("tick"_a = c.tick, "diff"_a = c.diff, "ticks_replayed"_a = c.ticks_replayed,
                  "no_history"_a = c.no_history);
}

Vec3 vec3(const std::vector<double>& xyz, const char* what) {
  if (xyz.size() != 3) {
    throw BorderError(ErrorKind::kError, make_error(ErrorCode::kInvalidArgument, what,
                                                    " needs 3 numbers, not ", xyz.size()));
  }
  return {fx_from_python(xyz[0], what), fx_from_python(xyz[1], what), fx_from_python(xyz[2], what)};
}

py::tuple to_tuple(const Vec3& v) {
  return py::make_tuple(v.x.to_double(), v.y.to_double(), v.z.to_double());
}

py::dict shot_dict(const netcode::ShotResult& r) {
  py::object hit = py::none();
  if (r.hit) {
    hit = py::dict("entity"_a = r.hit->entity, "fraction"_a = r.hit->fraction.to_double(),
                   "point"_a = to_tuple(r.hit->point));
  }
  return py::dict("hit"_a = hit, "evaluated_tick"_a = r.evaluated_tick.to_double(),
                  "clamped"_a = r.clamped);
}

}  // namespace

void bind_netcode(py::module_& parent) {
  py::module_ m = parent.def_submodule("netcode", "Generic prediction and lag compensation");

  py::class_<PythonPredictor>(m, "Predictor",
                              "Client-side prediction with rewind and replay over Python state "
                              "(theta_net.netcode.Predictor wraps it)")
      .def(py::init([](py::object step, py::object compare, std::size_t history) {
             return PythonPredictor(PythonModel{std::move(step), std::move(compare)}, history);
           }),
           "step"_a, "compare"_a, "history"_a = 60)
      .def("reset", &PythonPredictor::reset, "state"_a, "tick"_a)
      .def("predict", &PythonPredictor::predict, "tick"_a, "input"_a)
      .def(
          "reconcile",
          [](PythonPredictor& p, const py::object& authoritative,
             std::uint32_t tick) -> std::optional<py::dict> {
            auto c = p.reconcile(authoritative, tick);
            if (!c) return std::nullopt;
            return correction_dict(*c);
          },
          "authoritative"_a, "tick"_a)
      .def(
          "diff_at",
          [](const PythonPredictor& p, const py::object& authoritative, std::uint32_t tick) {
            return p.diff_at(authoritative, tick);
          },
          "authoritative"_a, "tick"_a)
      .def(
          "state_at",
          [](const PythonPredictor& p, std::uint32_t tick) -> py::object {
            const py::object* s = p.state_at(tick);
            return s ? *s : py::none();
          },
          "tick"_a)
      .def_property_readonly("state", &PythonPredictor::state)
      .def_property_readonly("tick", &PythonPredictor::tick)
      .def_property_readonly("acked_tick", &PythonPredictor::acked_tick)
      .def(
          "unacknowledged",
          [](const PythonPredictor& p, std::size_t max) {
            py::list out;
            p.for_each_unacknowledged(max, [&](std::uint32_t tick, const py::object& input) {
              out.append(py::make_tuple(tick, input));
            });
            return out;
          },
          "max"_a)
      .def_property_readonly("stats", [](const PythonPredictor& p) {
        const netcode::PredictorStats& s = p.stats();
        return py::dict("predicted"_a = s.predicted, "reconciled"_a = s.reconciled,
                        "corrections"_a = s.corrections, "no_history"_a = s.no_history,
                        "ticks_replayed"_a = s.ticks_replayed);
      });

  py::class_<netcode::LagCompensator>(m, "LagCompensator",
                                      "Hit-scan judged at the tick the shooter saw")
      .def(py::init([](std::uint32_t tick_rate, Micros max_rewind) {
             return netcode::LagCompensator({tick_rate, max_rewind});
           }),
           "tick_rate"_a = 20, "max_rewind"_a = Micros(200'000))
      .def(
          "record",
          [](netcode::LagCompensator& lc, std::uint32_t tick, const py::iterable& volumes) {
            std::vector<netcode::HitVolume> out;
            for (py::handle item : volumes) {
              auto [entity, center, half] =
                  item.cast<std::tuple<std::uint64_t, std::vector<double>, std::vector<double>>>();
              out.push_back({entity, vec3(center, "a hit volume's center"),
                             vec3(half, "a hit volume's half extents")});
            }
            unwrap(lc.record(tick, out), ErrorKind::kError);
          },
          "tick"_a, "volumes"_a,
          "Records (entity, (cx, cy, cz), (hx, hy, hz)) boxes after simulating `tick`.")
      .def(
          "view_tick",
          [](const netcode::LagCompensator& lc, Micros rtt, Micros delay) {
            return lc.view_tick(rtt, delay).to_double();
          },
          "rtt"_a, "interpolation_delay"_a)
      .def(
          "hitscan",
          [](const netcode::LagCompensator& lc, const std::vector<double>& origin,
             const std::vector<double>& end, std::uint64_t shooter, Micros rtt, Micros delay) {
            return shot_dict(
                lc.hitscan({vec3(origin, "origin"), vec3(end, "end")}, shooter, rtt, delay));
          },
          "origin"_a, "end"_a, "shooter"_a, "rtt"_a, "interpolation_delay"_a)
      .def(
          "hitscan_at",
          [](const netcode::LagCompensator& lc, const std::vector<double>& origin,
             const std::vector<double>& end, std::uint64_t shooter, double seen_tick) {
            return shot_dict(lc.hitscan_at({vec3(origin, "origin"), vec3(end, "end")}, shooter,
                                           fx_from_python(seen_tick, "seen_tick")));
          },
          "origin"_a, "end"_a, "shooter"_a, "seen_tick"_a)
      .def_property_readonly("newest_tick", &netcode::LagCompensator::newest_tick)
      .def_property_readonly("oldest_tick", &netcode::LagCompensator::oldest_tick);

  py::class_<netcode::ComponentInterpolator>(
      m, "ComponentInterpolator",
      "A replicated component drawn between server samples, each field by its kind")
      .def(py::init([](const replication::ComponentType& type, double max_extrapolation,
                       std::size_t capacity) {
             return netcode::ComponentInterpolator(
                 type, fx_from_python(max_extrapolation, "max_extrapolation"), capacity);
           }),
           "component"_a, "max_extrapolation"_a = 5.0, "capacity"_a = 64)
      .def(
          "add",
          [](netcode::ComponentInterpolator& ci, std::uint32_t tick, const py::dict& values) {
            unwrap(ci.add(tick, component_raw(ci.type(), values)), ErrorKind::kReplication);
          },
          "tick"_a, "values"_a,
          "The component's values at server tick `tick`: {field: value} in natural units.")
      .def(
          "view_at",
          [](const netcode::ComponentInterpolator& ci, double render_tick) -> py::object {
            std::vector<std::int64_t> raw(static_cast<std::size_t>(ci.type().slots()));
            const netcode::InterpolationView v =
                ci.view_at(fx_from_python(render_tick, "render_tick"), raw);
            if (!v.valid) return py::none();
            return py::dict("values"_a = component_values(ci.type(), raw),
                            "extrapolated"_a = v.extrapolated,
                            "extrapolated_ticks"_a = v.extrapolated_ticks.to_double());
          },
          "render_tick"_a,
          "{'values', 'extrapolated', 'extrapolated_ticks'} at a fractional tick; None before "
          "the first sample.")
      .def_property_readonly("newest_tick", &netcode::ComponentInterpolator::newest_tick)
      .def("__len__", &netcode::ComponentInterpolator::size);

  bind_netcode_inputs(m);     // InputSchema, InputSender, InputBuffer (netcode_input_bindings.cpp)
  bind_netcode_input_log(m);  // InputLogWriter, replay_input_log (netcode_input_log_bindings.cpp)

  py::class_<netcode::CorrectionSmoother>(
      m, "CorrectionSmoother",
      "Hides a correction's snap: the drawn position keeps the old spot as an offset that decays "
      "each tick")
      .def(py::init([](double keep, double snap_distance) {
             return netcode::CorrectionSmoother(fx_from_python(keep, "keep"),
                                                fx_from_python(snap_distance, "snap_distance"));
           }),
           "keep"_a = 0.7, "snap_distance"_a = 4.0,
           "Each tick keeps `keep` of the offset; offsets over `snap_distance` are not smoothed.")
      .def(
          "on_correction",
          [](netcode::CorrectionSmoother& s, const std::vector<double>& before,
             const std::vector<double>& after) {
            s.on_correction(vec3(before, "before"), vec3(after, "after"));
          },
          "before"_a, "after"_a, "A correction moved the position from `before` to `after`.")
      .def("tick", &netcode::CorrectionSmoother::tick, "One tick of decay.")
      .def(
          "render",
          [](const netcode::CorrectionSmoother& s, const std::vector<double>& simulated) {
            return to_tuple(s.render(vec3(simulated, "simulated")));
          },
          "simulated"_a, "Where to draw a position the simulation puts at `simulated`.")
      .def_property_readonly("remaining", [](const netcode::CorrectionSmoother& s) {
        return s.remaining().to_double();
      });
  m.def(
      "first_divergence",
      [](py::object step, py::object compare, py::object initial, const py::list& inputs,
         const py::list& recorded, std::uint32_t first_tick) -> std::optional<py::dict> {
        PythonModel model{std::move(step), std::move(compare)};
        std::vector<py::object> in, rec;
        for (py::handle h : inputs) in.push_back(py::reinterpret_borrow<py::object>(h));
        for (py::handle h : recorded) rec.push_back(py::reinterpret_borrow<py::object>(h));
        auto d = netcode::first_divergence(model, std::move(initial), first_tick,
                                           std::span<const py::object>(in),
                                           std::span<const py::object>(rec));
        if (!d) return std::nullopt;
        return py::dict("tick"_a = d->tick, "diff"_a = d->diff);
      },
      "step"_a, "compare"_a, "initial"_a, "inputs"_a, "recorded"_a, "first_tick"_a = 1,
      "Replays `inputs` through `step` from `initial` and compares each state with `recorded`: "
      "the first tick that differs ({'tick', 'diff'}), or None.");
}

}  // namespace theta_net::bindings
