#include "theta_net/session/server_status.hpp"

namespace theta_net::session {

std::optional<ClientStatus> connection_status(const SessionHost& host,
                                              const TransportLookup& transport,
                                              transport::ConnectionId conn) {
  const protocol::SessionRecord* record = host.session_of(conn);
  if (!record) return std::nullopt;
  ClientStatus out;
  out.session_id = record->session_id;
  out.connection = conn.value;
  out.name = record->client_name;
  out.role = record->role;
  const std::optional<TransportView> view = transport ? transport(conn) : std::nullopt;
  if (view) {
    out.transport = std::string(view->kind);
    const transport::ConnectionStats* stats = &view->stats;
    out.rtt_smoothed = stats->rtt_smoothed;
    out.rtt_min = stats->rtt_min;
    out.jitter = stats->jitter;
    out.packets_sent = stats->packets_sent;
    out.packets_received = stats->packets_received;
    out.datagrams_lost = stats->datagrams_lost;
    out.bytes_sent = stats->bytes_sent;
    out.bytes_received = stats->bytes_received;
    out.send_queue_bytes = stats->send_queue_bytes;
    out.lanes = stats->lanes;
    // Lost datagrams are ours (sent on the unreliable lanes).
    std::uint64_t datagrams = 0;
    for (transport::Lane lane : transport::kAllLanes) {
      if (!protocol::lane_is_reliable(static_cast<protocol::LaneId>(lane)))
        datagrams += stats->lanes[transport::lane_index(lane)].messages_sent;
    }
    if (datagrams > 0) {
      out.loss = static_cast<double>(stats->datagrams_lost) / static_cast<double>(datagrams);
    }
  }
  if (const MessageTypeCounters* counters = host.message_counters(conn)) {
    for (std::size_t id = 1; id < counters->size(); ++id) {
      const MessageTypeStats& s = (*counters)[id];
      if (s.messages_sent == 0 && s.messages_received == 0) continue;
      out.messages.push_back({static_cast<protocol::MessageType>(id), s});
    }
  }
  return out;
}

std::optional<ClientSyncStatus> data_sync_status(const data::DataHost& host,
                                                 data::DataClientId client) {
  const data::DataClientStats* stats = host.stats(client);
  auto sync = host.sync_status(client);
  if (!stats || !sync) return std::nullopt;
  ClientSyncStatus out;
  out.sync = *sync;
  out.queue_bytes = stats->queue_bytes;
  out.acked_version = stats->acked_version;
  out.version_lag =
      host.version() > stats->acked_version ? host.version() - stats->acked_version : 0;
  return out;
}

TickTimeStatus tick_time_status(const TickTimes& times) {
  TickTimeStatus out;
  out.ticks_timed = times.count();
  out.mean_us = TickTimes::in_microseconds(times.mean());
  out.median_us = TickTimes::in_microseconds(times.quantile(0.5));
  out.p99_us = TickTimes::in_microseconds(times.quantile(0.99));
  out.max_us = TickTimes::in_microseconds(times.max());
  return out;
}

}  // namespace theta_net::session
