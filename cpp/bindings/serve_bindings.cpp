// `theta-net serve`: the reference game server on QUIC and, with a stream port, on TCP too
// (theta/1 records and WebSocket on that one port, told apart by the first byte), all behind one
// MultiEndpoint. A ServerDriver owns the endpoint and the
// poll order; this loop only reads the wall clock, waits until the next tick or I/O, steps the
// driver, and hands session events (joins, leaves, refusals, permission refusals, admins'
// controls) to Python. With an events path the server's event stream goes there (written
// through after every step, so a reader sees each event within a step of it happening).
#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include <chrono>
#include <optional>
#include <random>
#include <thread>

#include "border.hpp"
#include "game_convert.hpp"
#include "metrics_convert.hpp"
#include "status_convert.hpp"
#include "theta_net/assets/asset_store.hpp"
#include "theta_net/core/sha256.hpp"
#include "theta_net/protocol/message_codec.hpp"
#include "theta_net/session/driver_clock.hpp"
#include "theta_net/session/game_server.hpp"
#include "theta_net/session/replay_runner.hpp"
#include "theta_net/session/server_driver.hpp"
#include "theta_net/session/server_http.hpp"
#include "theta_net/session/server_status_json.hpp"
#include "theta_net/session/session_control.hpp"
#include "theta_net/transport/multi_endpoint.hpp"
#include "theta_net/transport/quic_server.hpp"
#include "theta_net/transport/tcp_server.hpp"
#include "theta_net/world/terrain_generator.hpp"

namespace theta_net::bindings {
namespace {

using namespace pybind11::literals;
using session::HostEvent;

py::dict event_to_py(const HostEvent& e) {
  py::dict d;
  static constexpr const char* kKinds[] = {"session_started",   "session_ended",
                                           "refused",           "message",
                                           "permission_denied", "session_control"};
  d["kind"] = kKinds[static_cast<int>(e.kind)];
  d["connection"] = e.conn.value;
  d["session_id"] = e.session_id;
  d["detail"] = e.detail;
  if (e.kind == HostEvent::Kind::kSessionStarted) {
    d["role"] = std::string(protocol::enum_name(e.session.role).value_or("?"));
    d["client_name"] = e.session.client_name;
    d["minor"] = e.session.minor;
    d["capabilities"] = e.session.capabilities;
  }
  if (e.message) d["message"] = std::string(protocol::message_name(protocol::type_of(*e.message)));
  if (e.kind == HostEvent::Kind::kPermissionDenied) {
    const auto& denied = std::get<protocol::PermissionDenied>(*e.message);
    d["message"] = std::string(
        protocol::message_name(static_cast<protocol::MessageType>(denied.message_type)));
    d["role"] = std::string(protocol::enum_name(denied.role).value_or("?"));
  }
  if (e.kind == HostEvent::Kind::kSessionControl) {
    const auto& control = std::get<protocol::SessionControl>(*e.message);
    d["action"] = std::string(protocol::enum_name(control.action).value_or("?"));
    d["target"] = session::session_hex(e.target_session);
    d["accepted"] = e.accepted;
  }
  return d;
}

// Tick or status times in microseconds, as the serve summary reports them.
py::dict times_dict(const session::TickTimeStatus& t) {
  py::dict d;
  d["count"] = t.ticks_timed;
  d["mean_us"] = t.mean_us;
  d["median_us"] = t.median_us;
  d["p99_us"] = t.p99_us;
  d["max_us"] = t.max_us;
  return d;
}

}  // namespace

void bind_serve(py::module_& m) {
  m.def(
      "serve",
      [](const std::string& host, std::uint16_t port, const std::string& cert,
         const std::string& key, const std::map<std::string, std::string>& tokens, Micros duration,
         std::uint16_t tick_rate, const std::string& motd, const std::string& terrain,
         std::uint64_t seed, std::int32_t view_radius,
         const std::function<void(py::dict)>& on_ready,
         const std::function<void(py::dict)>& on_event, std::optional<std::string> events_path,
         std::optional<std::uint16_t> stream_port, const std::vector<std::string>& ws_origins,
         bool stream_tls, const std::optional<std::function<py::object(py::str)>>& on_status,
         double status_interval, bool tokens_required, std::optional<std::string> assets_dir,
         const std::string& qlog_dir) {
        if (!(status_interval > 0.0)) {
          throw BorderError(ErrorKind::kError, make_error(ErrorCode::kInvalidArgument,
                                                          "status_interval must be positive"));
        }
        const Micros status_period{static_cast<std::int64_t>(status_interval * 1e6)};
        // HTTP/3 on the game's port (ALPN h3): /metrics, /status and the asset store. The routes
        // read the game, which exists only below: they are filled in before the first poll.
        std::optional<assets::AssetStore> store;
        if (assets_dir) store = unwrap(assets::AssetStore::open(*assets_dir), ErrorKind::kError);
        FileWriter upload_writer;  // HTTP/3 uploads stream into the store on its thread
        session::ServerHttpRoutes routes;
        routes.upload_writer = &upload_writer;
        transport::QuicServerConfig config;
        config.http = [&routes](const transport::HttpRequest& r) { return routes(r); };
        config.http_check = [&routes](const transport::HttpRequest& r) {
          return routes.answer_before_body(r);
        };
        config.http_sink = [&routes](const transport::HttpRequest& r) {
          return routes.body_sink(r);
        };
        config.host = host;
        config.port = port;
        config.cert_file = cert;
        config.key_file = key;
        config.qlog_dir = qlog_dir;  // one qlog file per QUIC connection, for debugging
        auto quic = unwrap(transport::QuicServer::create(config), ErrorKind::kTransport);
        py::dict ready;
        ready["address"] = quic->local_address();
        ready["port"] = quic->port();
        ready["certificate_sha256"] = quic->certificate_sha256();
        std::vector<std::unique_ptr<transport::Endpoint>> members;
        members.push_back(std::move(quic));
        if (stream_port) {
          transport::TcpServerConfig tcp;
          tcp.host = host;
          tcp.port = *stream_port;
          tcp.framing = transport::StreamFraming::kDetect;
          tcp.websocket.policy.allowed_origins = ws_origins;
          tcp.tls = stream_tls;
          tcp.cert_file = cert;
          tcp.key_file = key;
          auto stream = unwrap(transport::TcpServer::create(tcp), ErrorKind::kTransport);
          ready["stream_port"] = stream->port();
          if (stream_tls) ready["stream_certificate_sha256"] = stream->certificate_sha256();
          members.push_back(std::move(stream));
        }
        auto server =
            unwrap(transport::MultiEndpoint::create(std::move(members)), ErrorKind::kTransport);

        session::GameServerConfig game;
        game.sessions.handshake.tokens = role_tokens(tokens);
        game.sessions.handshake.tokens_required = tokens_required;
        game.sessions.handshake.motd = motd;
        game.world.rules.tick_rate = tick_rate;
        const auto kind =
            terrain == "hills" ? world::TerrainKind::kHills : world::TerrainKind::kSuperflat;
        game.world.terrain = world::TerrainGenerator({seed, kind, 62}).filler();
        game.chunks.view_radius = view_radius;
        // A real-time server: chunk work and entity updates on the other cores too, and over the
        // tick period it sheds
        // chunk streaming and entity payload before the simulation slows.
        const unsigned cores = std::thread::hardware_concurrency();
        game.workers = cores > 1 ? cores - 1 : 0;
        game.tick_budget = std::chrono::microseconds(1'000'000 / tick_rate);
        game.assets = store ? &*store : nullptr;  // the assets lane and HTTP/3 share one store
        std::unique_ptr<replay::EventWriter> events_writer =
            open_stream(events_path, "serve", seed, tick_rate, "server",
                        session::world_header_extra(terrain, game.world.hash_interval));
        auto server_key = unwrap(Ed25519KeyPair::generate(), ErrorKind::kProtocol);
        session::GameServer sessions(game, server_key, Rng(std::random_device{}()),
                                     events_writer.get());
        session::ServerDriver driver(*server, sessions.sessions(), &sessions);
        routes.status = [&sessions, &driver] {
          return sessions.status(driver.transport_lookup(), &driver.tick_times(), {});
        };
        routes.assets = store ? &*store : nullptr;
        routes.handshake = &sessions.sessions().handshake().config();
        std::vector<HostEvent> events;
        sessions.set_observer([&events](const HostEvent& e) { events.push_back(e); });

        ready["public_key"] = to_hex(server_key.public_key());
        if (on_ready) on_ready(ready);  // None: nobody waits for the address

        const session::DriverClock clock;
        const auto ended = [&] { return duration > Micros{0} && clock.now() >= duration; };
        Micros next_status = clock.now() + status_period;
        std::uint64_t log_seen = 0;  // each status carries the network log entries after this
        std::string status_json;     // a status made and not yet handed to on_status
        // What the statuses cost this thread: building and writing one, taking the GIL back for
        // it, and the call (the dashboard's own work runs on its thread).
        session::TickTimes status_times;
        while (!ended()) {
          Nanos status_spent{0};
          auto gil = std::make_optional<py::gil_scoped_release>();
          // Ticks and I/O without the GIL until there is something for Python: events, a status,
          // or 50 ms since the last look for Ctrl-C. Taking the GIL back only then keeps the
          // server from waiting on the dashboard's thread, which holds it while it works.
          const Micros look_by = clock.now() + Micros{50'000};
          while (events.empty() && status_json.empty() && clock.now() < look_by && !ended()) {
            driver.wait(clock.now(), look_by - clock.now());
            driver.step(clock.now());
            if (events_writer) unwrap(events_writer->flush(), ErrorKind::kReplay);
            if (on_status && clock.now() >= next_status) {
              const auto began = std::chrono::steady_clock::now();
              next_status = clock.now() + status_period;
              session::ServerStatusOptions options;
              options.log_after = log_seen;
              const session::ServerStatus status =
                  sessions.status(driver.transport_lookup(), &driver.tick_times(), options);
              log_seen = status.log_last_seq;
              status_json = session::server_status_json(status);
              status_spent = std::chrono::steady_clock::now() - began;
            }
          }
          const auto taking = std::chrono::steady_clock::now();
          gil.reset();
          if (!status_json.empty()) {
            const py::object returned =
                (*on_status)(py::str(status_json.data(), status_json.size()));
            status_json.clear();
            apply_status_actions(sessions, status_actions(returned));
            status_times.record(status_spent + (std::chrono::steady_clock::now() - taking));
          }
          if (on_event) {
            for (const HostEvent& e : events) on_event(event_to_py(e));
          }
          events.clear();
          if (PyErr_CheckSignals() != 0) throw py::error_already_set();  // Ctrl-C ends the loop
        }
        if (events_writer) unwrap(events_writer->close(), ErrorKind::kReplay);
        py::dict summary = metrics_dict(sessions.sessions().counters());
        summary["ticks"] = sessions.world().tick();
        summary["players"] = sessions.world().simulation().players().size();
        summary["tick_times"] = times_dict(session::tick_time_status(driver.tick_times()));
        summary["status_times"] = times_dict(session::tick_time_status(status_times));
        return summary;
      },
      "host"_a, "port"_a, "cert"_a = "", "key"_a = "",
      "tokens"_a = std::map<std::string, std::string>{}, "duration"_a = 0.0, "tick_rate"_a = 20,
      "motd"_a = "", "terrain"_a = "hills", "seed"_a = 1, "view_radius"_a = 4,
      "on_ready"_a = py::none(), "on_event"_a = py::none(), "events"_a = py::none(),
      "stream_port"_a = py::none(), "ws_origins"_a = std::vector<std::string>{},
      "stream_tls"_a = false, "on_status"_a = py::none(), "status_interval"_a = 0.25,
      "tokens_required"_a = true, "assets"_a = py::none(), "qlog_dir"_a = "",
      "Runs the reference game server until `duration` seconds pass (0 = until interrupted). "
      "With stream_port it also listens on that TCP port for theta/1 records and WebSocket "
      "(pages from ws_origins only; '*' for any); stream_tls puts TLS under both (wss://), with "
      "cert and key, or a self-signed certificate of its own. tokens_required=False lets clients "
      "without a token in (a token they do send must be one of `tokens`). The UDP port also "
      "answers HTTP/3 (ALPN h3): GET /metrics (Prometheus text), GET /status (JSON), and with "
      "`assets` (a folder) GET/HEAD /assets/<sha256> with Range and PUT /assets for editors "
      "(docs/http3.md). With qlog_dir, each QUIC connection writes a qlog file there. With "
      "on_status, every "
      "status_interval seconds it calls on_status(status) with the server's status as JSON text "
      "(docs/dashboard.md; its log holds the network log entries since the last call) and "
      "carries out the actions it returns ([{\"action\": \"resync\"|\"kick\", "
      "\"session_id\": int, \"reason\": str}]); each action's result is in the next "
      "status's log. Returns a summary: the session counters, ticks, players, and tick_times "
      "and status_times (count, mean_us, median_us, p99_us, max_us; status_times is what the "
      "statuses cost the server's thread, building one to the end of on_status).");
}

}  // namespace theta_net::bindings
