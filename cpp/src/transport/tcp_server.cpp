#include "theta_net/transport/tcp_server.hpp"

#include "tcp_links.hpp"
#include "tcp_socket.hpp"
#include "theta_net/transport/close_code.hpp"
#include "tls_context.hpp"

namespace theta_net::transport {

struct TcpServer::Impl {
  TcpServerConfig config;
  TcpSocket listener;
  TcpLinks links;
  std::unique_ptr<ServerCredentials> credentials;  // with tls
};

Result<std::unique_ptr<TcpServer>> TcpServer::create(TcpServerConfig config) {
  THETA_TRY_ASSIGN(const SocketAddress local, resolve_address(config.host, config.port));
  THETA_TRY_ASSIGN(TcpSocket listener, TcpSocket::listen(local));
  THETA_TRY_ASSIGN(TcpLinks links, TcpLinks::create(config, /*report_unopened=*/false));
  std::unique_ptr<ServerCredentials> credentials;
  if (config.tls) {
    THETA_TRY_ASSIGN(credentials, ServerCredentials::create(config.cert_file, config.key_file));
  }
  auto impl = std::make_unique<Impl>(
      Impl{std::move(config), std::move(listener), std::move(links), std::move(credentials)});
  return std::unique_ptr<TcpServer>(new TcpServer(std::move(impl)));
}

TcpServer::TcpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

TcpServer::~TcpServer() {
  impl_->links.close_all(code_value(CloseCode::kShutdown), "server shutting down");
}

std::string TcpServer::certificate_sha256() const {
  return impl_->credentials ? impl_->credentials->sha256() : std::string();
}

std::uint16_t TcpServer::port() const {
  return impl_->listener.local_address().port();
}

Status TcpServer::send(ConnectionId conn, Lane lane, ByteSpan message) {
  if (!impl_->links.open(conn)) {
    return make_error(ErrorCode::kClosed, "connection ", conn.value, " is not open");
  }
  return impl_->links.send(conn, lane, message);
}

void TcpServer::poll(std::chrono::nanoseconds max_wait) {
  if (!impl_->links.poll(max_wait, impl_->listener.fd())) return;
  // Everything waiting in the accept queue; a server at its limit closes newcomers at once
  // (they see the stream end before any preface: a refused attempt).
  while (true) {
    auto accepted = impl_->listener.accept();
    if (!accepted.ok() || !accepted->has_value()) return;
    if (impl_->links.size() >= impl_->config.max_connections) continue;
    std::unique_ptr<TlsStream> tls;
    if (impl_->credentials) {
      auto made = TlsStream::create(true, impl_->credentials->get(), "", "");
      if (!made.ok()) continue;  // GnuTLS out of memory: drop this one, keep serving
      tls = std::move(*made);
    }
    impl_->links.add(std::move(**accepted), StreamLink::Role::kServer, /*connecting=*/false,
                     std::move(tls));
  }
}

std::optional<Event> TcpServer::next_event() {
  return impl_->links.next_event();
}

void TcpServer::close(ConnectionId conn, std::uint64_t app_error_code, std::string_view reason) {
  impl_->links.close(conn, app_error_code, reason);
}

std::optional<ConnectionStats> TcpServer::stats(ConnectionId conn) const {
  return impl_->links.stats(conn);
}

std::string_view TcpServer::transport_kind(ConnectionId conn) const {
  return impl_->links.transport_kind(conn);
}

std::vector<ConnectionId> TcpServer::connections() const {
  return impl_->links.connections();
}

std::optional<WaitSet> TcpServer::wait_set() {
  return impl_->links.wait_set(impl_->listener.fd());
}

void TcpServer::interrupt() {
  impl_->links.interrupt();
}

}  // namespace theta_net::transport
