#include "theta_net/transport/tcp_client.hpp"

#include "tcp_links.hpp"
#include "tcp_socket.hpp"
#include "theta_net/transport/close_code.hpp"
#include "tls_context.hpp"

namespace theta_net::transport {

struct TcpClient::Impl {
  TcpClientConfig config;
  SocketAddress server;
  TcpLinks links;
  std::optional<ConnectionId> attempt;  // the newest connection, open or under way
  std::uint32_t failed_attempts = 0;
  bool attempt_opened = false;
  std::unique_ptr<ClientCredentials> credentials;  // with tls

  void start() {
    attempt_opened = false;
    auto socket = TcpSocket::connect(server);
    if (!socket.ok()) {
      attempt = links.add_failed_attempt(socket.error().message);
      return;
    }
    std::unique_ptr<TlsStream> tls;
    if (credentials) {
      auto made =
          TlsStream::create(false, credentials->get(), config.server_name, config.pinned_sha256);
      if (!made.ok()) {
        attempt = links.add_failed_attempt(made.error().message);
        return;
      }
      tls = std::move(*made);
    }
    attempt = links.add(std::move(*socket), StreamLink::Role::kClient, /*connecting=*/true,
                        std::move(tls));
  }
};

Result<std::unique_ptr<TcpClient>> TcpClient::create(TcpClientConfig config) {
  THETA_TRY_ASSIGN(const SocketAddress server, resolve_address(config.host, config.port));
  if (config.websocket.host.empty()) config.websocket.host = str_cat(config.host, ":", config.port);
  THETA_TRY_ASSIGN(TcpLinks links, TcpLinks::create(config, /*report_unopened=*/true));
  if (!config.pinned_sha256.empty() && normalize_fingerprint(config.pinned_sha256).empty()) {
    return make_error(ErrorCode::kInvalidArgument,
                      "pinned_sha256 must be 64 hex digits (colons allowed)");
  }
  std::unique_ptr<ClientCredentials> credentials;
  if (config.tls) {
    THETA_TRY_ASSIGN(credentials, ClientCredentials::create());
  }
  auto impl = std::make_unique<Impl>(Impl{std::move(config), server, std::move(links), std::nullopt,
                                          0, false, std::move(credentials)});
  impl->start();
  return std::unique_ptr<TcpClient>(new TcpClient(std::move(impl)));
}

TcpClient::TcpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

TcpClient::~TcpClient() {
  impl_->links.close_all(code_value(CloseCode::kNormal), "client closed");
}

std::optional<ConnectionId> TcpClient::current() const {
  if (impl_->attempt && impl_->links.open(*impl_->attempt)) return impl_->attempt;
  return std::nullopt;
}

std::uint32_t TcpClient::failed_attempts() const {
  return impl_->failed_attempts;
}

Status TcpClient::dial() {
  if (impl_->attempt && impl_->links.live(*impl_->attempt)) return {};
  impl_->start();
  return {};
}

Status TcpClient::redirect(std::string_view address) {
  THETA_TRY_ASSIGN(const SocketAddress remote, parse_host_port(address));
  if (impl_->attempt && impl_->links.live(*impl_->attempt)) {
    impl_->links.close(*impl_->attempt, code_value(CloseCode::kNormal), "redirected");
  }
  impl_->server = remote;
  const auto colon = address.rfind(':');
  impl_->config.host = std::string(address.substr(0, colon));
  impl_->config.port = remote.port();
  impl_->links.set_websocket_host(std::string(address));
  return {};
}

Status TcpClient::send(ConnectionId conn, Lane lane, ByteSpan message) {
  if (conn != impl_->attempt || !impl_->links.open(conn)) {
    return make_error(ErrorCode::kClosed, "connection ", conn.value, " is not open");
  }
  return impl_->links.send(conn, lane, message);
}

void TcpClient::poll(std::chrono::nanoseconds max_wait) {
  impl_->links.poll(max_wait, -1);
}

std::optional<Event> TcpClient::next_event() {
  auto e = impl_->links.next_event();
  if (e && e->conn == impl_->attempt) {
    if (e->kind == EventKind::kConnected) {
      impl_->attempt_opened = true;
      impl_->failed_attempts = 0;
    } else if (e->kind != EventKind::kMessage && !impl_->attempt_opened) {
      ++impl_->failed_attempts;
    }
  }
  return e;
}

void TcpClient::close(ConnectionId conn, std::uint64_t app_error_code, std::string_view reason) {
  impl_->links.close(conn, app_error_code, reason);
}

std::optional<ConnectionStats> TcpClient::stats(ConnectionId conn) const {
  return impl_->links.stats(conn);
}

std::string_view TcpClient::transport_kind(ConnectionId conn) const {
  return impl_->links.transport_kind(conn);
}

std::vector<ConnectionId> TcpClient::connections() const {
  return impl_->links.connections();
}

std::optional<WaitSet> TcpClient::wait_set() {
  return impl_->links.wait_set(-1);
}

void TcpClient::interrupt() {
  impl_->links.interrupt();
}

}  // namespace theta_net::transport
