// SimNet's private state, shared by sim_net.cpp (scheduler, links, trace) and sim_endpoint.cpp
// (connections, lanes, handshake, timers).
#pragma once

#include <array>
#include <deque>
#include <map>
#include <memory>
#include <queue>
#include <set>
#include <utility>
#include <vector>

#include "theta_net/core/rng.hpp"
#include "theta_net/transport/sim_net.hpp"

namespace theta_net::transport {

struct SimPacket {
  enum class Kind : std::uint8_t { kHello, kHelloAck, kHelloDone, kData, kPing, kClose };
  Kind kind = Kind::kData;
  std::uint32_t from_node = 0;
  std::uint32_t to_node = 0;
  ConnectionId from_conn;
  ConnectionId to_conn;
  Lane lane = Lane::kControl;
  std::uint64_t msg_seq = 0;
  std::uint32_t frag = 0;
  std::uint32_t frag_count = 1;
  std::shared_ptr<const Bytes> message;
  std::uint32_t size = kSimPacketOverhead;  // bytes on the simulated wire
  // A reliable fragment's message bytes, counted in the sender's send queue until the fragment
  // arrives (a duplicate copy carries 0, so it is uncounted once).
  std::uint32_t queued_bytes = 0;
  std::uint64_t close_code = 0;
  std::string close_reason;
  int attempt = 0;
};

struct SimScheduled {
  enum class What : std::uint8_t {
    kArrive,
    kRetransmit,
    kHelloRetry,
    kIdleCheck,
    kKeepAlive,
    kHandshakeCheck,
    kCloseFlush
  };
  Nanos time{0};
  std::uint64_t order = 0;
  What what = What::kArrive;
  std::uint32_t node = 0;
  ConnectionId conn;
  SimPacket packet;
};

struct SimScheduledLater {
  bool operator()(const SimScheduled& a, const SimScheduled& b) const {
    return a.time != b.time ? a.time > b.time : a.order > b.order;
  }
};

struct SimAssembly {
  std::vector<bool> got;
  std::uint32_t count = 0;
  std::shared_ptr<const Bytes> message;
  bool complete() const { return !got.empty() && count == got.size(); }
};

struct SimRecvLane {
  std::uint64_t next_deliver = 0;  // every message below this one was delivered
  std::map<std::uint64_t, SimAssembly> pending;
  std::set<std::uint64_t> done_out_of_order;  // assets: delivered above next_deliver
};

struct SimConn {
  enum class State : std::uint8_t { kConnecting, kAccepting, kOpen, kClosing };
  ConnectionId id;
  std::uint32_t peer_node = 0;
  ConnectionId peer_conn;
  State state = State::kConnecting;
  Nanos opened_at{0};
  Nanos last_heard{0};
  int hello_attempts = 0;
  std::array<std::uint64_t, kLaneCount> next_send_seq{};
  std::array<SimRecvLane, kLaneCount> recv{};
  std::uint64_t outstanding = 0;   // reliable packets not yet through the link
  Nanos last_arrival{0};           // latest arrival of a reliable packet sent so far
  std::uint64_t queued_bytes = 0;  // reliable message bytes sent and not yet arrived
  std::uint64_t close_code = 0;
  std::string close_reason;
  Nanos close_requested{0};
  ConnectionStats stats;
};

struct SimNode {
  std::string name;
  SimEndpointConfig config;
  std::map<std::uint64_t, SimConn> conns;  // ordered: connections() and iteration are stable
  std::map<std::pair<std::uint32_t, std::uint64_t>, std::uint64_t> accepted;  // (node, conn)
  std::uint64_t next_conn = 1;
  std::deque<Event> events;
};

struct SimNetState {
  explicit SimNetState(std::uint64_t seed) : rng(seed) {}

  // sim_net.cpp
  void schedule(SimScheduled item);
  void run_until(Nanos t);
  LinkModel& link(std::uint32_t from, std::uint32_t to);
  Nanos rto(std::uint32_t a, std::uint32_t b);
  void record(std::uint32_t node, ConnectionId conn, SimTraceEntry::What what, Lane lane = {},
              ByteSpan payload = {}, std::size_t size = 0);

  // sim_endpoint.cpp
  void handle(SimScheduled& item);
  void transmit(SimPacket packet, bool reliable);
  void arrive(SimPacket& packet);
  void emit(std::uint32_t node, SimConn& conn, Event event);
  void open(std::uint32_t node, SimConn& conn);
  void deliver_reliable(std::uint32_t node, SimConn& conn, const SimPacket& packet);
  void flush_close(std::uint32_t node, SimConn& conn);
  SimConn* find(std::uint32_t node, ConnectionId conn);
  void fill_rtt(std::uint32_t node, const SimConn& conn, ConnectionStats& out);

  Rng rng;
  Nanos now{0};
  std::uint64_t order = 0;
  std::priority_queue<SimScheduled, std::vector<SimScheduled>, SimScheduledLater> queue;
  std::vector<std::unique_ptr<SimNode>> nodes;
  std::vector<std::unique_ptr<SimEndpoint>> endpoints;
  std::map<std::pair<std::uint32_t, std::uint32_t>, LinkModel> links;
  std::map<std::pair<std::uint32_t, std::uint32_t>, LinkConfig> link_configs;
  bool keep_trace = false;
  std::vector<SimTraceEntry> trace;
};

}  // namespace theta_net::transport
