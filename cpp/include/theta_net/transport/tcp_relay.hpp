// A TCP forwarder that impairs byte streams the way a bad path impairs TCP, so the TCP (and
// WebSocket) transports can be measured at 100 ms RTT with loss on one machine, as UdpRelay does
// for QUIC. TCP hides loss as delay, so the relay models what the application sees rather than
// packets: the stream is cut into segments of up to kRelaySegment bytes, each judged by the same
// LinkModel as the UDP relay, and
//   - a delivered segment arrives after its latency and jitter (and the rate cap's queueing);
//   - a lost (or tail-dropped) segment arrives one retransmission timeout later, taken as
//     Linux's: the round trip plus its 200 ms minimum;
//   - a segment sent during a partition arrives when the partition ends, plus its latency;
//   - nothing overtakes: a segment never arrives before the one sent ahead of it (head-of-line
//     blocking, which is the point of measuring it); duplicates and reordering do not exist.
// Each accepted connection gets its own upstream connection and its own seeded LinkModels.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "theta_net/core/result.hpp"
#include "theta_net/transport/udp_relay.hpp"

namespace theta_net::transport {

inline constexpr std::size_t kRelaySegment = 1448;  // a TCP MSS on a 1500-byte path

class TcpRelay {
 public:
  // Listens on config.listen; connects to config.forward for each accepted connection.
  // Counters: received/forwarded count segments; dropped counts segments delivered late as
  // retransmissions (lost or tail-dropped).
  // Errors: kInvalidArgument (a listen or forward address that is not HOST:PORT or does not
  // resolve), kIo (the listening socket cannot be opened, bound or listened on).
  static Result<std::unique_ptr<TcpRelay>> create(RelayConfig config);
  ~TcpRelay();

  std::uint16_t port() const;

  // Relays until stop() or until `duration` has passed (0 = until stop()), waking at least
  // every few milliseconds so stop() from another thread takes effect soon.
  void run(std::chrono::nanoseconds duration = std::chrono::nanoseconds(0));
  void stop();                     // thread-safe
  RelayCounters counters() const;  // thread-safe

  struct Impl;

 private:
  explicit TcpRelay(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace theta_net::transport
