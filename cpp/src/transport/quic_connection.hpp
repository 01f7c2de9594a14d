// One QUIC connection (client or server side): an ngtcp2_conn with its GnuTLS session, the
// theta_net lanes mapped onto streams and DATAGRAM frames, graceful close, and stats. It never
// touches a socket for reading: the endpoint hands it packets and the time, and it writes
// packets through the endpoint's UdpSocket. Private to the transport module.
#pragma once

#include <gnutls/gnutls.h>
#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>

#include <array>
#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "http3_client_session.hpp"
#include "http3_session.hpp"
#include "theta_net/transport/event.hpp"
#include "theta_net/transport/http.hpp"
#include "theta_net/transport/quic_config.hpp"
#include "theta_net/transport/stream_framing.hpp"
#include "tls_context.hpp"
#include "udp_socket.hpp"

namespace theta_net::transport {

using Timestamp = std::uint64_t;  // ngtcp2_tstamp: nanoseconds of the steady clock
Timestamp monotonic_now();
inline constexpr Timestamp kNever = UINT64_MAX;
inline constexpr std::size_t kCidLength = 18;

class QuicConnection;

// quic_callbacks.cpp: the callback tables the connection hands to ngtcp2 and GnuTLS.
ngtcp2_callbacks make_quic_callbacks(bool server);
ngtcp2_qlog_write quic_qlog_writer();
// Creates config.qlog_dir (and its parents) when it is set, so that each connection's qlog can be
// opened in it; an endpoint is not created with a qlog_dir it could not write to.
// Errors: kIo (the folder cannot be created, or a file of that name is in the way).
Status prepare_qlog_dir(const QuicCommonConfig& config);
ngtcp2_conn* quic_get_conn(ngtcp2_crypto_conn_ref* ref);
void install_tls_callbacks(gnutls_session_t session, bool server);

// Connection-id routing, which only a server needs.
class QuicConnectionHost {
 public:
  virtual ~QuicConnectionHost() = default;
  virtual void associate_cid(QuicConnection& conn, const ngtcp2_cid& cid) = 0;
  virtual void dissociate_cid(const ngtcp2_cid& cid) = 0;
};

struct QuicConnectionSetup {
  bool server = false;
  ConnectionId id;
  const QuicCommonConfig* config = nullptr;
  gnutls_certificate_credentials_t cred = nullptr;
  std::string alpn = std::string(kAlpn);
  std::string server_name;
  std::string pinned_sha256;  // normalized hex; empty = accept any
  KeyLog* keylog = nullptr;
  UdpSocket* socket = nullptr;
  bool socket_connected = false;  // client: send without an address
  SocketAddress local;
  SocketAddress remote;
  QuicConnectionHost* host = nullptr;
  std::array<std::uint8_t, 32> reset_secret{};
  // A server with HTTP routes also accepts ALPN "h3"; such a connection serves requests and is
  // never reported to the application as a theta connection.
  const HttpHandler* http = nullptr;
  const HttpHeaderCheck* http_check = nullptr;
  const HttpBodySinkFactory* http_sink = nullptr;
  Http3Limits http_limits;
  Http3ServerShared* http_shared = nullptr;  // the server's bounds across connections
};

struct OutStream {
  std::int64_t id = -1;  // -1 until opened
  Lane lane = Lane::kControl;
  bool fin_after = false;  // assets: FIN once the message is written
  bool fin_sent = false;
  bool blocked = false;
  std::deque<Bytes> chunks;  // unacknowledged data; chunks.front() starts at `acked`
  std::uint64_t acked = 0, written = 0, total = 0;
  std::size_t write_index = 0, write_offset = 0;  // position of `written` inside chunks

  bool wants_write() const { return written < total || (fin_after && !fin_sent); }
  bool drained() const { return chunks.empty() && !wants_write(); }
  void append(Bytes chunk);
  void advance(std::size_t n);
  void ack_to(std::uint64_t end);
};

struct InStream {
  std::optional<Lane> lane;
  StreamDeframer deframer;
};

class QuicConnection {
 public:
  enum class Phase : std::uint8_t { kHandshaking, kOpen, kLingering, kClosing, kDraining, kDead };
  struct Timing {
    Timestamp started = 0, completed = 0, confirmed = 0;
  };

  // A client connection (connect) or a server one for the first packet's header (accept).
  // Errors: kState (ngtcp2 cannot create the connection), and those of init_tls.
  static Result<std::unique_ptr<QuicConnection>> connect(QuicConnectionSetup setup, Timestamp now);
  static Result<std::unique_ptr<QuicConnection>> accept(QuicConnectionSetup setup,
                                                        const ngtcp2_pkt_hd& hd, Timestamp now);
  ~QuicConnection();
  QuicConnection(const QuicConnection&) = delete;
  QuicConnection& operator=(const QuicConnection&) = delete;

  void on_packet(const SocketAddress& from, const std::uint8_t* data, std::size_t len,
                 Timestamp now);
  void on_timer(Timestamp now);
  // Writes queued data, at most one send quantum; true if it stopped with more to write.
  bool flush(Timestamp now);
  Timestamp expiry() const;
  // Something besides ACKs wants writing: application data, the handshake, a close.
  bool wants_flush() const;

  // Queues one message for the next flush().
  // Errors: kInvalidArgument (a message the lane rules refuse, see check_message), kClosed (the
  // connection is not open: still handshaking, closing or gone), kState (an HTTP/3 connection,
  // which carries requests, not lanes).
  Status send(Lane lane, ByteSpan message);
  void close(std::uint64_t code, std::string_view reason, Timestamp now);  // graceful
  void close_now(std::uint64_t code, std::string_view reason, Timestamp now);
  // Ends a handshake that cannot succeed (e.g. ECONNREFUSED) without sending anything.
  void abandon(std::string_view reason);

  std::optional<Event> next_event();
  Phase phase() const { return phase_; }
  bool established() const { return established_; }
  bool closed_locally() const { return closed_locally_; }
  // The handshake failed in a way a retry cannot fix (ALPN refused, certificate pin mismatch).
  bool permanent_failure() const { return permanent_failure_; }
  const CloseInfo& end_info() const { return end_info_; }
  ConnectionId id() const { return id_; }
  ConnectionStats stats() const;
  const Timing& timing() const { return timing_; }
  // An HTTP/3 connection (ALPN h3). A server's makes no events; requests() counts what it
  // answered. A client's reports Connected and its end like a theta connection, and carries
  // requests (http3_client) instead of lanes.
  bool http3() const { return http3_; }
  std::uint64_t http_requests() const { return h3_ ? h3_->requests() : 0; }
  // The client's HTTP/3 session, started on first use once the handshake is complete (nullptr
  // before that, on a server, on a theta connection, or when it could not start: then the
  // connection is closing).
  Http3ClientSession* http3_client();

 private:
  friend struct QuicCallbacks;
  explicit QuicConnection(QuicConnectionSetup setup);
  // Creates the TLS session and hands it to ngtcp2.
  // Errors: those of make_tls_session.
  Status init_tls();
  ngtcp2_path path() const;

  // quic_connection.cpp
  void handle_error(int rv, Timestamp now);
  void send_close_packet(const ngtcp2_connection_close_error& ccerr, Timestamp now);
  void end(EventKind kind, CloseInfo info);
  void protocol_error(std::uint64_t code, std::string reason);
  // Closes now with the protocol error recorded during a callback, if there is one.
  void close_if_pending(Timestamp now);
  void update_rtt_jitter();

  // quic_connection_io.cpp
  void on_handshake_completed();
  // Stream bytes from ngtcp2: deframed and delivered as messages.
  // Errors: none (a peer's violation closes the connection through protocol_error instead).
  Status on_stream_data(std::int64_t stream_id, const std::uint8_t* data, std::size_t len,
                        bool fin);
  void on_datagram(const std::uint8_t* data, std::size_t len);
  void on_stream_close(std::int64_t stream_id, OutStream* out);
  void open_pending_streams();
  OutStream* next_writable_stream();
  bool all_streams_drained() const;
  void deliver(Lane lane, Bytes payload);
  void send_batch(const std::uint8_t* data, std::size_t len, std::size_t segment);
  // quic_connection_http3.cpp: HTTP/3 beside the lanes.
  // Starts the HTTP/3 session once the handshake is complete (false: it failed, closing).
  bool ensure_http3();
  // A failure nghttp3 reported (negative rv): the connection closes with its HTTP/3 code.
  void http3_failed(int rv);
  // The next stream data to write from the HTTP/3 session (stream_id -1: none).
  Http3Streams::Write http3_next(ngtcp2_vec* vecs, std::size_t max_vecs);
  // What ngtcp2 did with it: n its result, accepted the bytes it took.
  void http3_written(const Http3Streams::Write& w, ngtcp2_ssize n, ngtcp2_ssize accepted);

  QuicConnectionSetup setup_;
  ConnectionId id_;
  ngtcp2_conn* conn_ = nullptr;
  gnutls_session_t session_ = nullptr;
  ngtcp2_crypto_conn_ref conn_ref_{};
  std::FILE* qlog_ = nullptr;
  Phase phase_ = Phase::kHandshaking;
  Timestamp now_ = 0;
  Timestamp deadline_ = kNever;  // linger end, or end of the closing / draining period
  bool established_ = false;
  bool ended_ = false;
  bool closed_locally_ = false;
  bool permanent_failure_ = false;
  bool alpn_refused_ = false;
  bool http3_ = false;  // ALPN h3 was chosen
  std::unique_ptr<Http3Streams> h3_;
  Http3ClientSession* h3_client_ = nullptr;  // h3_ on a client
  bool pin_mismatch_ = false;
  std::optional<std::pair<std::uint64_t, std::string>> pending_close_;
  std::uint64_t linger_code_ = 0;
  std::string linger_reason_;
  Bytes close_packet_;
  CloseInfo end_info_;
  std::deque<Event> events_;

  std::map<std::uint64_t, OutStream> out_;  // by creation order: the write priority
  std::uint64_t next_out_key_ = 0;
  std::array<OutStream*, kLaneCount> lane_out_{};
  std::unordered_map<std::int64_t, InStream> in_;
  std::deque<Bytes> datagrams_;  // lane byte + message, waiting for the handshake or cwnd
  std::uint64_t next_dgram_id_ = 0;
  Bytes tx_;  // packet batch buffer

  ConnectionStats stats_;
  std::uint64_t last_rtt_sample_ = 0;
  Timing timing_;
};

}  // namespace theta_net::transport
