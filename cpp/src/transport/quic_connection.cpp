// QuicConnection: setup, reading, timers, close and stats. The ngtcp2/GnuTLS callbacks are in
// quic_callbacks.cpp, the lane side (streams, datagrams, the write loop) in quic_connection_io.cpp.
#include "quic_connection.hpp"

#include <gnutls/crypto.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "theta_net/transport/close_code.hpp"

namespace theta_net::transport {

Timestamp monotonic_now() {
  return static_cast<Timestamp>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                    std::chrono::steady_clock::now().time_since_epoch())
                                    .count());
}

namespace {

struct Params {
  ngtcp2_settings settings;
  ngtcp2_transport_params params;
};

Params make_params(const QuicConnectionSetup& s, Timestamp now, const ngtcp2_cid& odcid) {
  Params p;
  ngtcp2_settings_default(&p.settings);
  p.settings.initial_ts = now;
  p.settings.handshake_timeout = static_cast<ngtcp2_duration>(s.config->handshake_timeout.count());
  switch (s.config->congestion_control) {
    case CongestionControl::kCubic:
      p.settings.cc_algo = NGTCP2_CC_ALGO_CUBIC;
      break;
    case CongestionControl::kBbr:
      p.settings.cc_algo = NGTCP2_CC_ALGO_BBR;
      break;
    case CongestionControl::kReno:
      p.settings.cc_algo = NGTCP2_CC_ALGO_RENO;
      break;
  }
  p.settings.max_window = 64u << 20;
  p.settings.max_stream_window = 32u << 20;
  if (!s.config->qlog_dir.empty()) {
    p.settings.qlog.write = quic_qlog_writer();
    p.settings.qlog.odcid = odcid;
  }
  ngtcp2_transport_params_default(&p.params);
  // ngtcp2 leaves every limit at 0: without these nothing could be sent at all.
  p.params.initial_max_stream_data_bidi_local = 8u << 20;
  p.params.initial_max_stream_data_bidi_remote = 8u << 20;
  p.params.initial_max_stream_data_uni = 8u << 20;
  p.params.initial_max_data = 32u << 20;
  // A theta client opens one bidirectional stream (control); an HTTP/3 client one per request.
  // A theta client that opens a second is closed for it (on_stream_data), so the HTTP/3 limit
  // costs nothing when both share the port.
  p.params.initial_max_streams_bidi =
      !s.server ? 0
      : s.http  ? static_cast<std::uint64_t>(s.http_limits.max_requests_open)
                : 1;
  p.params.initial_max_streams_uni = 128;
  p.params.max_idle_timeout = static_cast<ngtcp2_duration>(s.config->idle_timeout.count());
  p.params.max_datagram_frame_size = 65535;
  p.params.max_udp_payload_size = 2048;  // the endpoints' recvmmsg slots are 2048 bytes
  return p;
}

std::string hex(const std::uint8_t* data, std::size_t len) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < len; ++i) {
    out += kHex[data[i] >> 4];
    out += kHex[data[i] & 15];
  }
  return out;
}

}  // namespace

QuicConnection::QuicConnection(QuicConnectionSetup setup)
    : setup_(std::move(setup)), id_(setup_.id) {
  conn_ref_.get_conn = quic_get_conn;
  conn_ref_.user_data = this;
}

QuicConnection::~QuicConnection() {
  if (conn_) ngtcp2_conn_del(conn_);
  if (session_) gnutls_deinit(session_);
  if (qlog_) std::fclose(qlog_);
}

ngtcp2_path QuicConnection::path() const {
  ngtcp2_path p{};
  p.local.addr = const_cast<sockaddr*>(setup_.local.get());
  p.local.addrlen = setup_.local.len;
  p.remote.addr = const_cast<sockaddr*>(setup_.remote.get());
  p.remote.addrlen = setup_.remote.len;
  return p;
}

Status QuicConnection::init_tls() {
  TlsSessionOptions o;
  o.server = setup_.server;
  o.cred = setup_.cred;
  o.alpn = setup_.alpn;
  if (setup_.server && setup_.http) o.second_alpn = std::string(kHttp3Alpn);
  o.server_name = setup_.server_name;
  o.conn_ref = &conn_ref_;
  THETA_TRY_ASSIGN(session_, make_tls_session(o));
  install_tls_callbacks(session_, setup_.server);
  ngtcp2_conn_set_tls_native_handle(conn_, session_);
  if (setup_.config->keep_alive.count() > 0) {
    ngtcp2_conn_set_keep_alive_timeout(
        conn_, static_cast<ngtcp2_duration>(setup_.config->keep_alive.count()));
  }
  return {};
}

Status prepare_qlog_dir(const QuicCommonConfig& config) {
  if (config.qlog_dir.empty()) return {};
  std::error_code ec;
  std::filesystem::create_directories(config.qlog_dir, ec);
  if (ec || !std::filesystem::is_directory(config.qlog_dir, ec)) {
    return make_error(ErrorCode::kIo, "qlog_dir '", config.qlog_dir,
                      "' is not a folder that could be created: ",
                      ec ? ec.message() : std::string("a file of that name exists"));
  }
  if (::access(config.qlog_dir.c_str(), W_OK | X_OK) != 0) {
    return make_error(ErrorCode::kIo, "qlog_dir '", config.qlog_dir,
                      "' cannot be written to: ", std::strerror(errno));
  }
  return {};
}

static std::FILE* open_qlog(const QuicCommonConfig& config, const ngtcp2_cid& odcid, bool server) {
  if (config.qlog_dir.empty()) return nullptr;
  const std::string path = str_cat(config.qlog_dir, "/", hex(odcid.data, odcid.datalen),
                                   server ? "-server" : "-client", ".sqlog");
  return std::fopen(path.c_str(), "w");
}

Result<std::unique_ptr<QuicConnection>> QuicConnection::connect(QuicConnectionSetup setup,
                                                                Timestamp now) {
  std::unique_ptr<QuicConnection> c(new QuicConnection(std::move(setup)));
  c->http3_ = c->setup_.alpn == kHttp3Alpn;  // an Http3Client's connection
  ngtcp2_cid dcid{}, scid{};
  dcid.datalen = scid.datalen = kCidLength;
  gnutls_rnd(GNUTLS_RND_RANDOM, dcid.data, kCidLength);
  gnutls_rnd(GNUTLS_RND_RANDOM, scid.data, kCidLength);
  Params p = make_params(c->setup_, now, dcid);
  c->qlog_ = open_qlog(*c->setup_.config, dcid, false);
  const ngtcp2_callbacks cb = make_quic_callbacks(false);
  const ngtcp2_path path = c->path();
  int rv = ngtcp2_conn_client_new(&c->conn_, &dcid, &scid, &path, NGTCP2_PROTO_VER_V1, &cb,
                                  &p.settings, &p.params, nullptr, c.get());
  if (rv != 0)
    return make_error(ErrorCode::kState, "ngtcp2_conn_client_new: ", ngtcp2_strerror(rv));
  THETA_TRY(c->init_tls());
  c->timing_.started = c->now_ = now;
  return c;
}

Result<std::unique_ptr<QuicConnection>> QuicConnection::accept(QuicConnectionSetup setup,
                                                               const ngtcp2_pkt_hd& hd,
                                                               Timestamp now) {
  std::unique_ptr<QuicConnection> c(new QuicConnection(std::move(setup)));
  ngtcp2_cid scid{};
  scid.datalen = kCidLength;
  gnutls_rnd(GNUTLS_RND_RANDOM, scid.data, kCidLength);
  Params p = make_params(c->setup_, now, hd.dcid);
  p.params.original_dcid = hd.dcid;
  p.params.stateless_reset_token_present = 1;
  ngtcp2_crypto_generate_stateless_reset_token(p.params.stateless_reset_token,
                                               c->setup_.reset_secret.data(),
                                               c->setup_.reset_secret.size(), &scid);
  c->qlog_ = open_qlog(*c->setup_.config, hd.dcid, true);
  const ngtcp2_callbacks cb = make_quic_callbacks(true);
  const ngtcp2_path path = c->path();
  int rv = ngtcp2_conn_server_new(&c->conn_, &hd.scid, &scid, &path, hd.version, &cb, &p.settings,
                                  &p.params, nullptr, c.get());
  if (rv != 0)
    return make_error(ErrorCode::kState, "ngtcp2_conn_server_new: ", ngtcp2_strerror(rv));
  THETA_TRY(c->init_tls());
  c->timing_.started = c->now_ = now;
  if (c->setup_.host) {
    c->setup_.host->associate_cid(*c, hd.dcid);
    c->setup_.host->associate_cid(*c, scid);
  }
  return c;
}

void QuicConnection::on_packet(const SocketAddress& from, const std::uint8_t* data, std::size_t len,
                               Timestamp now) {
  now_ = now;
  ++stats_.packets_received;
  stats_.bytes_received += len;
  if (phase_ == Phase::kClosing) {  // answer anything with the close again (RFC 9000 10.2.1)
    if (!close_packet_.empty())
      send_batch(close_packet_.data(), close_packet_.size(), close_packet_.size());
    return;
  }
  if (phase_ == Phase::kDraining || phase_ == Phase::kDead) return;
  ngtcp2_path p = path();
  p.remote.addr = const_cast<sockaddr*>(from.get());
  p.remote.addrlen = from.len;
  ngtcp2_pkt_info pi{};
  const int rv = ngtcp2_conn_read_pkt(conn_, &p, &pi, data, len, now);
  update_rtt_jitter();
  if (rv != 0) return handle_error(rv, now);
  close_if_pending(now);
}

void QuicConnection::close_if_pending(Timestamp now) {
  if (!pending_close_) return;
  auto [code, reason] = std::move(*pending_close_);
  pending_close_.reset();
  close_now(code, reason, now);
}

void QuicConnection::update_rtt_jitter() {
  ngtcp2_conn_stat cs{};
  ngtcp2_conn_get_conn_stat(conn_, &cs);
  if (cs.latest_rtt == 0 || cs.latest_rtt == last_rtt_sample_) return;
  if (last_rtt_sample_ != 0) {  // RFC 3550 A.8: J += (|D| - J) / 16
    const auto d =
        static_cast<std::int64_t>(cs.latest_rtt) - static_cast<std::int64_t>(last_rtt_sample_);
    const std::int64_t j = stats_.jitter.count();
    stats_.jitter = std::chrono::nanoseconds(j + ((d < 0 ? -d : d) - j) / 16);
  }
  last_rtt_sample_ = cs.latest_rtt;
}

void QuicConnection::handle_error(int rv, Timestamp now) {
  ngtcp2_connection_close_error ccerr;
  ngtcp2_connection_close_error_default(&ccerr);
  switch (rv) {
    case NGTCP2_ERR_DRAINING: {  // the peer closed
      ngtcp2_connection_close_error peer{};
      ngtcp2_conn_get_connection_close_error(conn_, &peer);
      CloseInfo info;
      info.kind = peer.type == NGTCP2_CONNECTION_CLOSE_ERROR_CODE_TYPE_APPLICATION
                      ? CloseInfo::Kind::kApplication
                      : CloseInfo::Kind::kTransport;
      info.code = peer.error_code;
      info.reason.assign(reinterpret_cast<const char*>(peer.reason), peer.reasonlen);
      info.by_peer = true;
      if (info.kind == CloseInfo::Kind::kTransport && !established_) permanent_failure_ = true;
      end(EventKind::kDisconnected, std::move(info));
      phase_ = Phase::kDraining;
      deadline_ = now + 3 * ngtcp2_conn_get_pto(conn_);
      return;
    }
    case NGTCP2_ERR_DROP_CONN:
    case NGTCP2_ERR_RETRY:
      end(EventKind::kDisconnected, CloseInfo{CloseInfo::Kind::kTransport, 0, "dropped", false});
      phase_ = Phase::kDead;
      return;
    case NGTCP2_ERR_CRYPTO:
    case NGTCP2_ERR_CALLBACK_FAILURE:
      if (rv == NGTCP2_ERR_CRYPTO || alpn_refused_) {
        const std::uint8_t alert = alpn_refused_ ? 120 : ngtcp2_conn_get_tls_alert(conn_);
        ngtcp2_connection_close_error_set_transport_error_tls_alert(&ccerr, alert, nullptr, 0);
        permanent_failure_ = alpn_refused_ || pin_mismatch_ || !established_;
        std::string why = alpn_refused_   ? "ALPN refused (only theta/1 is spoken)"
                          : pin_mismatch_ ? "server certificate does not match the pinned SHA-256"
                                          : str_cat("TLS alert ", int(alert));
        end(EventKind::kDisconnected,
            CloseInfo{CloseInfo::Kind::kTransport, ccerr.error_code, std::move(why), false});
        break;
      }
      [[fallthrough]];
    default:
      ngtcp2_connection_close_error_set_transport_error_liberr(&ccerr, rv, nullptr, 0);
      end(EventKind::kDisconnected,
          CloseInfo{CloseInfo::Kind::kTransport, ccerr.error_code, ngtcp2_strerror(rv), false});
      break;
  }
  send_close_packet(ccerr, now);
}

void QuicConnection::send_close_packet(const ngtcp2_connection_close_error& ccerr, Timestamp now) {
  close_packet_.assign(NGTCP2_MAX_UDP_PAYLOAD_SIZE + 252, 0);
  ngtcp2_path_storage ps;
  ngtcp2_path_storage_zero(&ps);
  ngtcp2_pkt_info pi{};
  const ngtcp2_ssize n = ngtcp2_conn_write_connection_close(
      conn_, &ps.path, &pi, close_packet_.data(), close_packet_.size(), &ccerr, now);
  if (n > 0) {
    close_packet_.resize(static_cast<std::size_t>(n));
    send_batch(close_packet_.data(), close_packet_.size(), close_packet_.size());
    phase_ = Phase::kClosing;
    deadline_ = now + 3 * ngtcp2_conn_get_pto(conn_);
  } else {
    close_packet_.clear();
    phase_ = Phase::kDead;
  }
}

void QuicConnection::protocol_error(std::uint64_t code, std::string reason) {
  if (!pending_close_) pending_close_.emplace(code, std::move(reason));
}

void QuicConnection::end(EventKind kind, CloseInfo info) {
  if (ended_) return;
  ended_ = true;
  end_info_ = info;
  if (!established_ && setup_.server) return;  // never reported as connected: nothing to undo
  if (http3_ && setup_.server) return;         // HTTP/3 is not a theta connection
  Event e;
  e.kind = kind;
  e.conn = id_;
  e.close = std::move(info);
  events_.push_back(std::move(e));
}

void QuicConnection::on_timer(Timestamp now) {
  now_ = now;
  if (phase_ == Phase::kClosing || phase_ == Phase::kDraining) {
    if (now >= deadline_) phase_ = Phase::kDead;
    return;
  }
  if (phase_ == Phase::kDead) return;
  if (phase_ == Phase::kLingering && (now >= deadline_ || all_streams_drained())) {
    ngtcp2_connection_close_error ccerr;
    ngtcp2_connection_close_error_set_application_error(
        &ccerr, linger_code_, reinterpret_cast<const std::uint8_t*>(linger_reason_.data()),
        linger_reason_.size());
    return send_close_packet(ccerr, now);
  }
  if (ngtcp2_conn_get_expiry(conn_) > now) return;
  const int rv = ngtcp2_conn_handle_expiry(conn_, now);
  if (rv == NGTCP2_ERR_IDLE_CLOSE || rv == NGTCP2_ERR_HANDSHAKE_TIMEOUT) {
    const bool idle = rv == NGTCP2_ERR_IDLE_CLOSE;
    end(EventKind::kTimedOut, CloseInfo{CloseInfo::Kind::kTransport, 0,
                                        idle ? "idle timeout" : "handshake timeout", false});
    phase_ = Phase::kDead;  // an idle close is silent (RFC 9000 10.1)
    return;
  }
  if (rv != 0) handle_error(rv, now);
}

Timestamp QuicConnection::expiry() const {
  switch (phase_) {
    case Phase::kDead:
      return kNever;
    case Phase::kClosing:
    case Phase::kDraining:
      return deadline_;
    case Phase::kLingering:
      return std::min(deadline_, ngtcp2_conn_get_expiry(conn_));
    default:
      return ngtcp2_conn_get_expiry(conn_);
  }
}

void QuicConnection::close(std::uint64_t code, std::string_view reason, Timestamp now) {
  if (phase_ != Phase::kOpen && phase_ != Phase::kHandshaking) return;
  closed_locally_ = true;
  end(EventKind::kDisconnected,
      CloseInfo{CloseInfo::Kind::kApplication, code, std::string(reason), false});
  if (phase_ == Phase::kHandshaking) return close_now(code, reason, now);
  phase_ = Phase::kLingering;
  linger_code_ = code;
  linger_reason_ = std::string(reason);
  deadline_ = now + static_cast<Timestamp>(setup_.config->close_linger.count());
  on_timer(now);  // nothing queued: close at once
}

void QuicConnection::close_now(std::uint64_t code, std::string_view reason, Timestamp now) {
  if (phase_ == Phase::kClosing || phase_ == Phase::kDraining || phase_ == Phase::kDead) return;
  end(EventKind::kDisconnected,
      CloseInfo{CloseInfo::Kind::kApplication, code, std::string(reason), false});
  ngtcp2_connection_close_error ccerr;
  ngtcp2_connection_close_error_set_application_error(
      &ccerr, code, reinterpret_cast<const std::uint8_t*>(reason.data()), reason.size());
  send_close_packet(ccerr, now);
}

void QuicConnection::abandon(std::string_view reason) {
  end(EventKind::kDisconnected,
      CloseInfo{CloseInfo::Kind::kTransport, 0, std::string(reason), false});
  phase_ = Phase::kDead;
}

std::optional<Event> QuicConnection::next_event() {
  if (events_.empty()) return std::nullopt;
  Event e = std::move(events_.front());
  events_.pop_front();
  return e;
}

ConnectionStats QuicConnection::stats() const {
  ConnectionStats s = stats_;
  ngtcp2_conn_stat cs{};
  ngtcp2_conn_get_conn_stat(conn_, &cs);
  s.rtt_smoothed = std::chrono::nanoseconds(cs.smoothed_rtt);
  s.rtt_min = std::chrono::nanoseconds(cs.min_rtt == UINT64_MAX ? 0 : cs.min_rtt);
  s.rtt_variance = std::chrono::nanoseconds(cs.rttvar);
  s.congestion_window = cs.cwnd;
  s.bytes_in_flight = cs.bytes_in_flight;
  for (const auto& [key, out] : out_) s.send_queue_bytes += out.total - out.acked;
  return s;
}

}  // namespace theta_net::transport
