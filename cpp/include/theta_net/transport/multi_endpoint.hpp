// MultiEndpoint: several server endpoints seen as one, so one ServerDriver serves QUIC, TCP and
// WebSocket clients together (theta-net serve --stream-port). Each member keeps its own
// connections; MultiEndpoint gives every connection an id of its own, routes sends and closes to
// the member that owns it, and waits on every member's descriptors in one ppoll (Endpoint::
// wait_set) before polling each without waiting.
#pragma once

#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "theta_net/transport/endpoint.hpp"

namespace theta_net::transport {

class MultiEndpoint final : public Endpoint {
 public:
  // Errors: kInvalidArgument (no members), kIo (the wake-up eventfd cannot be made).
  static Result<std::unique_ptr<MultiEndpoint>> create(
      std::vector<std::unique_ptr<Endpoint>> members);
  ~MultiEndpoint() override;

  Endpoint& member(std::size_t i) { return *members_.at(i); }
  // Which member a connection belongs to (nothing for an unknown one).
  std::optional<std::size_t> member_of(ConnectionId conn) const;

  // Errors: those of the member's send; kClosed (no such connection).
  Status send(ConnectionId conn, Lane lane, ByteSpan message) override;
  void poll(std::chrono::nanoseconds max_wait) override;
  std::optional<Event> next_event() override;
  void close(ConnectionId conn, std::uint64_t app_error_code, std::string_view reason) override;
  std::optional<ConnectionStats> stats(ConnectionId conn) const override;
  std::string_view transport_kind(ConnectionId conn) const override;
  std::vector<ConnectionId> connections() const override;
  void interrupt() override;

 private:
  using Inner = std::pair<std::size_t, ConnectionId>;  // member, its id
  MultiEndpoint(std::vector<std::unique_ptr<Endpoint>> members, int wake_fd);
  const Inner* find(ConnectionId conn) const;

  std::vector<std::unique_ptr<Endpoint>> members_;
  int wake_fd_;
  std::uint64_t next_id_ = 1;
  std::map<ConnectionId, Inner> inner_;  // ours -> the member's
  std::map<Inner, ConnectionId> outer_;  // the member's -> ours
  std::size_t next_member_ = 0;          // whose events come first next time (fairness)
};

}  // namespace theta_net::transport
