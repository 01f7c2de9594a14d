// A UDP forwarder that impairs traffic in both directions (delay, jitter, loss, burst loss,
// duplication, reordering, a rate cap), so real QUIC can be tested at 100 ms RTT with loss on
// one machine: this kernel has no netem, and tbf/nftables cannot delay. Each client address
// gets its own upstream socket, so the server sees one source port per client. Seeded: the
// impairment verdicts follow from the seed and the packet order.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "theta_net/core/result.hpp"
#include "theta_net/transport/link_model.hpp"

namespace theta_net::transport {

struct RelayConfig {
  std::string listen = "127.0.0.1:0";  // HOST:PORT; port 0 = ephemeral
  std::string forward;                 // HOST:PORT of the server
  LinkConfig impairment;               // applied to each direction independently
  std::uint64_t seed = 1;
};

struct RelayCounters {
  std::uint64_t received = 0;   // packets read from either side
  std::uint64_t forwarded = 0;  // packets written (duplicates included)
  std::uint64_t dropped = 0;    // random, burst or queue drops, and cut-off packets
  std::uint64_t cut_off = 0;    // of which dropped while cut off (cut_off())
  std::uint64_t duplicated = 0;
  std::uint64_t reordered = 0;
};

class UdpRelay {
 public:
  // Binds the listening socket.
  // Errors: kInvalidArgument (a listen or forward address that is not HOST:PORT or does not
  // resolve), kIo (the listening socket cannot be opened or bound).
  static Result<std::unique_ptr<UdpRelay>> create(RelayConfig config);
  ~UdpRelay();

  std::uint16_t port() const;
  std::string listen_address() const;

  // Relays until stop() or until `duration` has passed (0 = until stop()). Bounded waits, so
  // stop() from another thread takes effect within a few milliseconds.
  void run(std::chrono::nanoseconds duration = std::chrono::nanoseconds(0));
  void stop();  // thread-safe
  // Drops every packet, both ways, for `duration` from now: a partition of the clients behind
  // this relay, at run time. A second call extends the cut, never shortens it. Thread-safe.
  void cut_off(std::chrono::nanoseconds duration);
  RelayCounters counters() const;  // thread-safe

  struct Impl;

 private:
  explicit UdpRelay(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace theta_net::transport
