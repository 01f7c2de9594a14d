// A ServerStatus (session/server_status.hpp) as the JSON-ready Python dict that status pages
// read (theta-net serve --dashboard, LocalGame.server_status): times in ms as floats, ids as
// ints, names as str. The shape is documented in docs/dashboard.md ("The status dict"); it is
// built here once for every caller. Only this conversion needs the GIL: the ServerStatus itself
// is built without it.
#pragma once

#include <pybind11/pybind11.h>

#include <cstdint>
#include <string>
#include <vector>

#include "theta_net/session/game_server.hpp"
#include "theta_net/session/server_status.hpp"

namespace theta_net::bindings {

namespace py = pybind11;

py::dict status_dict(const session::ServerStatus& status);

// An operator's action as a status callback returns it: {"action": "resync"|"kick",
// "session_id": int, "reason": str (optional)}.
struct StatusAction {
  enum class Kind : std::uint8_t { kResync, kKick };
  Kind kind = Kind::kResync;
  std::uint64_t session_id = 0;
  std::string reason;
};
// Raises theta_net.Error naming what is wrong (a list of dicts of the shape above, or None).
std::vector<StatusAction> status_actions(const py::handle& returned);
// Carries out each action on `server` (each one's result goes to the network log; an unknown
// session is logged there, not raised).
void apply_status_actions(session::GameServer& server, const std::vector<StatusAction>& actions);

}  // namespace theta_net::bindings
