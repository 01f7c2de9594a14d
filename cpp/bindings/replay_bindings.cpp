// Python access to event streams: the stream diff and the replay runner (GIL released while
// they run), the canonical JSON of a value, and the event writer and reader.
// python/theta_net/replay.py is the documented API over these; errors are theta_net.ReplayError.
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <vector>

#include "border.hpp"
#include "json_convert.hpp"
#include "theta_net/replay/event_reader.hpp"
#include "theta_net/replay/event_writer.hpp"
#include "theta_net/replay/stream_diff.hpp"
#include "theta_net/session/replay_runner.hpp"

namespace theta_net::bindings {

using namespace pybind11::literals;
using replay::JsonValue;

namespace {

class PyEventReader {
 public:
  explicit PyEventReader(const std::string& path)
      : reader_(unwrap(replay::EventReader::open(path), ErrorKind::kReplay)) {}
  py::object header() const { return json_to_py(reader_.header()); }
  py::object next() {
    JsonValue event;
    if (!unwrap(reader_.next(event), ErrorKind::kReplay)) throw py::stop_iteration();
    return json_to_py(event);
  }

 private:
  replay::EventReader reader_;
};

}  // namespace

void bind_replay(py::module_& m) {
  m.def(
      "replay_diff",
      [](const std::string& a, const std::string& b, double float_tol,
         std::vector<std::string> ignore, std::vector<std::string> ignore_kinds,
         std::size_t max_differences, std::vector<std::string> state_hash_kinds) {
        replay::DiffOptions options;
        options.float_tol = float_tol;
        options.ignore_fields = std::move(ignore);
        options.ignore_kinds = std::move(ignore_kinds);
        options.max_differences = max_differences;
        options.state_hash_kinds = std::move(state_hash_kinds);
        Result<std::string> json = [&]() -> Result<std::string> {
          py::gil_scoped_release release;
          THETA_TRY_ASSIGN(replay::DiffReport report, replay::diff_event_files(a, b, options));
          return replay::to_canonical(report.to_json());
        }();
        return unwrap(std::move(json), ErrorKind::kReplay);
      },
      "a"_a, "b"_a, "float_tol"_a = 0.0, "ignore"_a = std::vector<std::string>{},
      "ignore_kinds"_a = std::vector<std::string>{}, "max_differences"_a = 1000,
      "state_hash_kinds"_a = std::vector<std::string>{"state_hash"},
      "Structural diff of two event stream files; the report as canonical JSON text.");

  m.def(
      "replay_input_log",
      [](const std::string& input_log, const std::string& out_path) {
        py::gil_scoped_release release;
        auto header = unwrap(session::server_header_for_replay(input_log), ErrorKind::kReplay);
        auto writer = unwrap(replay::EventWriter::open(out_path, header), ErrorKind::kReplay);
        const auto summary =
            unwrap(session::replay_input_log(input_log, writer), ErrorKind::kReplay);
        unwrap(writer.close(), ErrorKind::kReplay);
        py::gil_scoped_acquire acquire;
        return py::dict("ticks"_a = summary.ticks, "inputs"_a = summary.inputs,
                        "events"_a = summary.events_written);
      },
      "input_log"_a, "out"_a,
      "Runs a headless server on an input log and writes its event stream to `out`.");

  m.def(
      "replay_canonical_json",
      [](const py::object& value) {
        return unwrap(replay::to_canonical(json_from_py(value)), ErrorKind::kReplay);
      },
      "value"_a, "The canonical JSON text of a value (sorted keys, Python-repr floats).");

  m.def(
      "replay_format_version", [] { return replay::kEventStreamFormatVersion; },
      "The event stream format version this build writes and reads.");

  m.def(
      "replay_header_for_this_build",
      [](const std::string& scenario, std::uint64_t world_seed, std::uint32_t tick_rate,
         const std::string& role) {
        return json_to_py(
            replay::StreamHeader::for_this_build(scenario, world_seed, tick_rate, role).to_json());
      },
      "scenario"_a, "world_seed"_a, "tick_rate"_a, "role"_a,
      "A stream header with this build's protocol version and schema hash.");

  py::class_<replay::EventWriter>(m, "ReplayEventWriter",
                                  "Writes a canonical event stream to a file or to memory.")
      .def(py::init([](const py::dict& header, std::optional<std::string> path) {
             const std::string* p = path ? &*path : nullptr;
             return unwrap(replay::EventWriter::from_json_header(json_from_py(header), p),
                           ErrorKind::kReplay);
           }),
           "header"_a, "path"_a = py::none())
      .def(
          "write",
          [](replay::EventWriter& w, const py::dict& event) {
            unwrap(w.write(json_from_py(event)), ErrorKind::kReplay);
          },
          "event"_a, "Appends one event (a dict with tick and kind).")
      .def(
          "take", [](replay::EventWriter& w) { return w.take(); },
          "A memory writer's text written since the last take().")
      .def(
          "flush", [](replay::EventWriter& w) { unwrap(w.flush(), ErrorKind::kReplay); },
          "Hands buffered lines to the file.")
      .def(
          "close", [](replay::EventWriter& w) { unwrap(w.close(), ErrorKind::kReplay); },
          "Flushes and closes the file.")
      .def_property_readonly("events_written", &replay::EventWriter::events_written);

  py::class_<PyEventReader>(m, "ReplayEventReader",
                            "Reads an event stream file event by event (a border).")
      .def(py::init<const std::string&>(), "path"_a)
      .def_property_readonly("header", &PyEventReader::header)
      .def("__iter__", [](PyEventReader& r) -> PyEventReader& { return r; })
      .def("__next__", &PyEventReader::next);
}

}  // namespace theta_net::bindings
