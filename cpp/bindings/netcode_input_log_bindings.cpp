// theta_net._core.netcode's input logs: InputLogWriter (a server's applied inputs by tick, in
// the application's input schema) and replay_input_log, which plays a log into a Python target
// (join, leave, step) tick by tick with the C++ rules and checks. Inputs are dicts in natural
// units, as everywhere in the netcode bindings, or the schema's codes (input_codes: exact where
// quantizing a dequantized value again is not, as for quaternions). Errors are ReplayError, but
// an input dict's field missing or out of range, which is ProtocolError as everywhere.
#include <pybind11/stl.h>

#include <optional>
#include <string>

#include "border.hpp"
#include "component_values.hpp"
#include "json_convert.hpp"
#include "theta_net/netcode/input_log.hpp"
#include "theta_net/netcode/input_log_replay.hpp"

namespace theta_net::bindings {

using namespace pybind11::literals;

namespace {

replay::StreamHeader header_from(const py::dict& header) {
  return unwrap(replay::StreamHeader::from_json(json_from_py(header)), ErrorKind::kReplay);
}

// Calls the Python target's methods; what they raise goes up through the replay unchanged.
class PyInputLogTarget : public netcode::InputLogTarget {
 public:
  PyInputLogTarget(const netcode::InputSchema& schema, py::object target)
      : schema_(schema), target_(std::move(target)) {}

  Status join(std::uint32_t tick, std::uint64_t entity, const std::string& name) override {
    target_.attr("join")(tick, entity, name);
    return {};
  }
  Status leave(std::uint32_t tick, std::uint64_t entity, const std::string& detail) override {
    target_.attr("leave")(tick, entity, detail);
    return {};
  }
  Status step(std::uint32_t tick, std::span<const netcode::LoggedInput> inputs) override {
    py::dict by_entity;
    for (const auto& in : inputs) by_entity[py::int_(in.entity)] = input_values(schema_, in.codes);
    target_.attr("step")(tick, by_entity);
    return {};
  }
  Status record(const replay::JsonValue& event) override {
    if (py::hasattr(target_, "record")) target_.attr("record")(json_to_py(event));
    return {};
  }

 private:
  const netcode::InputSchema& schema_;
  py::object target_;
};

}  // namespace

void bind_netcode_input_log(py::module_& m) {
  py::class_<netcode::InputLogWriter>(
      m, "InputLogWriter", "A server's applied inputs by tick, in the application's input schema")
      .def(py::init([](const netcode::InputSchema& schema, const py::dict& header,
                       std::optional<std::string> path) {
             if (path) {
               return unwrap(netcode::InputLogWriter::open(*path, schema, header_from(header)),
                             ErrorKind::kReplay);
             }
             return unwrap(netcode::InputLogWriter::to_memory(schema, header_from(header)),
                           ErrorKind::kReplay);
           }),
           "schema"_a, "header"_a, "path"_a = py::none())
      .def(
          "join",
          [](netcode::InputLogWriter& w, std::uint32_t tick, std::uint64_t entity,
             const std::string& name) { unwrap(w.join(tick, entity, name), ErrorKind::kReplay); },
          "tick"_a, "entity"_a, "name"_a)
      .def(
          "leave",
          [](netcode::InputLogWriter& w, std::uint32_t tick, std::uint64_t entity,
             const std::string& detail) {
            unwrap(w.leave(tick, entity, detail), ErrorKind::kReplay);
          },
          "tick"_a, "entity"_a, "detail"_a)
      .def(
          "input",
          [](netcode::InputLogWriter& w, std::uint32_t tick, std::uint64_t entity,
             const py::dict& input) {
            const auto codes = input_codes(w.schema(), input, netcode::OutOfRange::kRefuse);
            unwrap(w.input(tick, entity, codes), ErrorKind::kReplay);
          },
          "tick"_a, "entity"_a, "input"_a)
      .def(
          "input_codes",
          [](netcode::InputLogWriter& w, std::uint32_t tick, std::uint64_t entity,
             const std::vector<std::int64_t>& codes) {
            unwrap(w.input(tick, entity, codes), ErrorKind::kReplay);
          },
          "tick"_a, "entity"_a, "codes"_a)
      .def(
          "record",
          [](netcode::InputLogWriter& w, const py::dict& event) {
            unwrap(w.record(json_from_py(event)), ErrorKind::kReplay);
          },
          "event"_a)
      .def(
          "end",
          [](netcode::InputLogWriter& w, std::uint32_t tick) {
            unwrap(w.end(tick), ErrorKind::kReplay);
          },
          "tick"_a)
      .def("take", &netcode::InputLogWriter::take)
      .def_property_readonly("inputs_written", &netcode::InputLogWriter::inputs_written);

  m.def(
      "replay_input_log",
      [](const netcode::InputSchema& schema, py::object target, std::optional<std::string> path,
         std::optional<std::string> text, std::uint32_t max_ticks) {
        if (path.has_value() == text.has_value()) {
          throw BorderError(ErrorKind::kReplay,
                            make_error(ErrorCode::kInvalidArgument,
                                       "give the input log's path or its text, not both"));
        }
        auto reader = unwrap(path ? netcode::InputLogReader::open(*path, schema)
                                  : netcode::InputLogReader::from_memory("<text>", *text, schema),
                             ErrorKind::kReplay);
        PyInputLogTarget py_target(schema, std::move(target));
        netcode::InputLogReplayLimits limits;
        limits.max_ticks = max_ticks;
        const auto summary =
            unwrap(netcode::replay_input_log(reader, py_target, limits), ErrorKind::kReplay);
        return py::dict("ticks"_a = summary.ticks, "inputs"_a = summary.inputs,
                        "joins"_a = summary.joins, "leaves"_a = summary.leaves,
                        "ended"_a = summary.ended,
                        "header"_a = json_to_py(reader.header().to_json()));
      },
      "schema"_a, "target"_a, "path"_a = py::none(), "text"_a = py::none(),
      "max_ticks"_a = 10'000'000,
      "Plays an input log into target.join / leave / step(tick, {entity: input}) / record.");
}

}  // namespace theta_net::bindings
