// ServerStatus: a plain snapshot of a running server for a status page (theta-net serve
// --dashboard): the server's figures, each client's connection (transport, RTT, loss, bytes per
// lane and per message type, queues), its data sync and its telemetry, the newest conflicts and
// the network log after a given sequence number. Like GameNetworkingSockets' real-time status,
// every figure is counted as traffic goes (always on); building a snapshot only copies them.
//
// What any theta_net server has lives here: connection_status() reads a SessionHost and its
// driver's view of its endpoint; the data layer's part comes from data_sync_status(). The reference
// GameServer puts them together (GameServer::status); another application does the same with its
// own parts.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "theta_net/core/time.hpp"
#include "theta_net/data/data_host.hpp"
#include "theta_net/protocol/messages.hpp"
#include "theta_net/session/connection_lanes.hpp"
#include "theta_net/session/editor_relay.hpp"
#include "theta_net/session/network_log.hpp"
#include "theta_net/session/session_host.hpp"
#include "theta_net/session/telemetry_aggregator.hpp"
#include "theta_net/session/tick_times.hpp"
#include "theta_net/transport/event.hpp"

namespace theta_net::session {

struct MessageTypeStatus {
  protocol::MessageType type = protocol::MessageType::kHeartbeat;
  MessageTypeStats stats;
};

// A client's data sync, as the data host sees it.
struct ClientSyncStatus {
  data::DataSyncStatus sync;
  std::uint64_t queue_bytes = 0;  // the data layer's queue for it
  data::Version acked_version = 0;
  data::Version version_lag = 0;  // the server's version minus acked_version
};

struct ClientStatus {
  std::uint64_t session_id = 0;
  std::uint64_t connection = 0;
  std::string name;
  protocol::Role role = protocol::Role::kViewer;
  std::string transport;  // "quic", "tcp", "ws", "sim"
  Nanos rtt_smoothed{0}, rtt_min{0}, jitter{0};
  std::uint64_t packets_sent = 0, packets_received = 0;
  std::uint64_t datagrams_lost = 0;
  // datagrams_lost over the datagrams sent on the unreliable lanes (0 before any).
  double loss = 0;
  std::uint64_t bytes_sent = 0, bytes_received = 0;  // on the wire
  std::uint64_t send_queue_bytes = 0;                // the transport's, unacknowledged
  std::array<transport::LaneStats, transport::kLaneCount> lanes{};
  std::vector<MessageTypeStatus> messages;   // only types seen, in type id order
  std::optional<ClientSyncStatus> data;      // none: no data client (not attached)
  std::optional<ClientTelemetry> telemetry;  // none: no TelemetryReport from it yet
};

// The server's tick times as the driver measured them (microseconds).
struct TickTimeStatus {
  std::uint64_t ticks_timed = 0;
  double mean_us = 0, median_us = 0, p99_us = 0, max_us = 0;
};

struct ServerStatus {
  Micros time{0};  // server time of the snapshot
  std::uint32_t tick = 0;
  std::uint32_t tick_rate = 0;
  std::size_t clients = 0;
  std::size_t players = 0;
  data::Version data_version = 0;
  std::optional<TickTimeStatus> tick_times;  // none: no driver at hand
  SessionHostCounters sessions;
  std::uint64_t sends_refused = 0;
  std::uint64_t protocol_violations = 0;
  TelemetryTotals telemetry;              // every client's TelemetryReports
  EditorRelayTotals editor;               // every client's EditorEvents
  std::vector<ClientStatus> client_list;  // by connection id
  // The newest conflicts (a world with signed commands): each one conflict_event_json object.
  bool collab = false;
  std::uint64_t conflicts_total = 0;
  std::vector<std::string> conflicts;  // oldest first
  std::vector<NetworkLogEntry> log;    // entries after the asked sequence number
  std::uint64_t log_last_seq = 0;
  std::uint64_t log_first_seq = 0;
};

// What to put in a snapshot beyond the figures.
struct ServerStatusOptions {
  std::uint64_t log_after = 0;      // network log entries with seq > this
  std::size_t log_limit = 256;      // at most this many (the newest)
  std::size_t conflict_limit = 20;  // the newest conflicts
};

// What the driver's endpoint says of one connection (only drivers touch endpoints:
// ServerDriver::transport_view gives it).
struct TransportView {
  std::string_view kind;  // Endpoint::transport_kind: "quic", "tcp", "ws", "sim"
  transport::ConnectionStats stats;
};
using TransportLookup = std::function<std::optional<TransportView>(transport::ConnectionId)>;

// The session and transport part of one connection's status (its data part left empty).
// Nothing for a connection without an established session.
std::optional<ClientStatus> connection_status(const SessionHost& host,
                                              const TransportLookup& transport,
                                              transport::ConnectionId conn);
// The data part of a client's status (nothing for an unknown data client).
std::optional<ClientSyncStatus> data_sync_status(const data::DataHost& host,
                                                 data::DataClientId client);
TickTimeStatus tick_time_status(const TickTimes& times);

}  // namespace theta_net::session
