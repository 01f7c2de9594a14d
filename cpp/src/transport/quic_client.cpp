#include "theta_net/transport/quic_client.hpp"

#include <gnutls/crypto.h>

#include <algorithm>
#include <cmath>
#include <deque>

#include "quic_connection.hpp"
#include "theta_net/core/rng.hpp"
#include "theta_net/transport/close_code.hpp"

namespace theta_net::transport {

struct QuicClient::Impl {
  QuicClientConfig config;
  SocketAddress remote;
  UdpSocket socket;
  std::unique_ptr<ClientCredentials> cred;
  std::shared_ptr<KeyLog> keylog;
  std::array<std::uint8_t, 32> reset_secret{};
  std::string pin;
  Rng rng{0};
  std::unique_ptr<QuicConnection> conn;
  std::uint64_t next_id = 1;
  std::uint32_t failures = 0;
  Timestamp retry_at = kNever;
  bool stopped = false;
  bool permanent = false;  // the last attempt failed in a way no retry can fix
  bool write_again = false;
  std::deque<Event> events;
  Bytes rx = Bytes(64 * 2048);  // one recvmmsg batch

  void start_attempt(Timestamp now) {
    retry_at = kNever;
    QuicConnectionSetup setup;
    setup.id = ConnectionId{next_id++};
    setup.config = &config;
    setup.cred = cred->get();
    setup.alpn = config.alpn;
    setup.server_name = config.server_name;
    setup.pinned_sha256 = pin;
    setup.keylog = keylog.get();
    setup.socket = &socket;
    setup.socket_connected = true;
    setup.local = socket.local_address();
    setup.remote = remote;
    setup.reset_secret = reset_secret;
    auto c = QuicConnection::connect(std::move(setup), now);
    if (!c.ok()) {
      Event e;
      e.kind = EventKind::kDisconnected;
      e.close = CloseInfo{CloseInfo::Kind::kTransport, 0, c.error().describe(), false};
      events.push_back(std::move(e));
      stopped = true;
      return;
    }
    conn = std::move(*c);
  }

  std::chrono::nanoseconds backoff() {
    const ReconnectPolicy& p = config.reconnect;
    const double base = static_cast<double>(p.initial_delay.count()) *
                        std::pow(p.multiplier, static_cast<double>(std::min(failures, 60u)));
    const double capped = std::min(base, static_cast<double>(p.max_delay.count()));
    const double factor = 1.0 + p.jitter * (2.0 * rng.next_double() - 1.0);
    return std::chrono::nanoseconds(static_cast<std::int64_t>(capped * factor));
  }

  // Called once the connection is dead: decide whether to try again, and report.
  void after_end(Timestamp now) {
    const bool established = conn->established();
    const CloseInfo& info = conn->end_info();
    permanent = conn->permanent_failure();
    bool retry = config.reconnect.enabled && !stopped && !conn->closed_locally() && !permanent;
    if (info.by_peer && info.kind == CloseInfo::Kind::kApplication &&
        !close_code_allows_reconnect(info.code)) {
      retry = false;
    }
    if (established) {
      failures = 0;
    } else {
      ++failures;
    }
    if (retry && config.reconnect.max_attempts && failures >= config.reconnect.max_attempts) {
      retry = false;
    }
    if (!established && !retry && !conn->closed_locally()) {  // tell why we gave up
      Event e;
      e.kind = EventKind::kDisconnected;
      e.conn = conn->id();
      e.close = info;
      events.push_back(std::move(e));
    }
    conn.reset();
    if (retry) retry_at = now + static_cast<Timestamp>(backoff().count());
  }

  void drain(QuicConnection& c) {
    while (auto e = c.next_event()) {
      // A handshake that never completed was never reported as connected; after_end reports
      // the failure only when the client gives up.
      if (!c.established() && e->kind != EventKind::kMessage) continue;
      if (e->kind == EventKind::kConnected) failures = 0;
      events.push_back(std::move(*e));
    }
  }
};

Result<std::unique_ptr<QuicClient>> QuicClient::create(QuicClientConfig config) {
  auto impl = std::make_unique<Impl>();
  THETA_TRY(prepare_qlog_dir(config));
  THETA_TRY_ASSIGN(impl->remote, resolve_address(config.host, config.port));
  THETA_TRY_ASSIGN(impl->socket, UdpSocket::connect(impl->remote));
  THETA_TRY_ASSIGN(impl->cred, ClientCredentials::create());
  if (!config.pinned_sha256.empty()) {
    impl->pin = normalize_fingerprint(config.pinned_sha256);
    if (impl->pin.empty()) {
      return make_error(ErrorCode::kInvalidArgument,
                        "pinned_sha256 must be 64 hex digits (colons allowed)");
    }
  }
  impl->keylog = KeyLog::open(config.keylog_file);
  gnutls_rnd(GNUTLS_RND_KEY, impl->reset_secret.data(), impl->reset_secret.size());
  std::uint64_t seed = config.seed;
  if (seed == 0) gnutls_rnd(GNUTLS_RND_NONCE, &seed, sizeof seed);
  impl->rng = Rng(seed);
  impl->config = std::move(config);
  impl->start_attempt(monotonic_now());
  return std::unique_ptr<QuicClient>(new QuicClient(std::move(impl)));
}

QuicClient::QuicClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

QuicClient::~QuicClient() {
  if (impl_->conn)
    impl_->conn->close_now(code_value(CloseCode::kNormal), "client closing", monotonic_now());
}

std::optional<ConnectionId> QuicClient::current() const {
  if (impl_->conn && impl_->conn->phase() == QuicConnection::Phase::kOpen) return impl_->conn->id();
  return std::nullopt;
}

std::optional<HandshakeTiming> QuicClient::handshake_timing() const {
  if (!impl_->conn) return std::nullopt;
  const auto& t = impl_->conn->timing();
  auto ns = [](Timestamp v) { return std::chrono::nanoseconds(static_cast<std::int64_t>(v)); };
  return HandshakeTiming{ns(t.started), ns(t.completed), ns(t.confirmed)};
}

std::uint32_t QuicClient::failed_attempts() const {
  return impl_->failures;
}

bool QuicClient::failed_for_good() const {
  return impl_->permanent;
}

Status QuicClient::dial() {
  Impl& s = *impl_;
  if (s.permanent) {
    return make_error(ErrorCode::kRejected,
                      "the last connection attempt failed for good (certificate pin or ALPN)");
  }
  const Timestamp now = monotonic_now();
  if (s.conn) {
    if (!s.conn->closed_locally()) return {};  // open, or an attempt under way
    // We closed it (a driver gave it up after a pause): end it now rather than linger, so the
    // new attempt does not wait for the old connection's closing period.
    s.conn->close_now(code_value(CloseCode::kNormal), "redialling", now);
    s.drain(*s.conn);
    s.conn.reset();
  }
  s.stopped = false;
  s.start_attempt(now);
  if (s.conn) s.write_again = s.conn->flush(now);
  return {};
}

Status QuicClient::redirect(std::string_view address) {
  Impl& s = *impl_;
  THETA_TRY_ASSIGN(SocketAddress remote, parse_host_port(address));
  THETA_TRY_ASSIGN(UdpSocket socket, UdpSocket::connect(remote));
  if (s.conn) {
    s.conn->close_now(code_value(CloseCode::kNormal), "redirected", monotonic_now());
    s.drain(*s.conn);
    s.conn.reset();
  }
  const auto colon = address.rfind(':');
  std::string_view host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  s.config.host = std::string(host);
  s.config.port = remote.port();
  s.remote = remote;
  s.socket = std::move(socket);
  // The successor has its own certificate; its identity is the session key the client pins.
  s.pin.clear();
  s.config.pinned_sha256.clear();
  s.permanent = false;
  s.failures = 0;
  s.retry_at = kNever;
  s.stopped = true;  // the driver dials
  return {};
}

Status QuicClient::send(ConnectionId conn, Lane lane, ByteSpan message) {
  if (!impl_->conn || impl_->conn->id() != conn) {
    return make_error(ErrorCode::kClosed, "no open connection ", conn.value);
  }
  return impl_->conn->send(lane, message);
}

void QuicClient::poll(std::chrono::nanoseconds max_wait) {
  Impl& s = *impl_;
  Timestamp now = monotonic_now();
  // Write what the application queued since the last poll before waiting: a datagram sent
  // between polls must not sit out the wait (it doubled the datagram round trip).
  if (s.conn && !s.write_again) s.write_again = s.conn->flush(now);
  if (!s.write_again) {
    const Timestamp expiry = std::min(s.conn ? s.conn->expiry() : kNever, s.retry_at);
    const auto until = expiry <= now ? 0 : std::min<Timestamp>(expiry - now, INT64_MAX);
    s.socket.wait(std::min(max_wait, std::chrono::nanoseconds(until)));
    now = monotonic_now();
  }
  constexpr std::size_t kBatch = 64, kStride = 2048;
  UdpSocket::Received got[kBatch];
  for (std::size_t read = 0; read < 1024;) {
    bool refused = false;
    const std::size_t n = s.socket.receive_batch(s.rx.data(), kStride, kBatch, got, refused);
    if (refused && s.conn && !s.conn->established()) {  // ICMP port unreachable: nobody there
      s.conn->abandon("connection refused");
    }
    for (std::size_t i = 0; i < n && s.conn; ++i) {
      s.conn->on_packet(got[i].from, s.rx.data() + i * kStride, got[i].size, now);
    }
    read += n;
    if (n < kBatch && !refused) break;
  }
  s.write_again = false;
  if (s.conn) {
    // ACKs alone wait for the next poll or their timer (see QuicServer::poll).
    const bool due = s.conn->expiry() <= now;
    if (due) s.conn->on_timer(now);
    if (due || s.conn->wants_flush()) s.write_again = s.conn->flush(now);
    s.drain(*s.conn);
    // A client has nothing to wait for in the closing or draining period: report now (a
    // peer's close during the handshake would otherwise surface 3 PTOs, ~3 s, later).
    const auto phase = s.conn->phase();
    if (phase == QuicConnection::Phase::kDead || phase == QuicConnection::Phase::kClosing ||
        phase == QuicConnection::Phase::kDraining) {
      s.after_end(now);
    }
  }
  if (!s.conn && !s.stopped && s.retry_at <= now) {
    s.start_attempt(now);
    if (s.conn) s.write_again = s.conn->flush(now);
  }
}

std::optional<Event> QuicClient::next_event() {
  if (impl_->events.empty()) return std::nullopt;
  Event e = std::move(impl_->events.front());
  impl_->events.pop_front();
  return e;
}

void QuicClient::close(ConnectionId conn, std::uint64_t app_error_code, std::string_view reason) {
  if (!impl_->conn || impl_->conn->id() != conn) return;
  impl_->stopped = true;
  impl_->conn->close(app_error_code, reason, monotonic_now());
  impl_->drain(*impl_->conn);
}

std::optional<ConnectionStats> QuicClient::stats(ConnectionId conn) const {
  if (!impl_->conn || impl_->conn->id() != conn) return std::nullopt;
  return impl_->conn->stats();
}

std::string_view QuicClient::transport_kind(ConnectionId conn) const {
  return stats(conn) ? "quic" : "";
}

std::vector<ConnectionId> QuicClient::connections() const {
  if (auto c = current()) return {*c};
  return {};
}

Http3ClientSession* QuicClient::http3_session() {
  return impl_->conn ? impl_->conn->http3_client() : nullptr;
}

void QuicClient::interrupt() {
  impl_->socket.wake();
}

}  // namespace theta_net::transport
