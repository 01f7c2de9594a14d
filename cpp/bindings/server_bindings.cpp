// Python access to the reference game's server: Server over any endpoint, driven tick by tick
// with step(now). The GIL is released while C++ runs.
#include <pybind11/stl.h>

#include <memory>
#include <optional>
#include <random>

#include "data_values.hpp"
#include "game_convert.hpp"
#include "metrics_convert.hpp"
#include "theta_net/assets/asset_store.hpp"
#include "theta_net/session/metrics_report.hpp"
#include "theta_net/session/replay_runner.hpp"
#include "theta_net/session/server_driver.hpp"

namespace theta_net::bindings {
namespace {

using namespace pybind11::literals;
using session::GameServer;

// The Python owner of a Server: the C++ objects plus the stream files they write.
struct PyServer {
  std::optional<assets::AssetStore> assets;  // before the server, which points at it
  std::unique_ptr<replay::EventWriter> events, inputs;
  std::unique_ptr<GameServer> server;
  std::unique_ptr<session::ServerDriver> driver;
};

}  // namespace

void bind_server(py::module_& m) {
  py::class_<PyServer> server(m, "Server",
                              "The reference game's server over a transport endpoint.");
  server
      .def(py::init([](const py::object& endpoint, const std::string& terrain, std::uint64_t seed,
                       std::uint32_t tick_rate, std::int32_t view_radius,
                       std::uint64_t bytes_per_second, std::optional<std::string> events,
                       std::optional<std::string> input_log, const std::string& scenario,
                       std::optional<std::pair<std::int64_t, std::int64_t>> size,
                       std::optional<std::string> data_schema,
                       const std::map<std::string, std::string>& tokens,
                       std::optional<std::string> assets_dir) {
             auto self = std::make_unique<PyServer>();
             if (assets_dir) {
               self->assets = unwrap(assets::AssetStore::open(*assets_dir), ErrorKind::kError);
             }
             const world::WorldBounds bounds = bounds_of(size);
             const GameDataSchemas schemas = game_data_schemas(data_schema);
             const auto extra =
                 session::world_header_extra(terrain, 20, bounds, schemas.user.get());
             session::GameServerConfig config =
                 server_config(terrain, seed, tick_rate, view_radius, bytes_per_second, 20, bounds);
             config.world.data_schema = schemas.composed;
             config.sessions.handshake.tokens = role_tokens(tokens);
             config.assets = self->assets ? &*self->assets : nullptr;
             self->events = open_stream(events, scenario, seed, tick_rate, "server", extra);
             self->inputs = open_stream(input_log, scenario, seed, tick_rate, "inputs", extra);
             Rng rng(std::random_device{}());
             self->server = std::make_unique<GameServer>(
                 config, unwrap(Ed25519KeyPair::generate(), ErrorKind::kProtocol), rng,
                 self->events.get(), self->inputs.get());
             self->driver = std::make_unique<session::ServerDriver>(
                 endpoint_of(endpoint), self->server->sessions(), self->server.get());
             return self;
           }),
           "endpoint"_a, "terrain"_a = "superflat", "seed"_a = 1, "tick_rate"_a = 20,
           "view_radius"_a = 3, "bytes_per_second"_a = 1'000'000, "events"_a = py::none(),
           "input_log"_a = py::none(), "scenario"_a = "", "size"_a = py::none(),
           "data_schema"_a = py::none(), "tokens"_a = std::map<std::string, std::string>{},
           "assets"_a = py::none(), py::keep_alive<1, 2>(),
           "`data_schema` (schema TOML text) appends the application's data tables to the "
           "reference game's (docs/game.md, 'Data'). `tokens` maps auth tokens to role names "
           "(viewer, player, editor, admin); without tokens every session is an editor. "
           "`assets`: a folder, the content-addressed store the assets lane serves and editors "
           "upload to (docs/protocol.md, 'Assets').")
      .def(
          "step",
          [](PyServer& s, Micros now) {
            py::gil_scoped_release release;
            s.driver->step(now);
          },
          "now"_a,
          "Polls the endpoint, handles the sessions and simulates every tick due at `now` "
          "(seconds), then sends.")
      .def(
          "wait",
          [](PyServer& s, Micros now, Micros timeout) {
            py::gil_scoped_release release;
            s.driver->wait(now, timeout);
          },
          "now"_a, "timeout"_a,
          "Waits for the endpoint's I/O until the next tick or timer is due (judged from `now`), "
          "at most `timeout` seconds (SimNet does not block).")
      .def_property_readonly("tick", [](PyServer& s) { return s.server->world().tick(); })
      .def_property_readonly(
          "sessions",
          [](PyServer& s) {
            py::list out;
            for (const auto& [id, r] : s.server->sessions().handshake().sessions()) {
              out.append(py::dict(
                  "session_id"_a = id, "name"_a = r.client_name,
                  "role"_a = std::string(protocol::enum_name(r.role).value_or("unknown")),
                  "connected"_a = r.connected,
                  "public_key"_a = py::bytes(reinterpret_cast<const char*>(r.client_key.data()),
                                             r.client_key.size())));
            }
            return out;
          },
          "The sessions the server knows (connected or resumable), by id: session_id, name, "
          "role, connected, public_key.")
      .def_property_readonly("players",
                             [](PyServer& s) {
                               py::list out;
                               for (const auto& [id, p] : s.server->world().simulation().players())
                                 out.append(player_dict(id, p.name, p.state));
                               return out;
                             })
      .def(
          "block",
          [](PyServer& s, int x, int y, int z) {
            return s.server->world().chunks().block_at({x, y, z});
          },
          "x"_a, "y"_a, "z"_a)
      .def_property_readonly(
          "metrics",
          [](PyServer& s) {
            return metrics_dict(session::ServerMetricsReport{*s.server, *s.driver});
          })
      .def_property_readonly(
          "asset_counters",
          [](PyServer& s) {
            py::dict out;
            s.server->assets().counters().visit(
                [&out](const char* name, std::uint64_t v) { out[name] = v; });
            return out;
          },
          "The assets lane's counters: uploads committed, resumed and refused, checksum "
          "failures, downloads, chunk bytes each way, duplicates, resends, NackRequests.")
      .def(
          "close",
          [](PyServer& s) {
            s.server->world().finish();
            for (auto* w : {s.events.get(), s.inputs.get()}) {
              if (w) unwrap(w->close(), ErrorKind::kReplay);
            }
          },
          "Records the end of the game and closes the event stream and input log.")
      .def_property_readonly(
          "data_version", [](PyServer& s) { return s.server->world().data().host().version(); },
          "The data store's version (one per batch committed).")
      .def_property_readonly(
          "data_digest",
          [](PyServer& s) { return s.server->world().data().host().store().digest(); },
          "The digest of the data store's content.")
      .def(
          "data_rows",
          [](PyServer& s, const std::string& table) {
            return table_rows(s.server->world().data().host().store(), table);
          },
          "table"_a, "A data table's rows as {'id': id, component: {field: value}}.")
      .def_property_readonly("hashes", [](PyServer& s) {
        const auto h = s.server->world().simulation().hashes();
        return py::dict("players"_a = h.players, "entities"_a = h.entities, "chunks"_a = h.chunks);
      });
}

}  // namespace theta_net::bindings
