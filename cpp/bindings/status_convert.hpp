// The server status at the Python border: its one form is JSON text (session/
// server_status_json.hpp, written without the GIL); a caller that wants a dict gets that text
// read by Python's json module. What status callbacks return (the operator's actions) is checked
// here.
#pragma once

#include <pybind11/pybind11.h>

#include <cstdint>
#include <string>
#include <vector>

#include "theta_net/session/game_server.hpp"
#include "theta_net/session/server_status.hpp"

namespace theta_net::bindings {

namespace py = pybind11;

// The status JSON as a Python dict (json.loads).
py::object status_from_json(const std::string& json);

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
