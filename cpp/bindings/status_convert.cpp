#include "status_convert.hpp"

#include "border.hpp"
#include "metrics_convert.hpp"
#include "theta_net/protocol/message_codec.hpp"
#include "theta_net/session/game_server.hpp"

namespace theta_net::bindings {
namespace {

double ms(Micros t) {
  return static_cast<double>(t.count()) / 1e3;
}
double ms(Nanos t) {
  return static_cast<double>(t.count()) / 1e6;
}

py::str text(std::string_view s) {
  return py::str(s.data(), s.size());
}

// The keys of the per-client dicts, made once per conversion rather than once per client (64
// clients with ~25 message types each make thousands of keys otherwise).
// Not clang-formatted: its layout of X-macro lists does not settle from run to run.
// clang-format off
#define THETA_STATUS_CLIENT_KEYS(X) \
  X(session_id) \
  X(connection) \
  X(name) \
  X(role) \
  X(transport) \
  X(rtt_ms) \
  X(rtt_min_ms) \
  X(jitter_ms) \
  X(packets_sent) \
  X(packets_received) \
  X(datagrams_lost) \
  X(loss) \
  X(bytes_sent) \
  X(bytes_received) \
  X(send_queue_bytes) \
  X(lanes) \
  X(messages) \
  X(data) \
  X(state) \
  X(chunks_sent) \
  X(chunks_total) \
  X(entities_sent) \
  X(entities_total) \
  X(sync_version) \
  X(forced_resyncs) \
  X(queue_bytes) \
  X(acked_version) \
  X(version_lag) \
  X(messages_sent) \
  X(messages_received)
// clang-format on

struct ClientKeys {
#define THETA_KEY(k) py::str k{#k};
  THETA_STATUS_CLIENT_KEYS(THETA_KEY)
#undef THETA_KEY
  std::vector<py::str> lane_names;
  std::vector<py::str> type_names;  // by type id
  ClientKeys() {
    for (transport::Lane lane : transport::kAllLanes) lane_names.push_back(text(lane_name(lane)));
    type_names.emplace_back("");
    for (std::size_t id = 1; id < session::kMessageTypeSlots; ++id) {
      type_names.push_back(text(protocol::message_name(static_cast<protocol::MessageType>(id))));
    }
  }
};

template <class Stats>
py::dict four_counts(const ClientKeys& k, const Stats& s) {
  py::dict d;
  d[k.messages_sent] = py::int_(s.messages_sent);
  d[k.bytes_sent] = py::int_(s.bytes_sent);
  d[k.messages_received] = py::int_(s.messages_received);
  d[k.bytes_received] = py::int_(s.bytes_received);
  return d;
}

py::dict client_dict(const ClientKeys& k, const session::ClientStatus& c) {
  py::dict d;
  d[k.session_id] = py::int_(c.session_id);
  d[k.connection] = py::int_(c.connection);
  d[k.name] = py::str(c.name);
  d[k.role] = text(protocol::enum_name(c.role).value_or("unknown"));
  d[k.transport] = py::str(c.transport);
  d[k.rtt_ms] = py::float_(ms(c.rtt_smoothed));
  d[k.rtt_min_ms] = py::float_(ms(c.rtt_min));
  d[k.jitter_ms] = py::float_(ms(c.jitter));
  d[k.packets_sent] = py::int_(c.packets_sent);
  d[k.packets_received] = py::int_(c.packets_received);
  d[k.datagrams_lost] = py::int_(c.datagrams_lost);
  d[k.loss] = py::float_(c.loss);
  d[k.bytes_sent] = py::int_(c.bytes_sent);
  d[k.bytes_received] = py::int_(c.bytes_received);
  d[k.send_queue_bytes] = py::int_(c.send_queue_bytes);
  py::dict lanes;
  for (std::size_t i = 0; i < c.lanes.size(); ++i)
    lanes[k.lane_names[i]] = four_counts(k, c.lanes[i]);
  d[k.lanes] = lanes;
  py::dict messages;
  for (const session::MessageTypeStatus& m : c.messages)
    messages[k.type_names[static_cast<std::size_t>(m.type)]] = four_counts(k, m.stats);
  d[k.messages] = messages;
  if (c.data) {
    const session::ClientSyncStatus& s = *c.data;
    py::dict data;
    data[k.state] = text(data::sync_state_name(s.sync.state));
    data[k.chunks_sent] = py::int_(s.sync.chunks_sent);
    data[k.chunks_total] = py::int_(s.sync.chunks_total);
    data[k.entities_sent] = py::int_(s.sync.entities_sent);
    data[k.entities_total] = py::int_(s.sync.entities_total);
    data[k.sync_version] = py::int_(s.sync.sync_version);
    data[k.forced_resyncs] = py::int_(s.sync.forced);
    data[k.queue_bytes] = py::int_(s.queue_bytes);
    data[k.acked_version] = py::int_(s.acked_version);
    data[k.version_lag] = py::int_(s.version_lag);
    d[k.data] = data;
  } else {
    d[k.data] = py::none();
  }
  return d;
}

py::dict log_dict(const session::NetworkLogEntry& e) {
  py::dict d;
  d["seq"] = e.seq;
  d["time_ms"] = ms(e.time);
  d["tick"] = e.tick;
  d["kind"] = text(session::network_log_kind_name(e.kind));
  d["session_id"] = e.session_id;
  d["name"] = e.name;
  d["cause"] = e.cause;
  d["ok"] = e.ok;
  d["detail"] = e.detail;
  return d;
}

}  // namespace

py::dict status_dict(const session::ServerStatus& s) {
  py::dict server;
  server["time_ms"] = ms(s.time);
  server["tick"] = s.tick;
  server["tick_rate"] = s.tick_rate;
  server["clients"] = s.clients;
  server["players"] = s.players;
  server["data_version"] = s.data_version;
  if (s.tick_times) {
    py::dict t;
    t["ticks_timed"] = s.tick_times->ticks_timed;
    t["mean_ms"] = s.tick_times->mean_us / 1e3;
    t["median_ms"] = s.tick_times->median_us / 1e3;
    t["p99_ms"] = s.tick_times->p99_us / 1e3;
    t["max_ms"] = s.tick_times->max_us / 1e3;
    server["tick_times"] = t;
  } else {
    server["tick_times"] = py::none();
  }
  py::dict counters = metrics_dict(s.sessions);
  counters["sends_refused"] = s.sends_refused;
  counters["protocol_violations"] = s.protocol_violations;
  server["counters"] = counters;

  py::dict out;
  out["server"] = server;
  py::list clients;
  const ClientKeys keys;
  for (const session::ClientStatus& c : s.client_list) clients.append(client_dict(keys, c));
  out["clients"] = clients;
  if (s.collab) {
    py::dict conflicts;
    conflicts["total"] = s.conflicts_total;
    py::list recent;
    if (!s.conflicts.empty()) {
      const py::object loads = py::module_::import("json").attr("loads");
      for (const std::string& json : s.conflicts) recent.append(loads(json));
    }
    conflicts["recent"] = recent;
    out["conflicts"] = conflicts;
  } else {
    out["conflicts"] = py::none();
  }
  py::list log;
  for (const session::NetworkLogEntry& e : s.log) log.append(log_dict(e));
  out["log"] = log;
  out["log_first_seq"] = s.log_first_seq;
  out["log_last_seq"] = s.log_last_seq;
  return out;
}

std::vector<StatusAction> status_actions(const py::handle& returned) {
  std::vector<StatusAction> out;
  if (returned.is_none()) return out;
  if (!py::isinstance<py::list>(returned) && !py::isinstance<py::tuple>(returned)) {
    throw BorderError(
        ErrorKind::kError,
        make_error(ErrorCode::kInvalidArgument, "on_status must return a list of actions or None"));
  }
  for (const py::handle item : returned) {
    const auto fail = [](std::string why) {
      throw BorderError(ErrorKind::kError, make_error(ErrorCode::kInvalidArgument, why));
    };
    if (!py::isinstance<py::dict>(item)) fail("an on_status action must be a dict");
    const py::dict d = py::reinterpret_borrow<py::dict>(item);
    if (!d.contains("action") || !d.contains("session_id"))
      fail("an on_status action needs \"action\" and \"session_id\"");
    StatusAction action;
    const std::string kind = py::cast<std::string>(d["action"]);
    if (kind == "resync") {
      action.kind = StatusAction::Kind::kResync;
    } else if (kind == "kick") {
      action.kind = StatusAction::Kind::kKick;
    } else {
      fail("unknown on_status action \"" + kind + "\" (resync or kick)");
    }
    action.session_id = py::cast<std::uint64_t>(d["session_id"]);
    if (d.contains("reason") && !d["reason"].is_none())
      action.reason = py::cast<std::string>(d["reason"]);
    out.push_back(std::move(action));
  }
  return out;
}

void apply_status_actions(session::GameServer& server, const std::vector<StatusAction>& actions) {
  for (const StatusAction& a : actions) {
    // Failures are in the network log with the reason; the loop carries on.
    if (a.kind == StatusAction::Kind::kResync) {
      (void)server.resync_client(a.session_id);
    } else {
      (void)server.kick_client(a.session_id, a.reason.empty() ? "by the operator" : a.reason);
    }
  }
}

}  // namespace theta_net::bindings
