// `theta-net serve`: a QUIC server that runs the theta_net session handshake for every client and
// keeps the sessions connected (heartbeats). The game server of a later layer replaces the loop;
// the handshake and session handling are protocol::SessionHost.
#include <pybind11/functional.h>
#include <pybind11/stl.h>

#include <chrono>
#include <random>

#include "border.hpp"
#include "theta_net/core/sha256.hpp"
#include "theta_net/protocol/message_codec.hpp"
#include "theta_net/protocol/session_client.hpp"
#include "theta_net/protocol/session_host.hpp"
#include "theta_net/session/game_server.hpp"
#include "theta_net/transport/quic_client.hpp"
#include "theta_net/transport/quic_server.hpp"
#include "theta_net/transport/sim_net.hpp"
#include "theta_net/world/terrain_generator.hpp"

namespace theta_net::bindings {
namespace {

using namespace pybind11::literals;
using protocol::HostEvent;

py::dict event_to_py(const HostEvent& e) {
  py::dict d;
  static constexpr const char* kKinds[] = {"session_started", "session_ended", "refused",
                                           "message"};
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
  return d;
}

protocol::Role role_named(const std::string& name) {
  auto role = protocol::enum_from_name<protocol::Role>(name);
  if (!role) {
    throw BorderError(ErrorKind::kProtocol,
                      make_error(ErrorCode::kInvalidArgument, "unknown role '", name,
                                 "' (viewer, editor or admin)"));
  }
  return *role;
}

// Runs a host and `clients` sessions for `seconds` over QUIC on loopback (wall time) or over SimNet
// (virtual time) and reports what happened: the demonstration behind `theta-net demo`.
py::dict session_demo(const std::string& transport_name, std::size_t clients, double seconds,
                      const std::string& preset) {
  using namespace std::chrono;
  std::unique_ptr<transport::Endpoint> server_endpoint;
  std::vector<std::unique_ptr<transport::Endpoint>> client_endpoints;
  std::unique_ptr<transport::SimNet> net;
  std::vector<transport::SimEndpoint*> sim_clients;
  transport::SimEndpoint* sim_server = nullptr;
  if (transport_name == "quic") {
    server_endpoint = unwrap(transport::QuicServer::create({}), ErrorKind::kTransport);
    const auto port = static_cast<transport::QuicServer&>(*server_endpoint).port();
    for (std::size_t i = 0; i < clients; ++i) {
      transport::QuicClientConfig config;
      config.port = port;
      client_endpoints.push_back(
          unwrap(transport::QuicClient::create(config), ErrorKind::kTransport));
    }
  } else if (transport_name == "sim") {
    net = std::make_unique<transport::SimNet>(1);
    const auto link = unwrap(transport::link_preset_named(preset), ErrorKind::kTransport);
    sim_server = &net->add_endpoint("server");
    for (std::size_t i = 0; i < clients; ++i) {
      transport::SimEndpoint& c = net->add_endpoint("client" + std::to_string(i));
      net->set_links(*sim_server, c, link);
      c.connect(*sim_server);
      sim_clients.push_back(&c);
    }
  } else {
    throw BorderError(ErrorKind::kTransport,
                      make_error(ErrorCode::kInvalidArgument, "transport is 'quic' or 'sim', not '",
                                 transport_name, "'"));
  }
  transport::Endpoint& server =
      sim_server ? static_cast<transport::Endpoint&>(*sim_server) : *server_endpoint;
  auto endpoint_of = [&](std::size_t i) -> transport::Endpoint& {
    return sim_server ? static_cast<transport::Endpoint&>(*sim_clients[i]) : *client_endpoints[i];
  };
  Rng keys(7);
  protocol::SessionHost host(server, {}, Ed25519KeyPair::from_rng(keys), Rng(8));
  std::vector<std::unique_ptr<protocol::SessionClient>> sessions;
  for (std::size_t i = 0; i < clients; ++i) {
    protocol::SessionClientConfig config;
    config.handshake.client_name = "client" + std::to_string(i);
    config.heartbeat_interval_us = 200'000;
    sessions.push_back(std::make_unique<protocol::SessionClient>(
        endpoint_of(i), config, Ed25519KeyPair::from_rng(keys), Rng(9 + i)));
  }
  std::vector<std::uint64_t> next_chat_us(clients, 0);
  const auto last_chat_us =
      static_cast<std::uint64_t>(std::max(0.0, seconds - 0.5) * 1e6);  // then drain
  std::size_t chats_sent = 0;
  std::size_t chats_received = 0;
  std::uint64_t established_at_us = 0;
  const auto wall_start = steady_clock::now();
  const auto step = milliseconds(5);
  for (std::uint64_t now_us = 0; now_us < static_cast<std::uint64_t>(seconds * 1e6);) {
    if (net) {
      net->advance_by(step);
      now_us = static_cast<std::uint64_t>(net->now().count() / 1000);
    } else {
      now_us = static_cast<std::uint64_t>(
          duration_cast<microseconds>(steady_clock::now() - wall_start).count());
    }
    server.poll(net ? nanoseconds(0) : nanoseconds(microseconds(500)));
    host.update(now_us, static_cast<std::uint32_t>(now_us / 50'000));
    bool all = true;
    for (std::size_t i = 0; i < clients; ++i) {
      endpoint_of(i).poll(nanoseconds(0));
      sessions[i]->update(now_us);
      all &= sessions[i]->state() == protocol::SessionState::kEstablished;
      if (sessions[i]->state() == protocol::SessionState::kEstablished &&
          now_us >= next_chat_us[i] && now_us < last_chat_us) {
        next_chat_us[i] = now_us + 100'000;
        protocol::ChatMessage chat;
        chat.sender = sessions[i]->session()->session_id;
        chat.text = "hello from client " + std::to_string(i);
        if (sessions[i]->send(chat).ok()) ++chats_sent;
      }
    }
    if (all && established_at_us == 0) established_at_us = now_us;
    while (auto event = host.next_event()) {
      if (event->message && std::holds_alternative<protocol::ChatMessage>(*event->message))
        ++chats_received;
    }
  }
  py::dict result;
  result["transport"] = transport_name;
  result["clients"] = clients;
  result["all_established_after_ms"] = established_at_us / 1000.0;
  result["wall_seconds"] = duration<double>(steady_clock::now() - wall_start).count();
  result["chats_sent"] = chats_sent;
  result["chats_received"] = chats_received;
  py::list per_client;
  for (const auto& session : sessions) {
    py::dict c;
    c["state"] = session->state() == protocol::SessionState::kEstablished ? "established"
                                                                          : "not established";
    c["session_id"] = session->session() ? session->session()->session_id : 0;
    c["rtt_ms"] = session->rtt_us() / 1000.0;
    c["jitter_ms"] = session->jitter_us() / 1000.0;
    per_client.append(c);
  }
  result["per_client"] = per_client;
  result["pings_answered"] = host.counters().pings_answered;
  return result;
}

}  // namespace

void bind_serve(py::module_& m) {
  m.def("session_demo", &session_demo, "transport"_a, "clients"_a = 2, "seconds"_a = 2.0,
        "preset"_a = "average",
        "Sessions between a host and clients over QUIC or SimNet (the demo).");
  m.def(
      "serve",
      [](const std::string& host, std::uint16_t port, const std::string& cert,
         const std::string& key, const std::map<std::string, std::string>& tokens,
         double duration_s, std::uint16_t tick_rate, const std::string& motd,
         const std::string& terrain, std::uint64_t seed, std::int32_t view_radius,
         const std::function<void(py::dict)>& on_ready,
         const std::function<void(py::dict)>& on_event) {
        transport::QuicServerConfig config;
        config.host = host;
        config.port = port;
        config.cert_file = cert;
        config.key_file = key;
        auto server = unwrap(transport::QuicServer::create(config), ErrorKind::kTransport);

        session::GameServerConfig game;
        for (const auto& [token, role] : tokens)
          game.sessions.handshake.tokens[token] = role_named(role);
        game.sessions.handshake.motd = motd;
        game.world.rules.tick_rate = tick_rate;
        const auto kind =
            terrain == "hills" ? world::TerrainKind::kHills : world::TerrainKind::kSuperflat;
        game.world.terrain = world::TerrainGenerator({seed, kind, 62}).filler();
        game.chunks.view_radius = view_radius;
        auto server_key = unwrap(Ed25519KeyPair::generate(), ErrorKind::kProtocol);
        session::GameServer sessions(*server, game, server_key, Rng(std::random_device{}()));
        std::vector<HostEvent> events;
        sessions.set_observer([&events](const HostEvent& e) { events.push_back(e); });

        py::dict ready;
        ready["address"] = server->local_address();
        ready["port"] = server->port();
        ready["certificate_sha256"] = server->certificate_sha256();
        ready["public_key"] = to_hex(server_key.public_key());
        on_ready(ready);

        const auto start = std::chrono::steady_clock::now();
        auto now_us = [&start] {
          return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                                std::chrono::steady_clock::now() - start)
                                                .count());
        };
        while (true) {
          if (duration_s > 0 && static_cast<double>(now_us()) >= duration_s * 1e6) break;
          {
            py::gil_scoped_release release;
            const std::uint64_t now = now_us();
            const std::uint64_t wait_us =
                sessions.next_tick_us() > now ? sessions.next_tick_us() - now : 0;
            server->poll(std::chrono::microseconds(std::min<std::uint64_t>(wait_us, 50'000)));
            sessions.step(now_us());
          }
          for (const HostEvent& e : events) on_event(event_to_py(e));
          events.clear();
          if (PyErr_CheckSignals() != 0) throw py::error_already_set();  // Ctrl-C ends the loop
        }
        const auto& c = sessions.sessions().counters();
        py::dict summary;
        summary["hellos"] = c.hellos;
        summary["accepted"] = c.accepted;
        summary["rejected"] = c.rejected;
        summary["protocol_errors"] = c.protocol_errors;
        summary["pings_answered"] = c.pings_answered;
        summary["ticks"] = sessions.world().tick();
        summary["players"] = sessions.world().simulation().players().size();
        return summary;
      },
      "host"_a, "port"_a, "cert"_a = "", "key"_a = "",
      "tokens"_a = std::map<std::string, std::string>{}, "duration"_a = 0.0, "tick_rate"_a = 20,
      "motd"_a = "", "terrain"_a = "hills", "seed"_a = 1, "view_radius"_a = 4, "on_ready"_a,
      "on_event"_a,
      "Runs the reference game server until `duration` seconds pass (0 = until interrupted).");
}

}  // namespace theta_net::bindings
