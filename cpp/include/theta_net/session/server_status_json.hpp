// The one JSON form of a ServerStatus: what `theta-net serve --dashboard` publishes, what
// `GET /api/status` serves (with the dashboard's rates added) and what LocalGame.server_status()
// reads back into a dict. It is written here, on the server's thread and without Python, because
// a dict built under the GIL cost a 64-client server 6% of its tick time (docs/benchmarks.md,
// "Dashboard status"); text is also what a C++ application hands to its own status page.
//
// Shape (docs/dashboard.md, "The status"): {"server": {...}, "clients": [...], "conflicts":
// {...} | null, "log": [...], "log_first_seq", "log_last_seq"}. Times are in milliseconds;
// every client and log entry with a session carries it twice, as "session_id" (an integer, exact
// for Python) and as "session" (16 hex digits: JavaScript numbers cannot hold every 64-bit id).
// Text from outside (names, log details) that is not UTF-8 is written with U+FFFD in place of
// each malformed sequence, so the document is always valid JSON.
#pragma once

#include <string>

#include "theta_net/session/server_status.hpp"

namespace theta_net::session {

// Appends the status to out as one JSON object.
void append_server_status_json(std::string& out, const ServerStatus& status);

inline std::string server_status_json(const ServerStatus& status) {
  std::string out;
  append_server_status_json(out, status);
  return out;
}

}  // namespace theta_net::session
