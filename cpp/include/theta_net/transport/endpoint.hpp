// The transport interface the session layer sits on. QuicServer, QuicClient and SimEndpoint
// implement it with identical lane semantics (lane.hpp). An endpoint is single-threaded: one
// thread calls everything (EndpointThread runs one on its own thread for games that want that).
#pragma once

#include <poll.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "theta_net/core/byte_io.hpp"
#include "theta_net/core/result.hpp"
#include "theta_net/transport/event.hpp"
#include "theta_net/transport/lane.hpp"

namespace theta_net::transport {

// What an endpoint would wait on in poll(): descriptors to watch and how long its timers allow.
// MultiEndpoint waits on several endpoints' sets in one ppoll, then polls each without waiting.
struct WaitSet {
  std::vector<pollfd> fds;
  std::chrono::nanoseconds timeout{0};  // 0: it has work now
};

class Endpoint {
 public:
  virtual ~Endpoint() = default;

  // Queues one message. Messages on a reliable lane arrive whole and in order; on
  // kInput/kEntities they may be lost, duplicated or reordered.
  // Errors: kInvalidArgument (a datagram message over kMaxDatagramMessage, a reliable one over
  // the configured maximum), kClosed (no such open connection).
  virtual Status send(ConnectionId conn, Lane lane, ByteSpan message) = 0;

  // QUIC: waits up to max_wait for socket I/O, then handles packets and timers and writes what
  // is queued (0 = do not block). SimNet: handles what is due at the network's virtual time.
  virtual void poll(std::chrono::nanoseconds max_wait) = 0;

  virtual std::optional<Event> next_event() = 0;

  // Closes gracefully: queued reliable data is flushed first (bounded by a linger time), then
  // the peer gets the application code and reason. A Disconnected event follows.
  virtual void close(ConnectionId conn, std::uint64_t app_error_code, std::string_view reason) = 0;

  virtual std::optional<ConnectionStats> stats(ConnectionId conn) const = 0;
  // What carries a connection, as status pages name it: "quic", "tcp" (theta/1 records),
  // "ws" (WebSocket) or "sim" (SimNet); empty for a connection the endpoint does not know.
  virtual std::string_view transport_kind(ConnectionId conn) const = 0;
  // Open connections (handshake complete, not yet closed), in ascending id order.
  virtual std::vector<ConnectionId> connections() const = 0;

  // Clients: starts a new connection to the same peer now (QuicClient: unless one is open or
  // being attempted; SimEndpoint: always). The session's ClientDriver decides when, one attempt
  // at a time; the endpoint only knows how.
  // Errors: kState (this endpoint does not dial: a server, or a SimEndpoint that never
  // connected), kRejected (QuicClient: the last attempt failed for good, e.g. the certificate did
  // not match the pin or ALPN was refused).
  virtual Status dial() { return make_error(ErrorCode::kState, "this endpoint does not dial"); }

  // Clients: the next dial() goes to `address` instead of the current peer (the server moved:
  // host migration). QuicClient: "host:port" or "[v6]:port"; its certificate pin is dropped (the
  // session layer pins the successor's key instead). SimEndpoint: the name of an endpoint of the
  // same SimNet ("name" or "name:port"; the port means nothing there). An open connection is
  // closed at once.
  // Errors: kState (this endpoint does not dial), kInvalidArgument (an address that does not
  // parse or resolve, a name no SimEndpoint has), kIo (QuicClient: no socket for it).
  virtual Status redirect(std::string_view address) {
    return make_error(ErrorCode::kState, "this endpoint does not dial, so cannot go to ", address);
  }

  // Thread-safe: makes a poll() blocked in another thread return soon. Default: nothing to wake.
  virtual void interrupt() {}

  // What poll() would wait on (its I/O descriptors, not its interrupt()'s), for a caller that
  // waits on several endpoints at once and then polls each without waiting; it may write what
  // is queued first, as poll() does. Nothing: this endpoint cannot be waited on (SimNet's time
  // is virtual), so it is polled without waiting.
  virtual std::optional<WaitSet> wait_set() { return std::nullopt; }
};

// Validates a message against the lane rules shared by every transport.
// Errors: kInvalidArgument (an unknown lane, a datagram message over kMaxDatagramMessage, a
// reliable one over max_message_size).
Status check_message(Lane lane, std::size_t size, std::size_t max_message_size);

}  // namespace theta_net::transport
