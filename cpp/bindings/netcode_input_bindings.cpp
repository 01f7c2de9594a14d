// theta_net._core.netcode's inputs: an application's input declared like a component
// (InputSchema), its delta-coded bundles, and the two ends that carry them: the client's
// InputSender and the server's InputBuffer. Inputs are dicts of {field: value} in natural units;
// the rules (ranges, one-shot fields, baselines, late and starved ticks) are the C++ ones.
#include <pybind11/stl.h>

#include <algorithm>
#include <span>
#include <string>
#include <vector>

#include "border.hpp"
#include "component_values.hpp"
#include "metrics_convert.hpp"
#include "theta_net/netcode/input_buffer.hpp"
#include "theta_net/netcode/input_codec.hpp"
#include "theta_net/netcode/input_schema.hpp"
#include "theta_net/netcode/input_sender.hpp"

namespace theta_net::bindings {

using namespace pybind11::literals;

namespace {

// A list of inputs ({field: value} in natural units) as rows of codes, each checked against the
// schema's ranges by `policy`.
std::vector<std::int64_t> input_rows(const netcode::InputSchema& schema, const py::list& inputs,
                                     netcode::OutOfRange policy) {
  std::vector<std::int64_t> rows;
  for (py::handle item : inputs) {
    const std::vector<std::int64_t> codes = input_codes(schema, item.cast<py::dict>(), policy);
    rows.insert(rows.end(), codes.begin(), codes.end());
  }
  return rows;
}

}  // namespace

void bind_netcode_inputs(py::module_& m) {
  py::class_<netcode::InputSchema>(m, "InputSchema",
                                   "An application's input, declared like a component")
      .def(py::init([](std::string name, std::vector<replication::FieldDescriptor> fields,
                       const std::vector<std::string>& one_shot) {
             std::vector<netcode::InputField> declared;
             for (auto& f : fields) {
               const bool once =
                   std::find(one_shot.begin(), one_shot.end(), f.name) != one_shot.end();
               declared.push_back({std::move(f), !once});
             }
             for (const std::string& name_once : one_shot) {
               if (std::none_of(declared.begin(), declared.end(),
                                [&](const auto& d) { return d.field.name == name_once; })) {
                 throw BorderError(ErrorKind::kProtocol,
                                   make_error(ErrorCode::kInvalidArgument, "one_shot names '",
                                              name_once, "', which is no field of the input"));
               }
             }
             return unwrap(netcode::InputSchema::make(std::move(name), std::move(declared)),
                           ErrorKind::kProtocol);
           }),
           "name"_a, "fields"_a, "one_shot"_a = std::vector<std::string>{})
      .def_property_readonly("name", &netcode::InputSchema::name)
      .def_property_readonly("fields",
                             [](const netcode::InputSchema& s) { return s.type().fields(); })
      .def_property_readonly(
          "default",
          [](const netcode::InputSchema& s) { return input_values(s, s.default_codes()); })
      .def(
          "codes",
          [](const netcode::InputSchema& s, const py::dict& input) {
            return input_codes(s, input, netcode::OutOfRange::kRefuse);
          },
          "input"_a,
          "An input's codes (the quantized integers a step sees); a value out of its field's "
          "range raises ProtocolError.")
      .def(
          "values",
          [](const netcode::InputSchema& s, const std::vector<std::int64_t>& codes) {
            if (codes.size() != s.slots()) {
              throw BorderError(ErrorKind::kProtocol,
                                make_error(ErrorCode::kInvalidArgument, s.name(), " has ",
                                           s.slots(), " codes, not ", codes.size()));
            }
            unwrap(s.type().check_codes(codes), ErrorKind::kProtocol);
            return input_values(s, codes);
          },
          "codes"_a, "The input (a dict in natural units) that codes stand for.")
      .def(
          "encode_bundle",
          [](const netcode::InputSchema& s, std::uint32_t first_tick, const py::list& inputs,
             const py::object& baseline, bool clamp) {
            const auto policy = clamp ? netcode::OutOfRange::kClamp : netcode::OutOfRange::kRefuse;
            const std::vector<std::int64_t> rows = input_rows(s, inputs, policy);
            std::vector<std::int64_t> base;
            if (!baseline.is_none())
              base = input_rows(s, py::list(py::make_tuple(baseline)), policy);
            return to_pybytes(unwrap(netcode::encode_input_bundle(s, first_tick, rows, base),
                                     ErrorKind::kProtocol));
          },
          "first_tick"_a, "inputs"_a, "baseline"_a = py::none(), "clamp"_a = false,
          "A bundle of the inputs for ticks first_tick.. ({field: value} each, natural units), "
          "coded against `baseline` (the input for first_tick - 1 the receiver holds) or the "
          "default input. Values outside a field's range are refused, or clamped with clamp=True.")
      .def(
          "decode_bundle",
          [](const netcode::InputSchema& s, const py::buffer& payload, const py::object& baseline) {
            BufferView view(payload);
            std::vector<std::int64_t> base;
            if (!baseline.is_none()) {
              base =
                  input_rows(s, py::list(py::make_tuple(baseline)), netcode::OutOfRange::kRefuse);
            }
            auto decoded =
                unwrap(netcode::decode_input_bundle(s, view.bytes(), base), ErrorKind::kProtocol);
            py::list inputs;
            for (std::size_t i = 0; i < decoded.header.count; ++i) {
              inputs.append(
                  input_values(s, std::span(decoded.rows).subspan(i * s.slots(), s.slots())));
            }
            return py::dict("first_tick"_a = decoded.header.first_tick,
                            "against_previous"_a = decoded.header.against_previous,
                            "inputs"_a = inputs);
          },
          "payload"_a, "baseline"_a = py::none(),
          "{'first_tick', 'against_previous', 'inputs'}; raises theta_net.ProtocolError naming "
          "what was wrong.");

  py::class_<netcode::InputSender>(
      m, "InputSender",
      "The client's inputs until the server acknowledges them, and each tick's bundle of the "
      "unacknowledged ones (coded against the acknowledged input the server holds)")
      .def(py::init<netcode::InputSchema>(), "schema"_a)
      .def(
          "push",
          [](netcode::InputSender& s, std::uint32_t tick, const py::dict& input, bool clamp) {
            const auto policy = clamp ? netcode::OutOfRange::kClamp : netcode::OutOfRange::kRefuse;
            const std::vector<std::int64_t> codes =
                input_rows(s.schema(), py::list(py::make_tuple(input)), policy);
            unwrap(s.push(tick, codes), ErrorKind::kProtocol);
          },
          "tick"_a, "input"_a, "clamp"_a = false,
          "The input for `tick` ({field: value}); ticks go up by one (a gap starts the run "
          "again). Raises theta_net.ProtocolError for a value outside its field's range (unless "
          "clamp=True) or a tick not after the last one.")
      .def("acknowledge", &netcode::InputSender::acknowledge, "tick"_a,
           "The server ran `tick` on this client's input (GameState.last_input_tick).")
      .def(
          "bundle",
          [](netcode::InputSender& s) -> py::object {
            auto bundle = unwrap(s.bundle(), ErrorKind::kProtocol);
            if (!bundle) return py::none();
            return to_pybytes(*bundle);
          },
          "The bundle of every unacknowledged input (GameInput.bundle), or None.")
      .def_property_readonly("unacknowledged", &netcode::InputSender::unacknowledged)
      .def_property_readonly("acknowledged_tick", &netcode::InputSender::acknowledged_tick)
      .def_property_readonly("last_tick", &netcode::InputSender::last_tick)
      .def_property_readonly("stats",
                             [](const netcode::InputSender& s) { return metrics_dict(s.stats()); });

  py::class_<netcode::InputBuffer>(
      m, "InputBuffer",
      "The server's buffer of one client's inputs: by tick, dropping repeats and late inputs; a "
      "starved tick repeats the last input without its one-shot fields")
      .def(py::init<netcode::InputSchema, std::uint32_t>(), "schema"_a, "horizon_ticks"_a = 128)
      .def(
          "add_bundle",
          [](netcode::InputBuffer& b, const py::buffer& payload, std::uint32_t next_tick) {
            BufferView view(payload);
            unwrap(b.add_bundle(view.bytes(), next_tick), ErrorKind::kProtocol);
          },
          "payload"_a, "next_tick"_a,
          "Adds a bundle's inputs (`next_tick`: the next tick the server simulates); all or "
          "nothing. Raises theta_net.ProtocolError naming what was wrong, including a bundle "
          "coded against an input this buffer does not hold.")
      .def(
          "take",
          [](netcode::InputBuffer& b, std::uint32_t tick) {
            return input_values(b.schema(), b.take(tick));
          },
          "tick"_a, "The input to simulate `tick` with (call once per tick, in order).")
      .def(
          "take_codes",
          [](netcode::InputBuffer& b, std::uint32_t tick) {
            const auto codes = b.take(tick);
            return std::vector<std::int64_t>(codes.begin(), codes.end());
          },
          "tick"_a,
          "take(), as the schema's codes: exactly what a step saw (InputSchema.values gives the "
          "dict), for an input log.")
      .def_property_readonly("last_applied_tick", &netcode::InputBuffer::last_applied_tick,
                             "The newest tick run on the client's own input: what to "
                             "acknowledge.")
      .def_property_readonly("depth", &netcode::InputBuffer::depth)
      .def_property_readonly("stats",
                             [](const netcode::InputBuffer& b) { return metrics_dict(b.stats()); });
}

}  // namespace theta_net::bindings
