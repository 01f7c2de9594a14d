// Python access to LocalGame: a whole game (server and clients) on one machine over SimNet in
// virtual time or QUIC on loopback, as scenarios run it. The GIL is released while it runs.
#include <pybind11/stl.h>

#include <cmath>
#include <memory>

#include "data_values.hpp"
#include "game_convert.hpp"
#include "metrics_convert.hpp"
#include "status_convert.hpp"
#include "theta_net/session/local_session.hpp"
#include "theta_net/session/metrics_report.hpp"
#include "theta_net/session/replay_runner.hpp"
#include "theta_net/session/server_status_json.hpp"

namespace theta_net::bindings {
namespace {

using namespace pybind11::literals;
using session::GameClient;

// The Python owner of a LocalGame: the session plus the stream files it writes.
struct PyLocalGame {
  std::unique_ptr<replay::EventWriter> events, inputs;
  std::vector<std::unique_ptr<replay::EventWriter>> client_events;
  std::unique_ptr<session::LocalSession> session;
  std::string scenario;
  std::uint64_t seed = 1;
  std::uint32_t tick_rate = 20;
};

session::NetworkKind network_named(const std::string& network) {
  return unwrap(session::network_kind_named(network), ErrorKind::kScenario);
}

session::LocalClientSpec client_spec(const std::string& name,
                                     const std::optional<std::string>& preset,
                                     std::optional<double> latency_ms,
                                     std::optional<double> jitter_ms, std::optional<double> loss,
                                     std::optional<std::uint64_t> bandwidth_bits,
                                     std::optional<double> reorder, std::optional<double> duplicate,
                                     bool relay) {
  session::LocalClientSpec spec;
  spec.name = name;
  if (preset) spec.link = unwrap(transport::link_preset_named(*preset), ErrorKind::kScenario);
  const auto us = [](double ms) { return std::chrono::microseconds(std::llround(ms * 1000)); };
  if (latency_ms) spec.link.latency = us(*latency_ms);
  if (jitter_ms) spec.link.jitter = us(*jitter_ms);
  if (loss) spec.link.loss = *loss;
  if (bandwidth_bits) spec.link.rate_bits_per_second = *bandwidth_bits;
  if (reorder) spec.link.reorder = *reorder;
  if (duplicate) spec.link.duplicate = *duplicate;
  spec.relay = relay;
  return spec;
}

// The server's status in its JSON form (session/server_status_json.hpp), the network log after
// log_after; made without the GIL.
std::string local_status_json(PyLocalGame& g, std::uint64_t log_after) {
  py::gil_scoped_release release;
  session::ServerStatusOptions options;
  options.log_after = log_after;
  const session::ServerDriver& driver = g.session->server_driver();
  return session::server_status_json(
      g.session->server().status(driver.transport_lookup(), &driver.tick_times(), options));
}

py::list players_of(session::LocalSession& s) {
  py::list out;
  for (const auto& [id, p] : s.server().world().simulation().players()) {
    out.append(player_dict(id, p.name, p.state));
  }
  return out;
}

}  // namespace

void bind_local_game(py::module_& m) {
  // The transports a local run can use ("sim", "quic", "tcp"): the one list Python checks
  // scenario files and command lines against.
  std::vector<std::string> transports;
  for (std::string_view name : session::network_kind_names()) transports.emplace_back(name);
  m.attr("TRANSPORTS") = py::tuple(py::cast(transports));
  m.def(
      "game_data_schema",
      [](std::optional<std::string> user_toml) {
        return game_data_schemas(user_toml).composed->to_toml();
      },
      "user_toml"_a = py::none(),
      "The reference game's data schema with the application's tables (schema TOML text) "
      "appended, as canonical TOML; raises theta_net.Error naming what is wrong.");
  m.def(
      "check_telemetry_counter_name",
      [](const std::string& name) { unwrap(session::check_counter_name(name), ErrorKind::kError); },
      "name"_a,
      "Checks a TelemetryReport counter name as clients and the server do (1 to 64 of A-Z a-z "
      "0-9 _ . : -, not starting with a digit or punctuation); raises theta_net.Error "
      "(invalid_argument) naming what is wrong.");
  m.def(
      "check_game_data_write",
      [](const std::string& table, data::EntityId entity, const py::object& set, bool remove,
         std::optional<std::string> user_toml) {
        const GameDataSchemas schemas = game_data_schemas(user_toml);
        const data::Transaction tx =
            write_from_python(schemas.composed, table, entity, set, remove);
        unwrap(session::check_client_ops(*schemas.composed, tx.ops()), ErrorKind::kError);
        return tx.ops().size();
      },
      "table"_a, "entity"_a, "set"_a = py::none(), "remove"_a = false, "user_toml"_a = py::none(),
      "Checks a client's data write as a scenario gives it (set = {component: {field: value}}, "
      "or remove=True) against the game's data schema; returns its op count, raises "
      "theta_net.Error naming what is wrong.");
  py::class_<PyLocalGame>(m, "LocalGame",
                          "A server and clients on one machine, over SimNet or QUIC.")
      .def(py::init(
               [](const std::string& network, const std::string& terrain, std::uint64_t seed,
                  std::uint32_t tick_rate, std::int32_t view_radius, std::uint64_t bytes_per_second,
                  std::optional<std::string> events, std::optional<std::string> input_log,
                  const std::string& scenario, std::uint32_t hash_interval,
                  const std::string& qlog_dir, std::optional<std::uint64_t> net_seed,
                  std::optional<std::pair<std::int64_t, std::int64_t>> size,
                  std::optional<std::string> data_schema,
                  const std::map<std::string, std::string>& tokens, bool signed_commands,
                  std::optional<double> slow_frame_ms, std::uint32_t mobs, std::size_t workers) {
                 if (mobs > sim::kMaxMobs) {
                   throw BorderError(ErrorKind::kError,
                                     make_error(ErrorCode::kInvalidArgument, "mobs must be 0..",
                                                sim::kMaxMobs, ", got ", mobs));
                 }
                 auto self = std::make_unique<PyLocalGame>();
                 const world::WorldBounds bounds = bounds_of(size);
                 const GameDataSchemas schemas = game_data_schemas(data_schema);
                 self->scenario = scenario;
                 self->seed = seed;
                 self->tick_rate = tick_rate;
                 const auto extra = session::world_header_extra(terrain, hash_interval, bounds,
                                                                schemas.user.get(), mobs);
                 self->events = open_stream(events, scenario, seed, tick_rate, "server", extra);
                 self->inputs = open_stream(input_log, scenario, seed, tick_rate, "inputs", extra);
                 session::LocalSessionConfig config;
                 config.network = network_named(network);
                 config.seed = net_seed.value_or(seed);
                 config.qlog_dir = qlog_dir;
                 config.server = server_config(terrain, seed, tick_rate, view_radius,
                                               bytes_per_second, hash_interval, bounds);
                 config.server.world.data_schema = schemas.composed;
                 config.server.sessions.handshake.tokens = role_tokens(tokens);
                 config.server.world.signed_commands = signed_commands;
                 config.server.world.mobs.count = mobs;
                 config.server.world.mobs.seed = seed;
                 config.server.workers = workers;
                 if (slow_frame_ms) config.server.telemetry.slow_frame_ms = *slow_frame_ms;
                 self->session = unwrap(
                     session::LocalSession::create(config, self->events.get(), self->inputs.get()),
                     ErrorKind::kTransport);
                 return self;
               }),
           "network"_a = "sim", "terrain"_a = "superflat", "seed"_a = 1, "tick_rate"_a = 20,
           "view_radius"_a = 3, "bytes_per_second"_a = 1'000'000, "events"_a = py::none(),
           "input_log"_a = py::none(), "scenario"_a = "", "hash_interval"_a = 20, "qlog_dir"_a = "",
           "net_seed"_a = py::none(), "size"_a = py::none(), "data_schema"_a = py::none(),
           "tokens"_a = std::map<std::string, std::string>{}, "signed_commands"_a = false,
           "slow_frame_ms"_a = py::none(), "mobs"_a = 0, "workers"_a = 0,
           "`mobs`: server-driven entities wandering the terrain (sim/mobs.hpp), spawned within "
           "256 blocks of the origin. `workers`: threads beside the tick thread that generate and "
           "encode chunks and share the clients' entity updates (the game is the same for any "
           "number). `signed_commands`: clients write data as "
           "commands signed "
           "with their keys, checked "
           "and ordered by the server, conflicts settled by the schema's strategies and "
           "recorded (docs/collaboration.md). `tokens` maps auth tokens to role names (viewer, "
           "player, editor, admin; without "
           "tokens every client is an editor). `seed` makes the world; `net_seed` (default: "
           "`seed`) the network's randomness, keys "
           "and nonces; `size` = (x, z) bounds the world to that many blocks around the origin "
           "(air beyond it, down to the floor below the world); `data_schema` (schema TOML text) "
           "appends the application's data tables to the reference game's. A client's "
           "TelemetryReport whose p99 frame time is above `slow_frame_ms` raises a slow-frame "
           "alert (0: never; None: the server's default).")
      .def(
          "add_client",
          [](PyLocalGame& g, const std::string& name, std::optional<std::string> preset,
             std::optional<double> latency_ms, std::optional<double> jitter_ms,
             std::optional<double> loss, std::optional<std::uint64_t> bandwidth_bits,
             std::optional<double> reorder, std::optional<double> duplicate, bool relay,
             std::optional<std::string> events, std::optional<std::string> token) {
            session::LocalClientSpec spec = client_spec(name, preset, latency_ms, jitter_ms, loss,
                                                        bandwidth_bits, reorder, duplicate, relay);
            spec.token = token;
            auto writer = open_stream(events, g.scenario, g.seed, g.tick_rate, "client:" + name);
            spec.events = writer.get();
            g.client_events.push_back(std::move(writer));
            return unwrap(g.session->add_client(spec), ErrorKind::kTransport);
          },
          "name"_a, "preset"_a = py::none(), "latency_ms"_a = py::none(),
          "jitter_ms"_a = py::none(), "loss"_a = py::none(), "bandwidth_bits"_a = py::none(),
          "reorder"_a = py::none(), "duplicate"_a = py::none(), "relay"_a = false,
          "events"_a = py::none(), "token"_a = py::none(),
          "Adds a player (with `token`, the role the game's tokens give it). Its link (each "
          "direction alike) starts from a SimNet preset (perfect, "
          "good, average, poor; default perfect) and takes any figure given: one-way latency and "
          "jitter in ms, loss, reorder and duplicate probabilities, a rate in bits/s. Over QUIC "
          "the figures apply only with relay=True (through the UDP impairment relay).")
      .def(
          "run_until",
          [](PyLocalGame& g, Micros t) {
            py::gil_scoped_release release;
            g.session->run_until(t);
          },
          "time"_a, "Runs everything until `time` seconds since the game began.")
      .def(
          "cut_off",
          [](PyLocalGame& g, std::size_t index, Micros duration) {
            unwrap(g.session->cut_off(index, duration), ErrorKind::kTransport);
          },
          "index"_a, "seconds"_a)
      .def(
          "pause",
          [](PyLocalGame& g, std::size_t index, Micros duration) {
            unwrap(g.session->pause(index, duration), ErrorKind::kError);
          },
          "index"_a, "seconds"_a,
          "Stops stepping a client (as SIGSTOP or a debugger would) for `seconds` while the "
          "network and the others carry on.")
      .def_property_readonly("now", [](PyLocalGame& g) { return g.session->now(); })
      .def_property_readonly("tick",
                             [](PyLocalGame& g) { return g.session->server().world().tick(); })
      .def(
          "client",
          [](PyLocalGame& g, std::size_t i) -> GameClient& {
            if (i >= g.session->client_count()) throw py::index_error("no such client");
            return g.session->client(i);
          },
          "index"_a, py::return_value_policy::reference_internal)
      .def(
          "client_metrics",
          [](PyLocalGame& g, std::size_t i) {
            return metrics_dict(
                session::ClientMetricsReport{g.session->client(i), g.session->client_driver(i)});
          },
          "index"_a,
          "A client's metrics; the byte counters (wire_bytes_*, lanes) run across all its "
          "connections.")
      .def(
          "client_reconnects",
          [](PyLocalGame& g, std::size_t i) { return g.session->client_reconnects(i); }, "index"_a)
      .def(
          "chunk_mismatches",
          [](PyLocalGame& g, std::size_t i) {
            py::list out;
            for (const auto& pos : g.session->chunk_mismatches(i))
              out.append(py::make_tuple(pos.x, pos.y, pos.z));
            return out;
          },
          "index"_a, "Chunk positions the client holds whose blocks differ from the server's.")
      .def_property_readonly("server_metrics",
                             [](PyLocalGame& g) {
                               return metrics_dict(session::ServerMetricsReport{
                                   g.session->server(), g.session->server_driver()});
                             })
      .def_property_readonly(
          "server_telemetry_totals",
          [](PyLocalGame& g) { return metrics_dict(g.session->server().telemetry().totals()); },
          "The clients' TelemetryReports taken, dropped (too soon) and refused, and the "
          "slow-frame alerts raised, since the start.")
      .def_property_readonly(
          "server_editor_totals",
          [](PyLocalGame& g) { return metrics_dict(g.session->server().editor_relay().totals()); },
          "The clients' EditorEvents received, coalesced, dropped (over the rate), refused and "
          "the copies delivered, since the start.")
      .def(
          "server_status_json",
          [](PyLocalGame& g, std::uint64_t log_after) {
            const std::string json = local_status_json(g, log_after);
            return py::str(json.data(), json.size());
          },
          "log_after"_a = 0,
          "The server's status as JSON text, as `theta-net serve --dashboard` publishes it "
          "(docs/dashboard.md): made in C++ without the GIL.")
      .def(
          "server_status",
          [](PyLocalGame& g, std::uint64_t log_after) {
            return status_from_json(local_status_json(g, log_after));
          },
          "log_after"_a = 0,
          "The server's status as the dashboard reads it (docs/dashboard.md): server figures, "
          "each client's connection, data sync and per-message-type counters, the newest "
          "conflicts, and the network log entries with seq > log_after.")
      .def(
          "resync_client",
          [](PyLocalGame& g, std::uint64_t session_id) {
            unwrap(g.session->server().resync_client(session_id), ErrorKind::kError);
          },
          "session_id"_a,
          "Forces a full data resync of the client with that session (logged in the network "
          "log); raises theta_net.Error (code invalid_argument) for an unknown session.")
      .def(
          "kick_client",
          [](PyLocalGame& g, std::uint64_t session_id, const std::string& reason) {
            unwrap(g.session->server().kick_client(session_id, reason), ErrorKind::kError);
          },
          "session_id"_a, "reason"_a = "",
          "Kicks the session (closed with CloseCode kicked, its player leaves; logged); raises "
          "theta_net.Error (code invalid_argument) for an unknown session.")
      .def(
          "server_block",
          [](PyLocalGame& g, int x, int y, int z) {
            return g.session->server().world().chunks().block_at({x, y, z});
          },
          "x"_a, "y"_a, "z"_a)
      .def_property_readonly("players", [](PyLocalGame& g) { return players_of(*g.session); })
      .def_property_readonly(
          "server_data_version",
          [](PyLocalGame& g) { return g.session->server().world().data().host().version(); },
          "The server store's version (one per batch committed).")
      .def_property_readonly(
          "server_data_digest",
          [](PyLocalGame& g) { return g.session->server().world().data().host().store().digest(); },
          "The digest of the server store's content.")
      .def(
          "server_data_rows",
          [](PyLocalGame& g, const std::string& table) {
            return table_rows(g.session->server().world().data().host().store(), table);
          },
          "table"_a, "The server's rows of a data table, as GameClientView.data_rows gives them.")
      .def_property_readonly(
          "server_commands",
          [](PyLocalGame& g) -> py::object {
            const session::GameCommands* commands = g.session->server().world().commands();
            if (!commands) return py::none();
            py::dict out = metrics_dict(commands->host().stats());
            out["log_entries"] = commands->host().log().next_index() - 1;
            const collab::ConflictLog& log = commands->resolver().log();
            out["conflicts_by_strategy"] = log.by_strategy();
            out["conflicts_by_outcome"] = log.by_outcome();
            return out;
          },
          "A signed-commands game's server side (None otherwise): the CollabHost's figures "
          "(received, accepted, refused and refusals by reason, conflicts, replicated, ...), "
          "log_entries, and the conflicts ever logged by strategy and by outcome.")
      .def(
          "server_data_canonical",
          [](PyLocalGame& g) {
            return to_pybytes(g.session->server().world().data().host().store().canonical_bytes());
          },
          "The server store's canonical bytes (what a converged mirror holds).")
      .def(
          "close",
          [](PyLocalGame& g) {
            g.session->server().world().finish();
            for (auto* w : {g.events.get(), g.inputs.get()}) {
              if (w) unwrap(w->close(), ErrorKind::kReplay);
            }
            for (auto& w : g.client_events) {
              if (w) unwrap(w->close(), ErrorKind::kReplay);
            }
          },
          "Flushes and closes the event streams and the input log.");
}

}  // namespace theta_net::bindings
