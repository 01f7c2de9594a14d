// The editor-event side of a game client in Python (Client and GameClientView alike): the tool
// scopes it watches, its own EditorEvents, and the others' the server relayed
// (session/editor_relay.hpp). Refusals are theta_net errors with the core's code and message.
#pragma once

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "border.hpp"
#include "theta_net/protocol/message_codec.hpp"
#include "theta_net/session/game_client.hpp"

namespace theta_net::bindings {

template <class Cls>
void bind_editor_views(Cls& cls, session::GameClient& (*get)(typename Cls::type&)) {
  using namespace pybind11::literals;
  cls.def(
         "set_tool_scopes",
         [get](typename Cls::type& o, std::vector<std::string> scopes) {
           unwrap(get(o).set_tool_scopes(std::move(scopes)), ErrorKind::kProtocol);
         },
         "scopes"_a,
         "The tool scopes whose EditorEvents the server relays to this client ('*': every "
         "tool); sent now, and again after every reconnection.")
      .def_property_readonly("tool_scopes",
                             [get](typename Cls::type& o) { return get(o).tool_scopes(); })
      .def(
          "send_editor_event",
          [get](typename Cls::type& o, const std::string& kind, const std::string& tool,
                std::vector<std::uint64_t> entities, const py::bytes& payload) {
            protocol::EditorEvent e;
            const auto k = protocol::enum_from_name<protocol::EditorEventKind>(kind);
            if (!k) {
              throw BorderError(ErrorKind::kProtocol,
                                make_error(ErrorCode::kInvalidArgument, "'", kind,
                                           "' is not an EditorEventKind (tool_activated, "
                                           "selection, gizmo_transform, panel_update)"));
            }
            e.kind = *k;
            e.tool = tool;
            e.entities = std::move(entities);
            const std::string bytes = payload;
            e.payload.assign(bytes.begin(), bytes.end());
            unwrap(get(o).send_editor_event(std::move(e)), ErrorKind::kProtocol);
          },
          "kind"_a, "tool"_a, "entities"_a = std::vector<std::uint64_t>{},
          "payload"_a = py::bytes(),
          "Sends an EditorEvent (kind: tool_activated, selection, gizmo_transform, panel_update) "
          "to the other clients in the tool's scope; the server sets the author and refuses it "
          "for a role below editor.")
      .def(
          "editor_events",
          [get](typename Cls::type& o) {
            py::list out;
            for (const protocol::EditorEvent& e : get(o).take_editor_events()) {
              out.append(
                  py::dict("kind"_a = std::string(protocol::enum_name(e.kind).value_or("unknown")),
                           "author"_a = e.author, "tool"_a = e.tool, "entities"_a = e.entities,
                           "payload"_a = py::bytes(reinterpret_cast<const char*>(e.payload.data()),
                                                   e.payload.size())));
            }
            return out;
          },
          "The EditorEvents the server relayed since the last call: {'kind', 'author' (the "
          "sender's session id), 'tool', 'entities', 'payload'}.")
      .def_property_readonly(
          "editor_events_received",
          [get](typename Cls::type& o) { return get(o).editor_events_received(); },
          "Every relayed EditorEvent received so far, counted by kind name.");
}

}  // namespace theta_net::bindings
