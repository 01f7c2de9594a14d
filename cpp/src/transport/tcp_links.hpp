// The connections of one TCP endpoint: each a TcpSocket and the RecordLink it carries, moved
// by one ppoll() loop (with an eventfd so interrupt() can wake it). TcpServer and TcpClient
// differ only in where sockets come from, so both keep their connections here.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tcp_socket.hpp"
#include "theta_net/transport/endpoint.hpp"
#include "theta_net/transport/event.hpp"
#include "theta_net/transport/stream_link.hpp"
#include "theta_net/transport/tcp_config.hpp"
#include "tls_stream.hpp"

namespace theta_net::transport {

class TcpLinks {
 public:
  // report_unopened: whether a connection that ends before the peer's preface is reported
  // (a client's failed attempt is; a server says nothing of a stranger that never opened).
  // Errors: kIo (the wake-up eventfd cannot be made).
  static Result<TcpLinks> create(TcpCommonConfig config, bool report_unopened);
  ~TcpLinks();
  TcpLinks(TcpLinks&& other) noexcept;
  TcpLinks& operator=(TcpLinks&&) = delete;
  TcpLinks(const TcpLinks&) = delete;
  TcpLinks& operator=(const TcpLinks&) = delete;

  // Takes a connected (or, with `connecting`, connecting) socket; returns its id. The link
  // (records or WebSocket, as the config's framing says) starts now.
  // With `tls`, the link's bytes go through it (TLS over the socket).
  ConnectionId add(TcpSocket socket, StreamLink::Role role, bool connecting,
                   std::unique_ptr<TlsStream> tls = nullptr);
  // A client attempt that could not even start: reported as a Disconnected event.
  ConnectionId add_failed_attempt(std::string reason);

  // Errors: kClosed (no such open connection), and those of RecordLink::send.
  Status send(ConnectionId conn, Lane lane, ByteSpan message);
  void close(ConnectionId conn, std::uint64_t code, std::string_view reason);
  // Closes every connection and flushes what the sockets take at once (on destruction).
  void close_all(std::uint64_t code, std::string_view reason);

  // Writes what is queued, waits up to max_wait for I/O on the connections and on `extra_fd`
  // (a listening socket, or -1), then reads, runs timers and writes again. Returns whether
  // extra_fd is readable.
  bool poll(std::chrono::nanoseconds max_wait, int extra_fd);
  // What poll() would wait on (writing what is queued first), without waiting.
  WaitSet wait_set(int extra_fd);
  std::optional<Event> next_event();
  void interrupt();
  // The Host header of WebSocket connections started from now on (a client that moved).
  void set_websocket_host(std::string host) { config_.websocket.host = std::move(host); }

  // A connection that is open (preface exchanged) and not closing.
  bool open(ConnectionId conn) const;
  // A connection that is under way or open (not ending).
  bool live(ConnectionId conn) const;
  std::optional<ConnectionStats> stats(ConnectionId conn) const;
  // "ws" for a WebSocket link, "tcp" for theta/1 records, empty for an unknown connection.
  std::string_view transport_kind(ConnectionId conn) const;
  std::vector<ConnectionId> connections() const;
  std::size_t size() const { return conns_.size(); }

 private:
  struct Conn {
    Conn(TcpSocket s, std::unique_ptr<StreamLink> l, bool is_connecting,
         std::unique_ptr<TlsStream> t)
        : socket(std::move(s)), link(std::move(l)), tls(std::move(t)), connecting(is_connecting) {}
    TcpSocket socket;
    std::unique_ptr<StreamLink> link;
    std::unique_ptr<TlsStream> tls;  // between the socket and the link, when TLS is on
    bool output_pending() const {
      return !link->output().empty() || (tls && !tls->output().empty());
    }
    bool connecting;          // a client's connect() is under way
    bool write_shut = false;  // our FIN is sent: everything queued went out
    bool peer_ended = false;  // the peer's FIN (or a reset) arrived
    bool reported = false;    // its end was reported (or, unopened on a server, never will be)
    bool heard = false;       // bytes came from the peer (kDetect decides on the first)
    std::optional<std::chrono::nanoseconds> ending_since;  // when the link stopped being open
  };
  TcpLinks(TcpCommonConfig config, bool report_unopened, int wake_fd);
  static std::chrono::nanoseconds now();
  // Writes what is queued and lists what to wait on: the wake eventfd first (when `wake`),
  // then extra_fd (when >= 0), then one entry per connection, in `ids` order.
  WaitSet prepare(std::chrono::nanoseconds max_wait, int extra_fd, bool wake,
                  std::vector<ConnectionId>& ids);
  void read_from(ConnectionId id, Conn& c, std::chrono::nanoseconds at);
  void deliver_plain(Conn& c, ByteSpan plain, std::chrono::nanoseconds at);
  void connected(Conn& c);
  void write_to(Conn& c);
  void collect_events(ConnectionId id, Conn& c, std::chrono::nanoseconds at);
  void reap(std::chrono::nanoseconds at);

  TcpCommonConfig config_;
  bool report_unopened_;
  int wake_fd_ = -1;
  std::uint64_t next_id_ = 1;
  std::map<ConnectionId, Conn> conns_;  // ordered: connections() and polling go by id
  std::deque<Event> events_;
};

}  // namespace theta_net::transport
