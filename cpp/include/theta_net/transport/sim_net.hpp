// SimNet: a deterministic network in virtual time with the lanes and semantics of the QUIC
// transport, so sessions, tests and scenarios run minutes of play in milliseconds and replay
// byte for byte. The driver owns time: advance_to(t) handles everything due up to t in one
// global order (time, then scheduling order); endpoints' poll() handles what is due at now().
//
// Model (docs/transport.md has the details): each direction of a pair of endpoints is a
// LinkModel. Reliable lanes are split into packets of kSimPacketPayload bytes; a lost packet is
// sent again after a retransmission timeout (the link pair's RTT + 4 x jitter + 1 ms, doubling
// on each consecutive loss, like QUIC's PTO), and messages are released whole and in order per
// lane (assets: per message, like one QUIC stream per transfer). Datagram lanes are one packet
// per message: lost, duplicated and reordered as the link decides. Connections open with a
// three-packet handshake (hello retransmitted after 1 s, then doubling, like QUIC's initial
// PTO), time out after idle_timeout without a packet, and keep-alive pings keep them open.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "theta_net/transport/endpoint.hpp"
#include "theta_net/transport/link_model.hpp"

namespace theta_net::transport {

inline constexpr std::size_t kSimPacketPayload = 1200;  // bytes of a reliable message per packet
inline constexpr std::size_t kSimPacketOverhead = 48;   // IP + UDP + QUIC short header + AEAD tag

struct SimEndpointConfig {
  Nanos idle_timeout{std::chrono::seconds(10)};
  Nanos keep_alive{0};  // 0 = no pings
  Nanos handshake_timeout{std::chrono::seconds(10)};
  std::size_t max_message_size = kDefaultMaxMessageSize;
};

// One line of the delivery trace: what happened, when, where. Two runs with the same seed,
// links and sends produce identical traces (tested).
struct SimTraceEntry {
  enum class What : std::uint8_t { kConnected, kDisconnected, kTimedOut, kMessage, kPacketDrop };
  Nanos time{0};
  std::uint32_t node = 0;  // the endpoint that observed it
  ConnectionId conn;
  What what = What::kMessage;
  Lane lane = Lane::kControl;
  std::uint32_t size = 0;
  std::uint32_t crc = 0;  // CRC32C of a delivered message
  bool operator==(const SimTraceEntry&) const = default;
};

class SimNet;
struct SimNetState;

class SimEndpoint final : public Endpoint {
 public:
  // Starts a connection to `server`; Connected follows when the handshake completes (on both).
  ConnectionId connect(const SimEndpoint& server);
  // Connects again to the endpoint this one last connected to.
  // Errors: kState (this endpoint never connected: there is nothing to dial).
  Status dial() override;
  // Errors: kInvalidArgument (no endpoint of this SimNet is called `address`, with or without
  // a ":port" after it).
  Status redirect(std::string_view address) override;
  std::uint32_t node() const { return node_; }
  const std::string& name() const;

  // Errors: kInvalidArgument (a message the lane rules refuse, see check_message), kClosed (no
  // open connection `conn`).
  Status send(ConnectionId conn, Lane lane, ByteSpan message) override;
  void poll(std::chrono::nanoseconds max_wait) override;
  std::optional<Event> next_event() override;
  void close(ConnectionId conn, std::uint64_t app_error_code, std::string_view reason) override;
  std::optional<ConnectionStats> stats(ConnectionId conn) const override;
  std::string_view transport_kind(ConnectionId conn) const override;
  std::vector<ConnectionId> connections() const override;

 private:
  friend class SimNet;
  SimEndpoint(SimNetState& net, std::uint32_t node) : net_(&net), node_(node) {}
  SimNetState* net_;
  std::uint32_t node_;
  const SimEndpoint* dialed_ = nullptr;  // the server of the last connect()
};

class SimNet {
 public:
  explicit SimNet(std::uint64_t seed);
  ~SimNet();
  SimNet(const SimNet&) = delete;
  SimNet& operator=(const SimNet&) = delete;

  // The endpoint lives as long as the SimNet.
  SimEndpoint& add_endpoint(std::string name, SimEndpointConfig config = {});
  // Links are perfect until configured; set_link is one direction, set_links both.
  void set_link(const SimEndpoint& from, const SimEndpoint& to, LinkConfig config);
  void set_links(const SimEndpoint& a, const SimEndpoint& b, const LinkConfig& config);
  // Counters of the link from -> to (zeros if never used).
  LinkCounters link_counters(const SimEndpoint& from, const SimEndpoint& to) const;

  Nanos now() const;
  // Moves virtual time forward to t (never backwards), handling everything due on the way.
  void advance_to(Nanos t);
  void advance_by(Nanos d) { advance_to(now() + d); }
  // The time of the next scheduled happening, if any.
  std::optional<Nanos> next_due() const;

  // Whether deliveries are recorded in trace(). Off by default: the trace gains an entry for
  // every message and drop (an hour of two idle players over LocalGame is ~19 MiB), so only the
  // determinism tests that compare traces turn it on, before the traffic they compare.
  void keep_trace(bool on = true);
  const std::vector<SimTraceEntry>& trace() const;
  // One line per entry ("12.345678 node=1 conn=1 message lane=chat size=5 crc=..."), for diffs.
  std::string trace_text() const;

 private:
  std::unique_ptr<SimNetState> state_;
};

}  // namespace theta_net::transport
