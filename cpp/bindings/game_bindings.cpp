// Python access to the reference game: Server and Client over any endpoint (driven tick by tick
// with step(now)), and LocalGame, a whole game on one machine over SimNet or QUIC that scenarios
// run. The GIL is released while C++ runs.
#include <pybind11/stl.h>

#include <cmath>
#include <memory>
#include <random>

#include "border.hpp"
#include "metrics_convert.hpp"
#include "theta_net/core/text_list.hpp"
#include "theta_net/replay/stream_header.hpp"
#include "theta_net/session/client_driver.hpp"
#include "theta_net/session/local_session.hpp"
#include "theta_net/session/metrics_report.hpp"
#include "theta_net/session/replay_runner.hpp"
#include "theta_net/session/server_driver.hpp"
#include "theta_net/sim/angle.hpp"
#include "theta_net/sim/rules.hpp"
#include "theta_net/transport/quic_client.hpp"
#include "theta_net/transport/quic_server.hpp"
#include "theta_net/transport/sim_net.hpp"
#include "theta_net/world/terrain_generator.hpp"
#include "theta_net/world/world_bounds.hpp"

namespace theta_net::bindings {
namespace {

using namespace pybind11::literals;
using session::GameClient;
using session::GameServer;

transport::Endpoint& endpoint_of(const py::object& obj) {
  if (py::isinstance<transport::SimEndpoint>(obj)) return obj.cast<transport::SimEndpoint&>();
  if (py::isinstance<transport::QuicServer>(obj)) return obj.cast<transport::QuicServer&>();
  if (py::isinstance<transport::QuicClient>(obj)) return obj.cast<transport::QuicClient&>();
  throw BorderError(
      ErrorKind::kTransport,
      make_error(ErrorCode::kInvalidArgument, "expected a SimEndpoint, QuicServer or QuicClient"));
}

world::TerrainKind terrain_named(const std::string& name) {
  if (auto kind = world::terrain_named(name)) return *kind;
  throw BorderError(ErrorKind::kScenario, make_error(ErrorCode::kInvalidArgument, "terrain '", name,
                                                     "' is not ", or_list(world::kTerrainNames)));
}

world::BlockId block_id(const py::handle& block) {
  if (py::isinstance<py::str>(block)) {
    const std::string name = block.cast<std::string>();
    if (auto id = world::block_named(name)) return *id;
    throw BorderError(ErrorKind::kError,
                      make_error(ErrorCode::kInvalidArgument, "unknown block '", name, "'"));
  }
  return block.cast<world::BlockId>();
}

protocol::BlockFace face_named(const std::string& name) {
  if (auto face = protocol::enum_from_name<protocol::BlockFace>(name)) return *face;
  throw BorderError(ErrorKind::kError,
                    make_error(ErrorCode::kInvalidArgument, "unknown face '", name, "'"));
}

py::tuple vec(const sim::Vec3& v) {
  return py::make_tuple(v.x.to_double(), v.y.to_double(), v.z.to_double());
}

py::dict player_dict(std::uint64_t id, const std::string& name, const sim::PlayerState& s) {
  py::dict d;
  d["id"] = id;
  d["name"] = name;
  d["position"] = vec(s.position);
  d["velocity"] = vec(s.velocity);
  d["yaw"] = s.yaw;
  d["pitch"] = s.pitch;
  d["on_ground"] = s.on_ground;
  d["health"] = s.health;
  return d;
}

session::GameServerConfig server_config(const std::string& terrain, std::uint64_t seed,
                                        std::uint32_t tick_rate, std::int32_t view_radius,
                                        std::uint64_t bytes_per_second, std::uint32_t hash_interval,
                                        world::WorldBounds bounds) {
  if (!sim::is_supported_tick_rate(tick_rate)) {
    throw BorderError(ErrorKind::kError,
                      make_error(ErrorCode::kInvalidArgument, "tick_rate must be ",
                                 or_list(sim::kSupportedTickRates)));
  }
  session::GameServerConfig config;
  config.world.rules.tick_rate = tick_rate;
  config.world.terrain = world::bounded_filler(
      world::TerrainGenerator({seed, terrain_named(terrain), 62}).filler(), bounds);
  config.world.hash_interval = hash_interval;
  config.chunks.view_radius = view_radius;
  config.bytes_per_second = bytes_per_second;
  return config;
}

// A world size from Python: None (unbounded) or (x, z) blocks.
world::WorldBounds bounds_of(const std::optional<std::pair<std::int64_t, std::int64_t>>& size) {
  if (!size) return {};
  for (const std::int64_t side : {size->first, size->second}) {
    if (side < 1 || side > world::WorldBounds::kMaxSize) {
      throw BorderError(ErrorKind::kError,
                        make_error(ErrorCode::kInvalidArgument, "size sides must be 1..",
                                   world::WorldBounds::kMaxSize, " blocks, got ", side));
    }
  }
  return {static_cast<std::int32_t>(size->first), static_cast<std::int32_t>(size->second)};
}

std::unique_ptr<replay::EventWriter> open_stream(const std::optional<std::string>& path,
                                                 const std::string& scenario, std::uint64_t seed,
                                                 std::uint32_t tick_rate, const std::string& role,
                                                 replay::JsonObject extra = {}) {
  if (!path) return nullptr;
  auto header = replay::StreamHeader::for_this_build(scenario, seed, tick_rate, role);
  header.extra = std::move(extra);
  return std::make_unique<replay::EventWriter>(
      unwrap(replay::EventWriter::open(*path, header), ErrorKind::kReplay));
}

void set_intent(GameClient& c, const std::vector<std::string>& move, double yaw_degrees,
                double pitch_degrees, const std::optional<std::tuple<int, int, int>>& place,
                const std::optional<std::tuple<int, int, int>>& dig, const std::string& face,
                const py::object& block) {
  session::PlayerIntent intent;
  for (const std::string& m : move) {
    bool known = false;
    for (const auto& [name, bit] : protocol::movebuttons_bits::kEntries) {
      if (m == name) {
        intent.buttons |= bit;
        known = true;
      }
    }
    if (!known)
      throw BorderError(ErrorKind::kError,
                        make_error(ErrorCode::kInvalidArgument, "unknown move '", m, "'"));
  }
  intent.yaw = sim::yaw_from_degrees(yaw_degrees);
  intent.pitch = sim::pitch_from_degrees(pitch_degrees);
  if (place) {
    auto [x, y, z] = *place;
    intent.block = protocol::BlockAction{
        protocol::BlockActionKind::kPlace, {x, y, z}, face_named(face), block_id(block)};
  } else if (dig) {
    auto [x, y, z] = *dig;
    intent.block =
        protocol::BlockAction{protocol::BlockActionKind::kBreak, {x, y, z}, face_named(face), 0};
  }
  c.set_intent(intent);
}

// Python owners: the C++ objects plus the stream files they write.
struct PyServer {
  std::unique_ptr<replay::EventWriter> events, inputs;
  std::unique_ptr<GameServer> server;
  std::unique_ptr<session::ServerDriver> driver;
};
struct PyClient {
  std::unique_ptr<replay::EventWriter> events;
  std::unique_ptr<GameClient> client;
  std::unique_ptr<session::ClientDriver> driver;
};
struct PyLocalGame {
  std::unique_ptr<replay::EventWriter> events, inputs;
  std::vector<std::unique_ptr<replay::EventWriter>> client_events;
  std::unique_ptr<session::LocalSession> session;
  std::string scenario;
  std::uint64_t seed = 1;
  std::uint32_t tick_rate = 20;
};

template <class Cls>
void bind_client_views(Cls& cls, GameClient& (*get)(typename Cls::type&)) {
  cls.def_property_readonly("established",
                            [get](typename Cls::type& o) { return get(o).established(); })
      .def_property_readonly("player",
                             [get](typename Cls::type& o) -> py::object {
                               GameClient& c = get(o);
                               if (!c.has_player()) return py::none();
                               return player_dict(c.player_entity(), "", c.predicted());
                             })
      .def_property_readonly("render_position",
                             [get](typename Cls::type& o) { return vec(get(o).render_position()); })
      .def(
          "block",
          [get](typename Cls::type& o, int x, int y, int z) -> py::object {
            auto id = get(o).chunks().loaded_block({x, y, z});
            if (!id) return py::none();
            return py::int_(*id);
          },
          "x"_a, "y"_a, "z"_a,
          "The block the client knows at (x, y, z), or None if its chunk is not loaded.")
      .def(
          "intent",
          [get](typename Cls::type& o, const std::vector<std::string>& move, double yaw,
                double pitch, std::optional<std::tuple<int, int, int>> place,
                std::optional<std::tuple<int, int, int>> dig, const std::string& face,
                const py::object& block) {
            set_intent(get(o), move, yaw, pitch, place, dig, face, block);
          },
          "move"_a = std::vector<std::string>{}, "yaw"_a = 0.0, "pitch"_a = 0.0,
          "place"_a = py::none(), "break_block"_a = py::none(), "face"_a = "up",
          "block"_a = py::str("planks"),
          "What the player does from now on (move: forward, back, left, right, jump, sneak, "
          "sprint; yaw in degrees). "
          "place/break_block happen once.")
      .def(
          "say", [get](typename Cls::type& o, const std::string& text) { get(o).say(text); },
          "text"_a)
      .def(
          "remote_players",
          [get](typename Cls::type& o, Micros now) {
            py::list out;
            for (const auto& r : get(o).remote_players(now)) {
              py::dict d;
              d["id"] = r.id;
              d["position"] = vec(r.view.position);
              d["yaw"] = r.view.yaw;
              d["extrapolated"] = r.view.extrapolated;
              d["valid"] = r.view.valid;
              out.append(d);
            }
            return out;
          },
          "now"_a, "Other players as drawn at `now` (interpolated 100 ms in the past).")
      .def(
          "reconciliations",
          [get](typename Cls::type& o) {
            py::list out;
            for (const auto& e : get(o).take_reconciliations()) {
              out.append(py::make_tuple(e.tick, e.error.to_double(), e.ticks_replayed,
                                        netcode::correction_causes_text(e.causes)));
            }
            return out;
          },
          "The (tick, error in blocks, ticks replayed, cause) of corrections since the last call; "
          "cause names what differed: position, velocity, on_ground, health (joined by '+'), or "
          "no_history.");
}

}  // namespace

void bind_game(py::module_& m) {
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

  py::class_<PyServer> server(m, "Server",
                              "The reference game's server over a transport endpoint.");
  server
      .def(py::init([](const py::object& endpoint, const std::string& terrain, std::uint64_t seed,
                       std::uint32_t tick_rate, std::int32_t view_radius,
                       std::uint64_t bytes_per_second, std::optional<std::string> events,
                       std::optional<std::string> input_log, const std::string& scenario,
                       std::optional<std::pair<std::int64_t, std::int64_t>> size) {
             auto self = std::make_unique<PyServer>();
             const world::WorldBounds bounds = bounds_of(size);
             const auto extra = session::world_header_extra(terrain, 20, bounds);
             self->events = open_stream(events, scenario, seed, tick_rate, "server", extra);
             self->inputs = open_stream(input_log, scenario, seed, tick_rate, "inputs", extra);
             Rng rng(std::random_device{}());
             self->server = std::make_unique<GameServer>(
                 server_config(terrain, seed, tick_rate, view_radius, bytes_per_second, 20, bounds),
                 unwrap(Ed25519KeyPair::generate(), ErrorKind::kProtocol), rng, self->events.get(),
                 self->inputs.get());
             self->driver = std::make_unique<session::ServerDriver>(
                 endpoint_of(endpoint), self->server->sessions(), self->server.get());
             return self;
           }),
           "endpoint"_a, "terrain"_a = "superflat", "seed"_a = 1, "tick_rate"_a = 20,
           "view_radius"_a = 3, "bytes_per_second"_a = 1'000'000, "events"_a = py::none(),
           "input_log"_a = py::none(), "scenario"_a = "", "size"_a = py::none(),
           py::keep_alive<1, 2>())
      .def(
          "step",
          [](PyServer& s, Micros now) {
            py::gil_scoped_release release;
            s.driver->step(now);
          },
          "now"_a,
          "Polls the endpoint, handles the sessions and simulates every tick due at `now` "
          "(seconds), then sends.")
      .def_property_readonly("tick", [](PyServer& s) { return s.server->world().tick(); })
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
      .def(
          "close",
          [](PyServer& s) {
            s.server->world().finish();
            for (auto* w : {s.events.get(), s.inputs.get()}) {
              if (w) unwrap(w->close(), ErrorKind::kReplay);
            }
          },
          "Records the end of the game and closes the event stream and input log.")
      .def_property_readonly("hashes", [](PyServer& s) {
        const auto h = s.server->world().simulation().hashes();
        return py::dict("players"_a = h.players, "entities"_a = h.entities, "chunks"_a = h.chunks);
      });

  py::class_<PyClient> client(m, "Client",
                              "The reference game's client over a transport endpoint.");
  client
      .def(py::init([](const py::object& endpoint, const std::string& name,
                       std::optional<std::string> token, std::uint32_t interpolation_delay_ms,
                       std::optional<std::string> events) {
             auto self = std::make_unique<PyClient>();
             self->events = open_stream(events, "", 0, 20, "client:" + name);
             session::GameClientConfig config;
             config.name = name;
             config.token = token;
             config.interpolation_delay = std::chrono::milliseconds(interpolation_delay_ms);
             Rng rng(std::random_device{}());
             self->client = std::make_unique<GameClient>(
                 config, unwrap(Ed25519KeyPair::generate(), ErrorKind::kProtocol), rng,
                 self->events.get());
             self->driver = std::make_unique<session::ClientDriver>(
                 endpoint_of(endpoint), self->client->session(), self->client.get());
             return self;
           }),
           "endpoint"_a, "name"_a, "token"_a = py::none(), "interpolation_delay_ms"_a = 100,
           "events"_a = py::none(), py::keep_alive<1, 2>())
      .def(
          "step",
          [](PyClient& c, Micros now) {
            py::gil_scoped_release release;
            c.driver->step(now);
          },
          "now"_a,
          "Polls the endpoint, handles the session, predicts every tick due at `now` (seconds), "
          "sends, and reconnects a lost connection (resuming the session).")
      .def_property_readonly("metrics", [](PyClient& c) {
        return metrics_dict(session::ClientMetricsReport{*c.client, *c.driver});
      });
  bind_client_views(
      client, +[](PyClient& c) -> GameClient& { return *c.client; });

  py::class_<GameClient> game_client(m, "GameClientView", "A client inside a LocalGame.");
  bind_client_views(
      game_client, +[](GameClient& c) -> GameClient& { return c; });

  py::class_<PyLocalGame>(m, "LocalGame",
                          "A server and clients on one machine, over SimNet or QUIC.")
      .def(py::init([](const std::string& network, const std::string& terrain, std::uint64_t seed,
                       std::uint32_t tick_rate, std::int32_t view_radius,
                       std::uint64_t bytes_per_second, std::optional<std::string> events,
                       std::optional<std::string> input_log, const std::string& scenario,
                       std::uint32_t hash_interval, const std::string& qlog_dir,
                       std::optional<std::uint64_t> net_seed,
                       std::optional<std::pair<std::int64_t, std::int64_t>> size) {
             auto self = std::make_unique<PyLocalGame>();
             const world::WorldBounds bounds = bounds_of(size);
             self->scenario = scenario;
             self->seed = seed;
             self->tick_rate = tick_rate;
             const auto extra = session::world_header_extra(terrain, hash_interval, bounds);
             self->events = open_stream(events, scenario, seed, tick_rate, "server", extra);
             self->inputs = open_stream(input_log, scenario, seed, tick_rate, "inputs", extra);
             session::LocalSessionConfig config;
             if (network == "sim") {
               config.network = session::NetworkKind::kSim;
             } else if (network == "quic") {
               config.network = session::NetworkKind::kQuic;
             } else {
               throw BorderError(ErrorKind::kScenario,
                                 make_error(ErrorCode::kInvalidArgument, "network '", network,
                                            "' is not sim or quic"));
             }
             config.seed = net_seed.value_or(seed);
             config.qlog_dir = qlog_dir;
             config.server = server_config(terrain, seed, tick_rate, view_radius, bytes_per_second,
                                           hash_interval, bounds);
             self->session = unwrap(
                 session::LocalSession::create(config, self->events.get(), self->inputs.get()),
                 ErrorKind::kTransport);
             return self;
           }),
           "network"_a = "sim", "terrain"_a = "superflat", "seed"_a = 1, "tick_rate"_a = 20,
           "view_radius"_a = 3, "bytes_per_second"_a = 1'000'000, "events"_a = py::none(),
           "input_log"_a = py::none(), "scenario"_a = "", "hash_interval"_a = 20, "qlog_dir"_a = "",
           "net_seed"_a = py::none(), "size"_a = py::none(),
           "`seed` makes the world; `net_seed` (default: `seed`) the network's randomness, keys "
           "and nonces; `size` = (x, z) bounds the world to that many blocks around the origin "
           "(air beyond it, down to the floor below the world).")
      .def(
          "add_client",
          [](PyLocalGame& g, const std::string& name, std::optional<std::string> preset,
             std::optional<double> latency_ms, std::optional<double> jitter_ms,
             std::optional<double> loss, std::optional<std::uint64_t> bandwidth_bits,
             std::optional<double> reorder, std::optional<double> duplicate, bool relay,
             std::optional<std::string> events) {
            session::LocalClientSpec spec;
            spec.name = name;
            if (preset)
              spec.link = unwrap(transport::link_preset_named(*preset), ErrorKind::kScenario);
            const auto us = [](double ms) {
              return std::chrono::microseconds(std::llround(ms * 1000));
            };
            if (latency_ms) spec.link.latency = us(*latency_ms);
            if (jitter_ms) spec.link.jitter = us(*jitter_ms);
            if (loss) spec.link.loss = *loss;
            if (bandwidth_bits) spec.link.rate_bits_per_second = *bandwidth_bits;
            if (reorder) spec.link.reorder = *reorder;
            if (duplicate) spec.link.duplicate = *duplicate;
            spec.relay = relay;
            auto writer = open_stream(events, g.scenario, g.seed, g.tick_rate, "client:" + name);
            spec.events = writer.get();
            g.client_events.push_back(std::move(writer));
            return unwrap(g.session->add_client(spec), ErrorKind::kTransport);
          },
          "name"_a, "preset"_a = py::none(), "latency_ms"_a = py::none(),
          "jitter_ms"_a = py::none(), "loss"_a = py::none(), "bandwidth_bits"_a = py::none(),
          "reorder"_a = py::none(), "duplicate"_a = py::none(), "relay"_a = false,
          "events"_a = py::none(),
          "Adds a player. Its link (each direction alike) starts from a SimNet preset (perfect, "
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
      .def(
          "server_block",
          [](PyLocalGame& g, int x, int y, int z) {
            return g.session->server().world().chunks().block_at({x, y, z});
          },
          "x"_a, "y"_a, "z"_a)
      .def_property_readonly(
          "players",
          [](PyLocalGame& g) {
            py::list out;
            for (const auto& [id, p] : g.session->server().world().simulation().players()) {
              out.append(player_dict(id, p.name, p.state));
            }
            return out;
          })
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
