// NetworkLog: what happened to a server's sessions, newest last, for a status page: sessions
// started, ended and refused, permission refusals, admins' session controls, data refusals,
// resyncs (forced by an operator, stalled or overflowing queues, divergence), kicks and clients'
// slow-frame alerts. Each
// entry has a sequence number that only grows (the first is 1) and the server time, so a reader
// polls "entries after seq N" and never sees one twice. Bounded: past `capacity` the oldest go
// (dropped() counts them; a reader whose N is older than first_seq() has missed some).
#pragma once

#include <cstdint>
#include <deque>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "theta_net/core/time.hpp"

namespace theta_net::session {

enum class NetworkLogKind : std::uint8_t {
  kSessionStarted,
  kSessionEnded,
  kRefused,           // a hello refused, or a connection closed for breaking the protocol
  kPermissionDenied,  // a message the sender's role may not send
  kSessionControl,    // an admin's kick, ban or role change, carried out or not
  kDataRefused,       // the data layer refused a client's request (DataRefused sent)
  kResync,            // a client's data sync restarted: forced, stalled, overflow, divergence
  kKick,              // the server kicked a session (an operator's action)
  kSlowFrame,         // a client's TelemetryReport raised a slow-frame alert
};
// "session_started", "session_ended", "refused", "permission_denied", "session_control",
// "data_refused", "resync", "kick", "slow_frame".
std::string_view network_log_kind_name(NetworkLogKind kind);

struct NetworkLogEntry {
  std::uint64_t seq = 0;
  Micros time{0};  // server time when it was logged
  std::uint32_t tick = 0;
  NetworkLogKind kind = NetworkLogKind::kSessionStarted;
  std::uint64_t session_id = 0;  // 0: no session (a hello refused before one existed)
  std::string name;              // the client's name, where known
  // resync: "forced", "stalled", "overflow" or "divergence"; a control: its action; else empty.
  std::string cause;
  bool ok = true;  // an action or control: carried out
  std::string detail;
};

class NetworkLog {
 public:
  explicit NetworkLog(std::size_t capacity = 1024) : capacity_(capacity ? capacity : 1) {}

  // Appends an entry (its seq is set here) and returns its seq.
  std::uint64_t add(NetworkLogEntry entry);
  // Entries with seq > `after`, oldest first, at most `limit` (the newest of them).
  std::vector<NetworkLogEntry> after(
      std::uint64_t after, std::size_t limit = std::numeric_limits<std::size_t>::max()) const;

  // The newest entry's seq (0 before the first).
  std::uint64_t last_seq() const { return next_seq_ - 1; }
  // The oldest entry kept's seq (last_seq() + 1 when empty).
  std::uint64_t first_seq() const { return entries_.empty() ? next_seq_ : entries_.front().seq; }
  std::uint64_t dropped() const { return dropped_; }
  std::size_t size() const { return entries_.size(); }
  std::size_t capacity() const { return capacity_; }

 private:
  std::size_t capacity_;
  std::deque<NetworkLogEntry> entries_;
  std::uint64_t next_seq_ = 1;
  std::uint64_t dropped_ = 0;
};

}  // namespace theta_net::session
