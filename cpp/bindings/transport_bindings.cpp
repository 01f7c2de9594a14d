// Python access to the transport: lanes, events, QUIC server/client, SimNet and the UDP relay
// (the TCP endpoints and relay are in tcp_bindings.cpp).
// Every call that may block (poll, relay run) releases the GIL.
#include <Python.h>
#include <pybind11/stl.h>

#include <chrono>

#include "border.hpp"
#include "endpoint_bindings.hpp"
#include "metrics_convert.hpp"
#include "theta_net/transport/close_code.hpp"
#include "theta_net/transport/endpoint_thread.hpp"
#include "theta_net/transport/quic_client.hpp"
#include "theta_net/transport/quic_server.hpp"
#include "theta_net/transport/sim_net.hpp"
#include "theta_net/transport/udp_relay.hpp"

namespace theta_net::bindings {

using namespace pybind11::literals;
using namespace theta_net::transport;

namespace {

void bind_link_config(py::module_& m) {
  py::class_<LinkConfig>(m, "LinkConfig", "Impairment of one direction of a link (SimNet, relay).")
      .def(py::init<>())
      .def_static(
          "preset",
          [](const std::string& name) {
            return unwrap(link_preset_named(name), ErrorKind::kTransport);
          },
          "name"_a, "perfect, good (40 ms RTT, 6 ms jitter, 0.2%), average, poor; per direction.")
      .def_property(
          "latency", [](const LinkConfig& c) { return c.latency; },
          [](LinkConfig& c, Nanos t) { c.latency = t; })
      .def_property(
          "jitter", [](const LinkConfig& c) { return c.jitter; },
          [](LinkConfig& c, Nanos t) { c.jitter = t; })
      .def_property(
          "reorder_delay", [](const LinkConfig& c) { return c.reorder_delay; },
          [](LinkConfig& c, Nanos t) { c.reorder_delay = t; })
      .def_readwrite("loss", &LinkConfig::loss)
      .def_readwrite("duplicate", &LinkConfig::duplicate)
      .def_readwrite("reorder", &LinkConfig::reorder)
      .def_readwrite("rate_bits_per_second", &LinkConfig::rate_bits_per_second)
      .def_readwrite("queue_bytes", &LinkConfig::queue_bytes)
      .def(
          "set_burst_loss",
          [](LinkConfig& c, double p_good_to_bad, double p_bad_to_good, double loss_in_good,
             double loss_in_bad) {
            c.burst = BurstLoss{p_good_to_bad, p_bad_to_good, loss_in_good, loss_in_bad};
          },
          "p_good_to_bad"_a, "p_bad_to_good"_a = 0.5, "loss_in_good"_a = 0.0, "loss_in_bad"_a = 1.0,
          "Gilbert-Elliott burst loss.")
      .def(
          "add_partition",
          [](LinkConfig& c, Nanos start, Nanos end) {
            c.partitions.push_back({start, end});
          },
          "start"_a, "end"_a, "Loses every packet sent in [start, end) seconds of link time.");
}

void bind_relay(py::module_& m) {
  py::class_<UdpRelay> relay(m, "UdpRelay", "UDP forwarder that impairs traffic both ways.");
  relay
      .def(py::init([](const std::string& listen, const std::string& forward,
                       const LinkConfig& impairment, std::uint64_t seed) {
             RelayConfig c{listen, forward, impairment, seed};
             return unwrap(UdpRelay::create(std::move(c)), ErrorKind::kTransport);
           }),
           "listen"_a, "forward"_a, py::arg_v("impairment", LinkConfig{}, "LinkConfig()"),
           "seed"_a = 1)
      .def_property_readonly("port", &UdpRelay::port)
      .def_property_readonly("listen_address", &UdpRelay::listen_address);
  bind_relay_run<UdpRelay>(relay);
}

template <class Config>
void apply_common(Config& c, Nanos idle_timeout, Nanos keep_alive, const std::string& qlog_dir,
                  const std::string& keylog_file, std::size_t max_message_size, bool bbr) {
  c.idle_timeout = idle_timeout;
  c.keep_alive = keep_alive;
  c.qlog_dir = qlog_dir;
  c.keylog_file = keylog_file;
  c.max_message_size = max_message_size;
  c.congestion_control = bbr ? CongestionControl::kBbr : CongestionControl::kCubic;
}

// QuicClient and ThreadedQuicClient take the same arguments.
std::unique_ptr<QuicClient> open_quic_client(const std::string& host, std::uint16_t port,
                                             const std::string& pinned_sha256, bool reconnect,
                                             Nanos idle_timeout, Nanos keep_alive,
                                             const std::string& qlog_dir,
                                             const std::string& keylog_file,
                                             std::size_t max_message_size, bool bbr) {
  QuicClientConfig c;
  c.host = host;
  c.port = port;
  c.pinned_sha256 = pinned_sha256;
  c.reconnect.enabled = reconnect;
  apply_common(c, idle_timeout, keep_alive, qlog_dir, keylog_file, max_message_size, bbr);
  return unwrap(QuicClient::create(std::move(c)), ErrorKind::kTransport);
}

void bind_quic(py::module_& m) {
  py::class_<QuicServer> server(m, "QuicServer", "QUIC server endpoint (ALPN theta/1).");
  server
      .def(py::init([](const std::string& host, std::uint16_t port, const std::string& cert,
                       const std::string& key, Nanos idle_timeout, Nanos keep_alive,
                       const std::string& qlog_dir, const std::string& keylog_file,
                       std::size_t max_message_size, bool bbr) {
             QuicServerConfig c;
             c.host = host;
             c.port = port;
             c.cert_file = cert;
             c.key_file = key;
             apply_common(c, idle_timeout, keep_alive, qlog_dir, keylog_file, max_message_size,
                          bbr);
             return unwrap(QuicServer::create(std::move(c)), ErrorKind::kTransport);
           }),
           "host"_a = "127.0.0.1", "port"_a = 0, "cert"_a = "", "key"_a = "",
           "idle_timeout"_a = 10.0, "keep_alive"_a = 0.0, "qlog_dir"_a = "", "keylog_file"_a = "",
           "max_message_size"_a = kDefaultMaxMessageSize, "bbr"_a = false)
      .def_property_readonly("port", &QuicServer::port)
      .def_property_readonly("local_address", &QuicServer::local_address)
      .def_property_readonly("certificate_sha256", &QuicServer::certificate_sha256);
  bind_endpoint<QuicServer>(server);

  py::class_<QuicClient> client(m, "QuicClient", "QUIC client endpoint with reconnection.");
  client
      .def(py::init([](const std::string& host, std::uint16_t port,
                       const std::string& pinned_sha256, bool reconnect, Nanos idle_timeout,
                       Nanos keep_alive, const std::string& qlog_dir,
                       const std::string& keylog_file, std::size_t max_message_size, bool bbr) {
             return open_quic_client(host, port, pinned_sha256, reconnect, idle_timeout, keep_alive,
                                     qlog_dir, keylog_file, max_message_size, bbr);
           }),
           "host"_a, "port"_a, "pinned_sha256"_a = "", "reconnect"_a = true,
           "idle_timeout"_a = 10.0, "keep_alive"_a = 0.0, "qlog_dir"_a = "", "keylog_file"_a = "",
           "max_message_size"_a = kDefaultMaxMessageSize, "bbr"_a = false)
      .def_property_readonly("current", [](const QuicClient& c) -> std::optional<std::uint64_t> {
        if (auto id = c.current()) return id->value;
        return std::nullopt;
      });
  bind_endpoint<QuicClient>(client);
  bind_dial<QuicClient>(client);

  py::class_<EndpointThread> threaded(
      m, "ThreadedQuicClient",
      "A QuicClient on its own I/O thread (EndpointThread): packets are read and acknowledged "
      "between the application's steps, which keeps bulk transfers (assets) moving while a step "
      "works. The same methods as QuicClient; poll(timeout) waits for an event.");
  threaded
      .def(py::init([](const std::string& host, std::uint16_t port,
                       const std::string& pinned_sha256, bool reconnect, Nanos idle_timeout,
                       Nanos keep_alive, const std::string& qlog_dir,
                       const std::string& keylog_file, std::size_t max_message_size, bool bbr) {
             return std::make_unique<EndpointThread>(
                 open_quic_client(host, port, pinned_sha256, reconnect, idle_timeout, keep_alive,
                                  qlog_dir, keylog_file, max_message_size, bbr),
                 Nanos(20'000'000), max_message_size);
           }),
           "host"_a, "port"_a, "pinned_sha256"_a = "", "reconnect"_a = true,
           "idle_timeout"_a = 10.0, "keep_alive"_a = 0.0, "qlog_dir"_a = "", "keylog_file"_a = "",
           "max_message_size"_a = kDefaultMaxMessageSize, "bbr"_a = false)
      .def_property_readonly("current",
                             [](const EndpointThread& c) -> std::optional<std::uint64_t> {
                               const auto conns = c.connections();
                               if (conns.empty()) return std::nullopt;
                               return conns.front().value;
                             });
  bind_endpoint<EndpointThread>(threaded);
  bind_dial<EndpointThread>(threaded);
}

void bind_sim(py::module_& m) {
  py::class_<SimEndpoint> endpoint(m, "SimEndpoint", "An endpoint of a SimNet (owned by it).");
  endpoint.def_property_readonly("name", &SimEndpoint::name)
      .def(
          "connect",
          [](SimEndpoint& e, const SimEndpoint& server) { return e.connect(server).value; },
          "server"_a, "Starts a connection; returns its id (Connected follows).");
  bind_endpoint<SimEndpoint>(endpoint);
  bind_dial<SimEndpoint>(endpoint);

  py::class_<SimNet>(m, "SimNet", "Deterministic network in virtual time.")
      .def(py::init<std::uint64_t>(), "seed"_a = 0)
      .def(
          "add_endpoint",
          [](SimNet& n, const std::string& name, Nanos idle_timeout,
             Nanos keep_alive) -> SimEndpoint& {
            SimEndpointConfig c;
            c.idle_timeout = idle_timeout;
            c.keep_alive = keep_alive;
            return n.add_endpoint(name, c);
          },
          "name"_a, "idle_timeout"_a = 10.0, "keep_alive"_a = 0.0,
          py::return_value_policy::reference_internal)
      .def("set_link", &SimNet::set_link, "src"_a, "dst"_a, "config"_a)
      .def("set_links", &SimNet::set_links, "a"_a, "b"_a, "config"_a)
      .def_property_readonly("now", &SimNet::now)
      .def("advance_to", &SimNet::advance_to, "time"_a)
      .def("advance_by", &SimNet::advance_by, "seconds"_a)
      .def("keep_trace", &SimNet::keep_trace, "on"_a = true,
           "Records deliveries in the trace from now on (off by default: it grows with every "
           "message).")
      .def("trace_text", &SimNet::trace_text, "The delivery trace, one line per entry.");
}

}  // namespace

void bind_transport(py::module_& m) {
  py::enum_<Lane>(m, "Lane", "Logical channels; INPUT and ENTITIES are unreliable datagrams.")
      .value("CONTROL", Lane::kControl)
      .value("INPUT", Lane::kInput)
      .value("ENTITIES", Lane::kEntities)
      .value("CHUNKS", Lane::kChunks)
      .value("REPLICATION", Lane::kReplication)
      .value("CHAT", Lane::kChat)
      .value("DIAGNOSTICS", Lane::kDiagnostics)
      .value("ASSETS", Lane::kAssets);
  py::enum_<EventKind>(m, "EventKind")
      .value("CONNECTED", EventKind::kConnected)
      .value("DISCONNECTED", EventKind::kDisconnected)
      .value("TIMED_OUT", EventKind::kTimedOut)
      .value("MESSAGE", EventKind::kMessage);
  m.attr("MAX_DATAGRAM_MESSAGE") = kMaxDatagramMessage;
  m.attr("CLOSE_PROTOCOL_ERROR") = code_value(CloseCode::kProtocolError);
  m.attr("CLOSE_SHUTDOWN") = code_value(CloseCode::kShutdown);

  py::class_<Event>(m, "Event", "A transport event (connected, disconnected, timed out, message).")
      .def_readonly("kind", &Event::kind)
      .def_property_readonly("conn", [](const Event& e) { return e.conn.value; })
      .def_readonly("lane", &Event::lane)
      .def_property_readonly("payload", [](const Event& e) { return to_pybytes(e.payload); })
      .def_property_readonly("close_code", [](const Event& e) { return e.close.code; })
      .def_property_readonly("close_reason", [](const Event& e) { return e.close.reason; })
      .def_property_readonly("closed_by_peer", [](const Event& e) { return e.close.by_peer; })
      .def_property_readonly(
          "close_is_application",
          [](const Event& e) { return e.close.kind == CloseInfo::Kind::kApplication; })
      .def("__repr__", [](const Event& e) {
        return str_cat("Event(", event_kind_name(e.kind), ", conn=", e.conn.value,
                       e.kind == EventKind::kMessage
                           ? str_cat(", lane=", lane_name(e.lane), ", ", e.payload.size(), " bytes")
                           : std::string(),
                       ")");
      });

  bind_link_config(m);
  bind_relay(m);
  bind_quic(m);
  bind_tcp(m);
  bind_http3(m);
  bind_sim(m);
}

}  // namespace theta_net::bindings
