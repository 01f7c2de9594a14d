// `theta-net collab fuzz`: the collaboration layer's convergence fuzz run
// (session/collab_fuzz.hpp) as one call that releases the GIL for the whole run and returns the
// report as a dict (the contract's keys first, from the report's visit()).
#include <pybind11/stl.h>

#include <optional>
#include <tuple>

#include "border.hpp"
#include "metrics_convert.hpp"
#include "theta_net/session/collab_fuzz.hpp"

namespace theta_net::bindings {

using namespace pybind11::literals;

void bind_collab_fuzz(py::module_& m) {
  m.def(
      "collab_fuzz",
      [](std::size_t clients, std::uint64_t ops, std::uint64_t seed, double loss, double reorder,
         double duplicate, std::optional<std::tuple<std::size_t, Micros, Micros>> partition,
         Micros latency, Micros duration, std::uint64_t entities, Micros drain_timeout, Micros step,
         bool signed_commands, bool keep_log) {
        session::CollabFuzzConfig config;
        config.clients = clients;
        config.ops = ops;
        config.seed = seed;
        config.loss = loss;
        config.reorder = reorder;
        config.duplicate = duplicate;
        if (partition) {
          config.partition = session::CollabFuzzPartition{
              std::get<0>(*partition), std::get<1>(*partition), std::get<2>(*partition)};
        }
        config.latency = latency;
        config.duration = duration;
        config.entities = entities;
        config.drain_timeout = drain_timeout;
        config.step = step;
        config.signed_commands = signed_commands;
        Result<session::CollabFuzzReport> report = [&] {
          py::gil_scoped_release release;
          return session::run_collab_fuzz(config);
        }();
        const session::CollabFuzzReport done = unwrap(std::move(report), ErrorKind::kError);
        py::dict out = metrics_dict(done);
        if (keep_log) out["command_log"] = to_pybytes(done.command_log);
        return out;
      },
      "clients"_a, "ops"_a, "seed"_a = 1, "loss"_a = 0.0, "reorder"_a = 0.0, "duplicate"_a = 0.0,
      "partition"_a = py::none(), "latency"_a = 0.025, "duration"_a = 10.0, "entities"_a = 4,
      "drain_timeout"_a = 60.0, "step"_a = 0.001, "signed_commands"_a = true, "keep_log"_a = false,
      "Runs the collaboration fuzz: a DataServer with signed commands and `clients` clients "
      "(c0.., each with its own Ed25519 key) making `ops` random writes in all over SimNet, "
      "spread over `duration` seconds of virtual time, on a schema with a table per conflict "
      "strategy; then drains until settled (at most `drain_timeout`). `loss`, `reorder` and "
      "`duplicate` (0..1) and `latency` (one way, seconds) apply to every client's link; "
      "`partition` = (client index, start, length) cuts one client off. Returns the report: "
      "converged, conflicts (by strategy), log_entries, state_hash (hex SHA-256 of the server's "
      "store), and more. `signed_commands=False` runs the same writes as the data layer's "
      "unsigned writes (the baseline). The same arguments give the same report. "
      "`keep_log=True` adds command_log: the server's command log as a file's bytes.");
  m.def(
      "collab_fuzz_replay",
      [](const py::buffer& log, std::uint64_t entities) {
        BufferView view(log);
        return unwrap(session::replay_collab_fuzz_log(view.bytes(), entities), ErrorKind::kError);
      },
      "log"_a, "entities"_a = 4,
      "Replays a collab fuzz run's command log on a fresh server (populated as a run starts, its "
      "resolver deciding again) and returns that store's state_hash: the run's, when the log is "
      "whole.");
}

}  // namespace theta_net::bindings
