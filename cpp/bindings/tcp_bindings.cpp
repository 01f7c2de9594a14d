// Python access to the TCP transport: TcpServer, TcpClient (the lanes as records on one TCP
// connection) and TcpRelay (impairment for byte streams). poll and run release the GIL.
#include "endpoint_bindings.hpp"
#include "theta_net/transport/tcp_client.hpp"
#include "theta_net/transport/tcp_relay.hpp"
#include "theta_net/transport/tcp_server.hpp"

namespace theta_net::bindings {

using namespace theta_net::transport;

namespace {

template <class Config>
void apply_link(Config& c, Nanos idle_timeout, Nanos ping_interval, std::size_t max_message_size,
                const std::string& framing) {
  c.link.idle_timeout = idle_timeout;
  c.link.ping_interval = ping_interval;
  c.link.max_message_size = max_message_size;
  if (framing == "websocket") {
    c.framing = StreamFraming::kWebSocket;
  } else if (framing == "detect") {
    c.framing = StreamFraming::kDetect;
  } else if (framing != "records") {
    throw BorderError(ErrorKind::kTransport,
                      make_error(ErrorCode::kInvalidArgument, "framing '", framing,
                                 "' is not records, websocket or detect"));
  }
}

}  // namespace

void bind_tcp(py::module_& m) {
  py::class_<TcpServer> server(m, "TcpServer",
                               "TCP server endpoint: the lanes as records on one stream.");
  server
      .def(
          py::init([](const std::string& host, std::uint16_t port, Nanos idle_timeout,
                      Nanos ping_interval, std::size_t max_message_size, const std::string& framing,
                      const std::string& path, const std::vector<std::string>& allowed_origins,
                      bool tls, const std::string& cert, const std::string& key) {
            TcpServerConfig c;
            c.host = host;
            c.port = port;
            apply_link(c, idle_timeout, ping_interval, max_message_size, framing);
            c.websocket.policy.path = path;
            c.websocket.policy.allowed_origins = allowed_origins;
            c.tls = tls;
            c.cert_file = cert;
            c.key_file = key;
            return unwrap(TcpServer::create(std::move(c)), ErrorKind::kTransport);
          }),
          "host"_a = "127.0.0.1", "port"_a = 0, "idle_timeout"_a = 10.0, "ping_interval"_a = 1.0,
          "max_message_size"_a = kDefaultMaxMessageSize, "framing"_a = "records", "path"_a = "/",
          "allowed_origins"_a = std::vector<std::string>{}, "tls"_a = false, "cert"_a = "",
          "key"_a = "",
          "framing: 'records' (theta/1 records), 'websocket' (browsers; the upgrade at `path`, "
          "pages from `allowed_origins` only, '*' for any) or 'detect' (either, told by the "
          "first byte). tls: TLS 1.3 underneath (wss:// with websocket), with the PEM cert and "
          "key, or a self-signed certificate when both are empty.")
      .def_property_readonly("port", &TcpServer::port)
      .def_property_readonly("certificate_sha256", &TcpServer::certificate_sha256);
  bind_endpoint<TcpServer>(server);

  py::class_<TcpClient> client(m, "TcpClient",
                               "TCP client endpoint; dial() starts a new attempt when needed.");
  client
      .def(
          py::init([](const std::string& host, std::uint16_t port, Nanos idle_timeout,
                      Nanos ping_interval, std::size_t max_message_size, const std::string& framing,
                      const std::string& path, bool tls, const std::string& pinned_sha256) {
            TcpClientConfig c;
            c.host = host;
            c.port = port;
            apply_link(c, idle_timeout, ping_interval, max_message_size, framing);
            c.websocket.path = path;
            c.tls = tls;
            c.pinned_sha256 = pinned_sha256;
            return unwrap(TcpClient::create(std::move(c)), ErrorKind::kTransport);
          }),
          "host"_a, "port"_a, "idle_timeout"_a = 10.0, "ping_interval"_a = 1.0,
          "max_message_size"_a = kDefaultMaxMessageSize, "framing"_a = "records", "path"_a = "/",
          "tls"_a = false, "pinned_sha256"_a = "")
      .def_property_readonly("current",
                             [](const TcpClient& c) -> std::optional<std::uint64_t> {
                               if (auto id = c.current()) return id->value;
                               return std::nullopt;
                             })
      .def_property_readonly("failed_attempts", &TcpClient::failed_attempts);
  bind_endpoint<TcpClient>(client);
  bind_dial<TcpClient>(client);

  py::class_<TcpRelay> relay(m, "TcpRelay",
                             "TCP forwarder that impairs byte streams both ways (loss as delay).");
  relay
      .def(py::init([](const std::string& listen, const std::string& forward,
                       const LinkConfig& impairment, std::uint64_t seed) {
             RelayConfig c{listen, forward, impairment, seed};
             return unwrap(TcpRelay::create(std::move(c)), ErrorKind::kTransport);
           }),
           "listen"_a, "forward"_a, py::arg_v("impairment", LinkConfig{}, "LinkConfig()"),
           "seed"_a = 1)
      .def_property_readonly("port", &TcpRelay::port);
  bind_relay_run<TcpRelay>(relay);
}

}  // namespace theta_net::bindings
