// The server's status in Prometheus's text exposition format (version 0.0.4), what
// `GET /metrics` on the game's port answers over HTTP/3 so that any metrics stack can scrape a
// theta_net server. Written from the same ServerStatus as the dashboard's JSON, so both show the
// same figures. Metric names are theta_*, in base units (seconds, bytes, ratios); counters end in
// _total. Per-client series carry the labels client (its name), session (16 hex digits),
// transport and role; per-lane ones add lane.
#pragma once

#include <string>

#include "theta_net/session/server_status.hpp"

namespace theta_net::session {

// The content type of the text below.
inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

std::string server_status_prometheus(const ServerStatus& status);

}  // namespace theta_net::session
