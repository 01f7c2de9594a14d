// `theta-net data soak`: the data layer's soak and load run (session/data_soak.hpp) as one call
// that releases the GIL for the whole run and returns the report as a dict (the contract's keys,
// from the report's visit()).
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <tuple>

#include "border.hpp"
#include "metrics_convert.hpp"
#include "theta_net/session/data_soak.hpp"

namespace theta_net::bindings {

using namespace pybind11::literals;

void bind_data_soak(py::module_& m) {
  m.def(
      "data_soak",
      [](std::size_t clients, std::uint64_t entities, Micros seconds, double writes_per_second,
         const std::string& transport, Micros latency, double loss,
         std::optional<std::tuple<std::size_t, Micros, Micros>> partition, std::uint64_t seed,
         double server_share, Micros drain_timeout, Micros step, Micros flush_interval,
         std::uint64_t bytes_per_second, bool record_batches, const py::object& dictionary,
         bool signed_commands) {
        session::DataSoakConfig config;
        config.clients = clients;
        config.entities = entities;
        config.duration = seconds;
        config.writes_per_second = writes_per_second;
        config.network = unwrap(session::network_kind_named(transport), ErrorKind::kError);
        config.latency = latency;
        config.loss = loss;
        if (partition) {
          config.partition = session::SoakPartition{
              std::get<0>(*partition), std::get<1>(*partition), std::get<2>(*partition)};
        }
        config.seed = seed;
        config.server_share = server_share;
        config.drain_timeout = drain_timeout;
        config.step = step;
        config.flush_interval = flush_interval;
        config.bytes_per_second = bytes_per_second;
        config.signed_commands = signed_commands;
        std::vector<Bytes> recorded;
        if (record_batches) {
          config.record_batch = [&recorded](data::Version, ByteSpan payload) {
            recorded.emplace_back(payload.begin(), payload.end());
          };
        }
        if (!dictionary.is_none()) {
          const std::string bytes = dictionary.cast<std::string>();
          config.dictionary.assign(bytes.begin(), bytes.end());
        }
        Result<session::DataSoakReport> report = [&] {
          py::gil_scoped_release release;
          return session::run_data_soak(config);
        }();
        py::dict out = metrics_dict(unwrap(std::move(report), ErrorKind::kError));
        if (record_batches) {
          py::list batches;
          for (const Bytes& b : recorded) batches.append(to_pybytes(b));
          out["recorded_batches"] = batches;
        }
        return out;
      },
      "clients"_a, "entities"_a, "seconds"_a, "writes_per_second"_a, "transport"_a = "sim",
      "latency"_a = 0.0, "loss"_a = 0.0, "partition"_a = py::none(), "seed"_a = 1,
      "server_share"_a = 0.5, "drain_timeout"_a = 30.0, "step"_a = 0.0, "flush_interval"_a = 0.0,
      "bytes_per_second"_a = 0, "record_batches"_a = false, "dictionary"_a = py::none(),
      "signed_commands"_a = false,
      "Runs the data layer's soak: a DataServer with `entities` entities and `clients` clients "
      "(c0..), `writes_per_second` writes for `seconds` (virtual time over 'sim', wall time over "
      "'quic'), then a drain of at most `drain_timeout`; returns the report (converged, "
      "broadcast_latency_ms, full_sync_s, catchups, ...). `latency` (one way) and `loss` apply to "
      "every client's link; `partition` = (client index, start, length) cuts one client off. "
      "Times are seconds; `step` 0 = 1 ms (sim) or 2 ms (quic). `record_batches` adds the raw "
      "payload of every batch the server closed (`recorded_batches`, a list of bytes); "
      "`dictionary` (bytes) is a zstd dictionary the server offers and every client holds.");
}

}  // namespace theta_net::bindings
