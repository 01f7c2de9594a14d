#include "theta_net/session/server_status_json.hpp"

#include <array>
#include <charconv>
#include <cstdio>

#include "theta_net/core/json_writer.hpp"
#include "theta_net/core/utf8.hpp"
#include "theta_net/protocol/field_info.hpp"
#include "theta_net/protocol/message_codec.hpp"

namespace theta_net::session {
namespace {

double ms(Micros t) {
  return static_cast<double>(t.count()) / 1e3;
}
double ms(Nanos t) {
  return static_cast<double>(t.count()) / 1e6;
}

// Text made from what clients sent (names) or from errors (details): UTF-8 almost always, and
// checked here because one bad byte would make the whole document unreadable.
void text(JsonWriter& w, std::string_view s) {
  if (is_valid_utf8(s)) {
    w.string(s);
  } else {
    w.string(to_valid_utf8(s));
  }
}

// A key from outside (a client's counter name): checked like text.
void text_key(JsonWriter& w, std::string_view s) {
  if (is_valid_utf8(s)) {
    w.key(s);
  } else {
    w.key(to_valid_utf8(s));
  }
}

// "session_id" and, for a real session, "session" as 16 hex digits.
void session_keys(JsonWriter& w, std::uint64_t session_id) {
  w.key("session_id");
  w.integer(session_id);
  if (session_id == 0) return;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(session_id));
  w.key("session");
  w.string(hex);
}

// Lane and message type names as JSON keys, quoted once: every client repeats them.
struct QuotedNames {
  std::array<std::string, transport::kLaneCount> lanes;
  std::array<std::string, kMessageTypeSlots> types;
  QuotedNames() {
    for (transport::Lane lane : transport::kAllLanes)
      append_json_string(lanes[transport::lane_index(lane)], transport::lane_name(lane));
    for (std::size_t id = 1; id < types.size(); ++id)
      append_json_string(types[id], protocol::message_name(static_cast<protocol::MessageType>(id)));
  }
};
const QuotedNames& quoted_names() {
  static const QuotedNames names;
  return names;
}

// The four counters of a lane or message type: the most repeated object of a status (64 clients
// with 8 lanes and ~25 message types each), so written in one append rather than key by key.
void four_counts(JsonWriter& w, const transport::LaneStats& s) {
  char buf[200];
  char* p = buf;
  const auto put = [&p](std::string_view literal) {
    literal.copy(p, literal.size());
    p += literal.size();
  };
  const auto number = [&p, &buf](std::uint64_t value) {
    p = std::to_chars(p, buf + sizeof buf, value).ptr;  // 20 digits at most: always fits
  };
  put(R"({"messages_sent":)");
  number(s.messages_sent);
  put(R"(,"bytes_sent":)");
  number(s.bytes_sent);
  put(R"(,"messages_received":)");
  number(s.messages_received);
  put(R"(,"bytes_received":)");
  number(s.bytes_received);
  put("}");
  w.raw(std::string_view(buf, static_cast<std::size_t>(p - buf)));
}

void sync_json(JsonWriter& w, const ClientSyncStatus& s) {
  w.begin_object();
  w.key("state");
  w.string(data::sync_state_name(s.sync.state));
  w.key("chunks_sent");
  w.integer(s.sync.chunks_sent);
  w.key("chunks_total");
  w.integer(s.sync.chunks_total);
  w.key("entities_sent");
  w.integer(s.sync.entities_sent);
  w.key("entities_total");
  w.integer(s.sync.entities_total);
  w.key("sync_version");
  w.integer(s.sync.sync_version);
  w.key("forced_resyncs");
  w.integer(s.sync.forced);
  w.key("queue_bytes");
  w.integer(s.queue_bytes);
  w.key("acked_version");
  w.integer(s.acked_version);
  w.key("version_lag");
  w.integer(s.version_lag);
  w.end_object();
}

// A client's telemetry: the server's figures over its reports, then its last report.
void telemetry_json(JsonWriter& w, const ClientTelemetry& t, Micros now) {
  w.begin_object();
  w.key("reports");
  w.integer(t.reports);
  w.key("dropped");
  w.integer(t.dropped);
  w.key("refused");
  w.integer(t.refused);
  w.key("slow_reports");
  w.integer(t.slow_reports);
  w.key("alerts");
  w.integer(t.alerts);
  w.key("frame_ms_p50_mean");
  w.number(t.frame_ms_p50_mean());
  w.key("frame_ms_p99_max");
  w.number(t.frame_ms_p99_max);
  w.key("age_ms");  // since the last report taken
  w.number(t.reports ? ms(now - t.last_time) : 0.0);
  const protocol::TelemetryReport& r = t.last;
  w.key("tick");
  w.integer(r.tick);
  w.key("frame_ms_p50");
  w.number(r.frame_ms_p50);
  w.key("frame_ms_p99");
  w.number(r.frame_ms_p99);
  w.key("rtt_ms");
  w.number(static_cast<double>(r.rtt_us) / 1e3);
  w.key("jitter_ms");
  w.number(static_cast<double>(r.jitter_us) / 1e3);
  w.key("bytes_in");
  w.integer(r.bytes_in);
  w.key("bytes_out");
  w.integer(r.bytes_out);
  w.key("counters");
  w.begin_object();
  for (const auto& [name, value] : r.counters) {
    text_key(w, name);
    w.number(value);
  }
  w.end_object();
  w.end_object();
}

void client_json(JsonWriter& w, const ClientStatus& c, Micros now) {
  w.begin_object();
  session_keys(w, c.session_id);
  w.key("connection");
  w.integer(c.connection);
  w.key("name");
  text(w, c.name);
  w.key("role");
  w.string(protocol::enum_name(c.role).value_or("unknown"));
  w.key("transport");
  w.string(c.transport);
  w.key("rtt_ms");
  w.number(ms(c.rtt_smoothed));
  w.key("rtt_min_ms");
  w.number(ms(c.rtt_min));
  w.key("jitter_ms");
  w.number(ms(c.jitter));
  w.key("packets_sent");
  w.integer(c.packets_sent);
  w.key("packets_received");
  w.integer(c.packets_received);
  w.key("datagrams_lost");
  w.integer(c.datagrams_lost);
  w.key("loss");
  w.number(c.loss);
  w.key("bytes_sent");
  w.integer(c.bytes_sent);
  w.key("bytes_received");
  w.integer(c.bytes_received);
  w.key("send_queue_bytes");
  w.integer(c.send_queue_bytes);
  const QuotedNames& names = quoted_names();
  w.key("lanes");
  w.begin_object();
  for (std::size_t i = 0; i < c.lanes.size(); ++i) {
    w.quoted_key(names.lanes[i]);
    four_counts(w, c.lanes[i]);
  }
  w.end_object();
  w.key("messages");
  w.begin_object();
  for (const MessageTypeStatus& m : c.messages) {
    w.quoted_key(names.types.at(static_cast<std::size_t>(m.type)));
    four_counts(w, m.stats);
  }
  w.end_object();
  w.key("data");
  if (c.data) {
    sync_json(w, *c.data);
  } else {
    w.null();
  }
  w.key("telemetry");
  if (c.telemetry) {
    telemetry_json(w, *c.telemetry, now);
  } else {
    w.null();
  }
  w.end_object();
}

void server_json(JsonWriter& w, const ServerStatus& s) {
  w.begin_object();
  w.key("time_ms");
  w.number(ms(s.time));
  w.key("tick");
  w.integer(s.tick);
  w.key("tick_rate");
  w.integer(s.tick_rate);
  w.key("clients");
  w.integer(s.clients);
  w.key("players");
  w.integer(s.players);
  w.key("data_version");
  w.integer(s.data_version);
  w.key("tick_times");
  if (s.tick_times) {
    const TickTimeStatus& t = *s.tick_times;
    w.begin_object();
    w.key("ticks_timed");
    w.integer(t.ticks_timed);
    w.key("mean_ms");
    w.number(t.mean_us / 1e3);
    w.key("median_ms");
    w.number(t.median_us / 1e3);
    w.key("p99_ms");
    w.number(t.p99_us / 1e3);
    w.key("max_ms");
    w.number(t.max_us / 1e3);
    w.end_object();
  } else {
    w.null();
  }
  w.key("counters");
  w.begin_object();
  s.sessions.visit([&w](std::string_view name, std::uint64_t value) {
    w.key(name);
    w.integer(value);
  });
  w.key("sends_refused");
  w.integer(s.sends_refused);
  w.key("protocol_violations");
  w.integer(s.protocol_violations);
  const auto count = [&w](std::string_view name, std::uint64_t value) {
    w.key(name);
    w.integer(value);
  };
  s.telemetry.visit(count);
  s.editor.visit(count);
  w.end_object();
  w.end_object();
}

void log_json(JsonWriter& w, const NetworkLogEntry& e) {
  w.begin_object();
  w.key("seq");
  w.integer(e.seq);
  w.key("time_ms");
  w.number(ms(e.time));
  w.key("tick");
  w.integer(e.tick);
  w.key("kind");
  w.string(network_log_kind_name(e.kind));
  session_keys(w, e.session_id);
  w.key("name");
  text(w, e.name);
  w.key("cause");
  text(w, e.cause);
  w.key("ok");
  w.boolean(e.ok);
  w.key("detail");
  text(w, e.detail);
  w.end_object();
}

}  // namespace

void append_server_status_json(std::string& out, const ServerStatus& s) {
  // About 2.8 KB per client with its lanes and message types: one allocation for most statuses.
  out.reserve(out.size() + 1024 + 3072 * s.client_list.size() + 200 * s.log.size());
  JsonWriter w(out);
  w.begin_object();
  w.key("server");
  server_json(w, s);
  w.key("clients");
  w.begin_array();
  for (const ClientStatus& c : s.client_list) client_json(w, c, s.time);
  w.end_array();
  w.key("conflicts");
  if (s.collab) {
    w.begin_object();
    w.key("total");
    w.integer(s.conflicts_total);
    w.key("recent");
    w.begin_array();
    for (const std::string& conflict : s.conflicts) w.raw(conflict);  // conflict_event_json's
    w.end_array();
    w.end_object();
  } else {
    w.null();
  }
  w.key("log");
  w.begin_array();
  for (const NetworkLogEntry& e : s.log) log_json(w, e);
  w.end_array();
  w.key("log_first_seq");
  w.integer(s.log_first_seq);
  w.key("log_last_seq");
  w.integer(s.log_last_seq);
  w.end_object();
}

}  // namespace theta_net::session
