#include "status_convert.hpp"

#include "border.hpp"
#include "theta_net/session/game_server.hpp"

namespace theta_net::bindings {

py::object status_from_json(const std::string& json) {
  // Not cached in a static: a Python object must not outlive the interpreter.
  return py::module_::import("json").attr("loads")(py::str(json.data(), json.size()));
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
