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

py::dict client_dict(const session::ClientStatus& c) {
  py::dict d;
  d["session_id"] = c.session_id;
  d["connection"] = c.connection;
  d["name"] = c.name;
  d["role"] = text(protocol::enum_name(c.role).value_or("unknown"));
  d["transport"] = c.transport;
  d["rtt_ms"] = ms(c.rtt_smoothed);
  d["rtt_min_ms"] = ms(c.rtt_min);
  d["jitter_ms"] = ms(c.jitter);
  d["packets_sent"] = c.packets_sent;
  d["packets_received"] = c.packets_received;
  d["datagrams_lost"] = c.datagrams_lost;
  d["loss"] = c.loss;
  d["bytes_sent"] = c.bytes_sent;
  d["bytes_received"] = c.bytes_received;
  d["send_queue_bytes"] = c.send_queue_bytes;
  d["lanes"] = metrics_dict(transport::ByLane<transport::LaneStats>{c.lanes});
  py::dict messages;
  for (const session::MessageTypeStatus& m : c.messages)
    messages[text(protocol::message_name(m.type))] = metrics_dict(m.stats);
  d["messages"] = messages;
  if (c.data) {
    const session::ClientSyncStatus& s = *c.data;
    py::dict data;
    data["state"] = text(data::sync_state_name(s.sync.state));
    data["chunks_sent"] = s.sync.chunks_sent;
    data["chunks_total"] = s.sync.chunks_total;
    data["entities_sent"] = s.sync.entities_sent;
    data["entities_total"] = s.sync.entities_total;
    data["sync_version"] = s.sync.sync_version;
    data["forced_resyncs"] = s.sync.forced;
    data["queue_bytes"] = s.queue_bytes;
    data["acked_version"] = s.acked_version;
    data["version_lag"] = s.version_lag;
    d["data"] = data;
  } else {
    d["data"] = py::none();
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
  for (const session::ClientStatus& c : s.client_list) clients.append(client_dict(c));
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
