#include "theta_net/transport/quic_server.hpp"

#include <gnutls/crypto.h>

#include <algorithm>
#include <deque>
#include <map>
#include <string>
#include <unordered_map>

#include "quic_connection.hpp"
#include "theta_net/transport/close_code.hpp"

namespace theta_net::transport {
namespace {
constexpr std::size_t kMaxReadsPerPoll = 1024;
std::string cid_key(const std::uint8_t* data, std::size_t len) {
  return std::string(reinterpret_cast<const char*>(data), len);
}
}  // namespace

struct QuicServer::Impl final : QuicConnectionHost {
  QuicServerConfig config;
  UdpSocket socket;
  std::unique_ptr<ServerCredentials> cred;
  std::shared_ptr<KeyLog> keylog;
  std::array<std::uint8_t, 32> reset_secret{};
  // The HTTP/3 bounds across connections (Http3Limits::max_open_files,
  // max_upload_bytes_total); before conns, whose streams count themselves out of it when they
  // are destroyed.
  Http3ServerShared http_shared;
  std::map<std::uint64_t, std::unique_ptr<QuicConnection>> conns;  // by ConnectionId
  std::unordered_map<std::string, QuicConnection*> by_cid;
  std::unordered_map<QuicConnection*, std::vector<std::string>> cids_of;
  std::deque<Event> events;
  std::uint64_t next_id = 1;
  QuicServerCounters counters;
  Bytes rx = Bytes(64 * 2048);  // one recvmmsg batch
  bool write_again = false;

  void associate_cid(QuicConnection& conn, const ngtcp2_cid& cid) override {
    auto key = cid_key(cid.data, cid.datalen);
    by_cid[key] = &conn;
    cids_of[&conn].push_back(std::move(key));
  }
  void dissociate_cid(const ngtcp2_cid& cid) override {
    by_cid.erase(cid_key(cid.data, cid.datalen));
  }

  QuicConnection* find(ConnectionId id) const {
    auto it = conns.find(id.value);
    return it == conns.end() ? nullptr : it->second.get();
  }

  void dispatch(const SocketAddress& from, const std::uint8_t* data, std::size_t len,
                Timestamp now) {
    ngtcp2_version_cid vc{};
    const int rv = ngtcp2_pkt_decode_version_cid(&vc, data, len, kCidLength);
    if (rv == NGTCP2_ERR_VERSION_NEGOTIATION) {
      std::uint8_t buf[256];
      const std::uint32_t versions[] = {NGTCP2_PROTO_VER_V1};
      std::uint8_t unused = 0;
      gnutls_rnd(GNUTLS_RND_NONCE, &unused, 1);
      const auto n = ngtcp2_pkt_write_version_negotiation(
          buf, sizeof buf, unused, vc.scid, vc.scidlen, vc.dcid, vc.dcidlen, versions, 1);
      if (n > 0)
        socket.send(&from, buf, static_cast<std::size_t>(n), static_cast<std::size_t>(n), false);
      ++counters.version_negotiations;
      return;
    }
    if (rv != 0) {
      ++counters.garbage_packets;
      return;
    }
    auto it = by_cid.find(cid_key(vc.dcid, vc.dcidlen));
    if (it != by_cid.end()) return it->second->on_packet(from, data, len, now);
    ngtcp2_pkt_hd hd{};
    if (ngtcp2_accept(&hd, data, len) != 0 || conns.size() >= config.max_connections) {
      ++counters.garbage_packets;  // not an Initial we can take (or a stray short header)
      return;
    }
    QuicConnectionSetup setup;
    setup.server = true;
    setup.id = ConnectionId{next_id++};
    setup.config = &config;
    setup.cred = cred->get();
    setup.keylog = keylog.get();
    setup.socket = &socket;
    setup.local = socket.local_address();
    setup.remote = from;
    setup.host = this;
    setup.reset_secret = reset_secret;
    if (config.http) {
      setup.http = &config.http;
      setup.http_check = &config.http_check;
      setup.http_sink = &config.http_sink;
      setup.http_limits = config.http_limits;
      setup.http_shared = &http_shared;
    }
    auto conn = QuicConnection::accept(std::move(setup), hd, now);
    if (!conn.ok()) {
      ++counters.refused;
      return;
    }
    QuicConnection* c = conn->get();
    conns.emplace(c->id().value, std::move(*conn));
    c->on_packet(from, data, len, now);
  }

  void remove(std::map<std::uint64_t, std::unique_ptr<QuicConnection>>::iterator it) {
    QuicConnection* c = it->second.get();
    for (const std::string& key : cids_of[c]) {
      auto found = by_cid.find(key);
      if (found != by_cid.end() && found->second == c) by_cid.erase(found);
    }
    cids_of.erase(c);
    if (!c->established()) ++counters.refused;
    if (c->http3()) {  // its figures move from the live ones to the totals
      ++counters.http3_connections;
      counters.http3_requests += c->http_requests();
    }
    conns.erase(it);
  }

  void service(Timestamp now) {
    write_again = false;
    for (auto it = conns.begin(); it != conns.end();) {
      QuicConnection& c = *it->second;
      // ACKs alone wait for the next poll (or their timer), so they ride along with the
      // application's answer instead of costing a packet and a wake-up of their own.
      const bool due = c.expiry() <= now;
      if (due) c.on_timer(now);
      if (due || c.wants_flush()) write_again |= c.flush(now);
      while (auto e = c.next_event()) {
        counters.accepted += e->kind == EventKind::kConnected;
        events.push_back(std::move(*e));
      }
      if (c.phase() == QuicConnection::Phase::kDead) {
        remove(it++);
      } else {
        ++it;
      }
    }
  }

  Timestamp next_expiry() const {
    Timestamp t = kNever;
    for (const auto& [id, c] : conns) t = std::min(t, c->expiry());
    return t;
  }
};

Result<std::unique_ptr<QuicServer>> QuicServer::create(QuicServerConfig config) {
  auto impl = std::make_unique<Impl>();
  THETA_TRY(prepare_qlog_dir(config));
  THETA_TRY_ASSIGN(SocketAddress local, resolve_address(config.host, config.port));
  THETA_TRY_ASSIGN(impl->socket, UdpSocket::bind(local));
  THETA_TRY_ASSIGN(impl->cred, ServerCredentials::create(config.cert_file, config.key_file));
  impl->keylog = KeyLog::open(config.keylog_file);
  gnutls_rnd(GNUTLS_RND_KEY, impl->reset_secret.data(), impl->reset_secret.size());
  impl->config = std::move(config);
  return std::unique_ptr<QuicServer>(new QuicServer(std::move(impl)));
}

QuicServer::QuicServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

QuicServer::~QuicServer() {
  const Timestamp now = monotonic_now();
  for (auto& [id, c] : impl_->conns) {
    c->close_now(code_value(CloseCode::kShutdown), "server shutting down", now);
  }
}

std::uint16_t QuicServer::port() const {
  return impl_->socket.local_address().port();
}
std::string QuicServer::local_address() const {
  return impl_->socket.local_address().to_string();
}
const std::string& QuicServer::certificate_sha256() const {
  return impl_->cred->sha256();
}
std::uint64_t QuicServer::http_upload_bytes() const {
  return impl_->http_shared.upload_bytes.load(std::memory_order_relaxed);
}

QuicServerCounters QuicServer::counters() const {
  QuicServerCounters out = impl_->counters;
  for (const auto& [id, c] : impl_->conns) {
    if (!c->http3()) continue;
    ++out.http3_connections;
    out.http3_requests += c->http_requests();
  }
  return out;
}

Status QuicServer::send(ConnectionId conn, Lane lane, ByteSpan message) {
  QuicConnection* c = impl_->find(conn);
  if (!c) return make_error(ErrorCode::kClosed, "no open connection ", conn.value);
  return c->send(lane, message);
}

void QuicServer::poll(std::chrono::nanoseconds max_wait) {
  Timestamp now = monotonic_now();
  // Write what the application queued since the last poll before waiting (see QuicClient).
  if (!impl_->write_again) {
    for (auto& [id, c] : impl_->conns) impl_->write_again |= c->flush(now);
  }
  if (!impl_->write_again) {
    const Timestamp expiry = impl_->next_expiry();
    const auto until_timer = expiry <= now ? 0 : expiry - now;
    impl_->socket.wait(
        std::min(max_wait, std::chrono::nanoseconds(std::min<Timestamp>(until_timer, INT64_MAX))));
    now = monotonic_now();
  }
  constexpr std::size_t kBatch = 64, kStride = 2048;
  UdpSocket::Received got[kBatch];
  for (std::size_t read = 0; read < kMaxReadsPerPoll;) {
    bool refused = false;
    const std::size_t n =
        impl_->socket.receive_batch(impl_->rx.data(), kStride, kBatch, got, refused);
    for (std::size_t i = 0; i < n; ++i) {
      impl_->dispatch(got[i].from, impl_->rx.data() + i * kStride, got[i].size, now);
    }
    read += n;
    if (n < kBatch && !refused) break;
  }
  impl_->service(now);
}

std::optional<WaitSet> QuicServer::wait_set() {
  const Timestamp now = monotonic_now();
  if (!impl_->write_again) {
    for (auto& [id, c] : impl_->conns) impl_->write_again |= c->flush(now);
  }
  WaitSet set;
  set.fds = {{impl_->socket.fd(), POLLIN, 0}};
  if (!impl_->write_again) {
    const Timestamp expiry = impl_->next_expiry();
    set.timeout =
        std::chrono::nanoseconds(std::min<Timestamp>(expiry <= now ? 0 : expiry - now, INT64_MAX));
  }
  return set;
}

std::optional<Event> QuicServer::next_event() {
  if (impl_->events.empty()) return std::nullopt;
  Event e = std::move(impl_->events.front());
  impl_->events.pop_front();
  return e;
}

void QuicServer::close(ConnectionId conn, std::uint64_t app_error_code, std::string_view reason) {
  QuicConnection* c = impl_->find(conn);
  if (!c) return;
  c->close(app_error_code, reason, monotonic_now());
  while (auto e = c->next_event()) impl_->events.push_back(std::move(*e));
}

std::optional<ConnectionStats> QuicServer::stats(ConnectionId conn) const {
  QuicConnection* c = impl_->find(conn);
  if (!c) return std::nullopt;
  return c->stats();
}

std::string_view QuicServer::transport_kind(ConnectionId conn) const {
  return impl_->find(conn) ? "quic" : "";
}

std::vector<ConnectionId> QuicServer::connections() const {
  std::vector<ConnectionId> out;
  for (const auto& [id, c] : impl_->conns) {
    if (c->phase() == QuicConnection::Phase::kOpen && !c->http3()) out.push_back(c->id());
  }
  return out;
}

void QuicServer::interrupt() {
  impl_->socket.wake();
}

}  // namespace theta_net::transport
