#include "theta_net/session/server_status_prometheus.hpp"

#include <charconv>
#include <cstdio>
#include <string_view>

#include "theta_net/core/json_writer.hpp"
#include "theta_net/core/utf8.hpp"
#include "theta_net/protocol/field_info.hpp"

namespace theta_net::session {
namespace {

// One metric family at a time: HELP and TYPE once, then its samples.
class Exposition {
 public:
  explicit Exposition(std::string& out) : out_(out) {}

  void family(std::string_view name, std::string_view type, std::string_view help) {
    name_ = name;
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  // A sample of the current family; suffix for a summary's _sum and _count.
  void sample(double value, std::string_view labels = {}, std::string_view suffix = {}) {
    sample_name(labels, suffix);
    append_json_double(out_, value);  // Go's float parser reads Python's repr form
    out_ += '\n';
  }
  void sample(std::uint64_t value, std::string_view labels = {}, std::string_view suffix = {}) {
    sample_name(labels, suffix);
    char buf[24];
    out_.append(buf, std::to_chars(buf, buf + sizeof buf, value).ptr);
    out_ += '\n';
  }

 private:
  // "name_suffix{labels} " before a sample's value.
  void sample_name(std::string_view labels, std::string_view suffix) {
    out_ += name_;
    out_ += suffix;
    if (!labels.empty()) {
      out_ += '{';
      out_ += labels;
      out_ += '}';
    }
    out_ += ' ';
  }

  std::string& out_;
  std::string_view name_;
};

// A label value with the format's three escapes (backslash, quote, newline).
void append_label(std::string& out, std::string_view name, std::string_view value) {
  if (!out.empty()) out += ',';
  out += name;
  out += "=\"";
  const std::string valid = is_valid_utf8(value) ? std::string(value) : to_valid_utf8(value);
  for (const char c : valid) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  out += '"';
}

std::string client_labels(const ClientStatus& c) {
  std::string labels;
  append_label(labels, "client", c.name);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(c.session_id));
  append_label(labels, "session", hex);
  append_label(labels, "transport", c.transport);
  append_label(labels, "role", protocol::enum_name(c.role).value_or("unknown"));
  return labels;
}

double seconds(Nanos t) {
  return static_cast<double>(t.count()) / 1e9;
}

void server_metrics(Exposition& e, const ServerStatus& s) {
  e.family("theta_sessions", "gauge", "Sessions established now.");
  e.sample(static_cast<std::uint64_t>(s.clients));
  e.family("theta_players", "gauge", "Players in the world now.");
  e.sample(static_cast<std::uint64_t>(s.players));
  e.family("theta_ticks_total", "counter", "Server ticks run.");
  e.sample(static_cast<std::uint64_t>(s.tick));
  e.family("theta_data_version", "gauge", "The replicated data store's version.");
  e.sample(static_cast<std::uint64_t>(s.data_version));
  if (s.tick_times) {
    const TickTimeStatus& t = *s.tick_times;
    e.family("theta_tick_seconds", "summary",
             "Wall-clock time inside a tick (quantiles over the last 4,096 ticks).");
    e.sample(t.median_us / 1e6, R"(quantile="0.5")");
    e.sample(t.p99_us / 1e6, R"(quantile="0.99")");
    e.sample(t.mean_us * static_cast<double>(t.ticks_timed) / 1e6, {}, "_sum");
    e.sample(t.ticks_timed, {}, "_count");
    e.family("theta_tick_seconds_max", "gauge", "The longest tick so far.");
    e.sample(t.max_us / 1e6);
  }
  e.family("theta_session_events_total", "counter",
           "The session host's counters (hellos, accepted, rejected, ...).");
  s.sessions.visit([&e](std::string_view name, std::uint64_t value) {
    std::string labels;
    append_label(labels, "event", name);
    e.sample(value, labels);
  });
  e.family("theta_sends_refused_total", "counter", "Messages the transport refused to queue.");
  e.sample(s.sends_refused);
  e.family("theta_protocol_violations_total", "counter", "Peers closed for breaking the protocol.");
  e.sample(s.protocol_violations);
  e.family("theta_telemetry_reports_total", "counter",
           "Clients' TelemetryReports by outcome (taken, dropped for coming too soon, refused).");
  e.sample(s.telemetry.reports, R"(outcome="taken")");
  e.sample(s.telemetry.dropped, R"(outcome="dropped")");
  e.sample(s.telemetry.refused, R"(outcome="refused")");
  e.family("theta_slow_frame_alerts_total", "counter",
           "Slow-frame alerts raised from clients' TelemetryReports.");
  e.sample(s.telemetry.alerts);
  e.family("theta_editor_events_total", "counter",
           "Clients' EditorEvents by outcome (received, coalesced into a later gizmo transform, "
           "dropped over the rate, refused, and delivered copies).");
  e.sample(s.editor.received, R"(outcome="received")");
  e.sample(s.editor.coalesced, R"(outcome="coalesced")");
  e.sample(s.editor.dropped, R"(outcome="dropped")");
  e.sample(s.editor.refused, R"(outcome="refused")");
  e.sample(s.editor.delivered, R"(outcome="delivered")");
  if (s.collab) {
    e.family("theta_conflicts_total", "counter", "Write conflicts resolved by the strategy.");
    e.sample(s.conflicts_total);
  }
}

// What clients' TelemetryReports said (only clients that sent one have these series).
void client_telemetry_metrics(Exposition& e, const ServerStatus& s,
                              const std::vector<std::string>& labels) {
  const auto each = [&](auto&& write) {
    for (std::size_t i = 0; i < s.client_list.size(); ++i) {
      if (s.client_list[i].telemetry) write(*s.client_list[i].telemetry, labels[i]);
    }
  };
  e.family("theta_client_frame_seconds", "gauge",
           "The client's frame time quantiles, from its last TelemetryReport.");
  each([&](const ClientTelemetry& t, const std::string& l) {
    e.sample(t.last.frame_ms_p50 / 1e3, l + R"(,quantile="0.5")");
    e.sample(t.last.frame_ms_p99 / 1e3, l + R"(,quantile="0.99")");
  });
  e.family("theta_client_telemetry_reports_total", "counter",
           "TelemetryReports the server took from the client.");
  each([&](const ClientTelemetry& t, const std::string& l) { e.sample(t.reports, l); });
  e.family("theta_client_slow_frame_alerts_total", "counter",
           "Slow-frame alerts the client's reports raised.");
  each([&](const ClientTelemetry& t, const std::string& l) { e.sample(t.alerts, l); });
  e.family("theta_client_telemetry_counter", "gauge",
           "The application's counters, by name, from the client's last TelemetryReport.");
  each([&](const ClientTelemetry& t, const std::string& l) {
    for (const auto& [name, value] : t.last.counters) {
      std::string with_name = l;
      append_label(with_name, "counter", name);
      e.sample(value, with_name);
    }
  });
}

void client_metrics(Exposition& e, const ServerStatus& s) {
  std::vector<std::string> labels;
  labels.reserve(s.client_list.size());
  for (const ClientStatus& c : s.client_list) labels.push_back(client_labels(c));
  const auto each = [&](auto&& write) {
    for (std::size_t i = 0; i < s.client_list.size(); ++i) write(s.client_list[i], labels[i]);
  };
  e.family("theta_client_rtt_seconds", "gauge", "The transport's smoothed round-trip time.");
  each([&](const ClientStatus& c, const std::string& l) { e.sample(seconds(c.rtt_smoothed), l); });
  e.family("theta_client_loss_ratio", "gauge", "Datagrams lost over datagrams sent to the client.");
  each([&](const ClientStatus& c, const std::string& l) { e.sample(c.loss, l); });
  e.family("theta_client_sent_bytes_total", "counter", "Bytes sent to the client, on the wire.");
  each([&](const ClientStatus& c, const std::string& l) { e.sample(c.bytes_sent, l); });
  e.family("theta_client_received_bytes_total", "counter", "Bytes received from the client.");
  each([&](const ClientStatus& c, const std::string& l) { e.sample(c.bytes_received, l); });
  e.family("theta_client_send_queue_bytes", "gauge",
           "Reliable bytes queued, not yet acknowledged.");
  each([&](const ClientStatus& c, const std::string& l) { e.sample(c.send_queue_bytes, l); });
  const auto per_lane = [&](std::string_view name, std::string_view help, bool sent) {
    e.family(name, "counter", help);
    each([&](const ClientStatus& c, const std::string& l) {
      for (transport::Lane lane : transport::kAllLanes) {
        const transport::LaneStats& ls = c.lanes[transport::lane_index(lane)];
        std::string with_lane = l;
        append_label(with_lane, "lane", transport::lane_name(lane));
        e.sample(sent ? ls.bytes_sent : ls.bytes_received, with_lane);
      }
    });
  };
  per_lane("theta_client_lane_sent_bytes_total", "Message bytes sent to the client, per lane.",
           true);
  per_lane("theta_client_lane_received_bytes_total", "Message bytes received, per lane.", false);
  e.family("theta_client_sync_version_lag", "gauge",
           "The data store's version minus the one the client acknowledged.");
  each([&](const ClientStatus& c, const std::string& l) {
    if (c.data) e.sample(c.data->version_lag, l);
  });
  client_telemetry_metrics(e, s, labels);
}

}  // namespace

std::string server_status_prometheus(const ServerStatus& status) {
  std::string out;
  out.reserve(4096 + 2048 * status.client_list.size());
  Exposition e(out);
  server_metrics(e, status);
  client_metrics(e, status);
  return out;
}

}  // namespace theta_net::session
