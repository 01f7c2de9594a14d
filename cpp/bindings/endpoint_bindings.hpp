// The methods every endpoint class shares in Python (send, poll, events, close, stats, dial) and
// every relay's run/stop/counters, as templates over the C++ class: QUIC, TCP and SimNet
// endpoints, UdpRelay and TcpRelay.
#pragma once

#include <Python.h>
#include <pybind11/stl.h>

#include <chrono>

#include "border.hpp"
#include "metrics_convert.hpp"
#include "theta_net/transport/endpoint.hpp"
#include "theta_net/transport/udp_relay.hpp"

namespace theta_net::bindings {

using namespace pybind11::literals;

// The TCP server, client and relay (tcp_bindings.cpp); called by bind_transport after the
// classes they use (Lane, Event, LinkConfig).
void bind_tcp(py::module_& m);
// Http3Client and its responses (http3_bindings.cpp).
void bind_http3(py::module_& m);

// dial, for the client endpoints.
template <class T, class Cls>
void bind_dial(Cls& cls) {
  cls.def(
      "dial", [](T& e) { unwrap(e.dial(), ErrorKind::kTransport); },
      "Starts a new connection to the same server now (a Client's driver does this when it "
      "reconnects).");
}

// send/poll/next_event/events/close/stats/connections, shared by every endpoint class.
template <class T, class Cls>
void bind_endpoint(Cls& cls) {
  cls.def(
         "send",
         [](T& e, std::uint64_t conn, transport::Lane lane, const py::buffer& data) {
           BufferView view(data);
           unwrap(e.send(transport::ConnectionId{conn}, lane, view.bytes()), ErrorKind::kTransport);
         },
         "conn"_a, "lane"_a, "data"_a, "Queues one message on a lane of a connection.")
      .def(
          "poll",
          [](T& e, Nanos timeout) {
            py::gil_scoped_release release;
            e.poll(timeout);
          },
          "timeout"_a = 0.0,
          "Handles I/O and timers, waiting up to timeout seconds (SimNet: what is due now).")
      .def(
          "next_event", [](T& e) { return e.next_event(); }, "The next event, or None.")
      .def(
          "events",
          [](T& e) {
            std::vector<transport::Event> out;
            while (auto ev = e.next_event()) out.push_back(std::move(*ev));
            return out;
          },
          "Every pending event, in order.")
      .def(
          "close",
          [](T& e, std::uint64_t conn, std::uint64_t code, const std::string& reason) {
            e.close(transport::ConnectionId{conn}, code, reason);
          },
          "conn"_a, "code"_a = 0, "reason"_a = "", "Closes gracefully with an application code.")
      .def(
          "stats",
          [](const T& e, std::uint64_t conn) -> std::optional<py::dict> {
            if (auto s = e.stats(transport::ConnectionId{conn})) return metrics_dict(*s);
            return std::nullopt;
          },
          "conn"_a, "RTT, jitter, per-lane counters and congestion state, or None.")
      .def(
          "connections",
          [](const T& e) {
            std::vector<std::uint64_t> ids;
            for (transport::ConnectionId id : e.connections()) ids.push_back(id.value);
            return ids;
          },
          "Ids of the open connections.");
}

// run/stop/counters, for the relay classes.
template <class R, class Cls>
void bind_relay_run(Cls& cls) {
  cls.def(
         "run",
         [](R& r, Nanos duration) {
           // Short slices with the GIL released, so Ctrl-C (a Python signal) stops the relay.
           const auto end = std::chrono::steady_clock::now() + duration;
           for (;;) {
             auto slice = std::chrono::nanoseconds(std::chrono::milliseconds(100));
             if (duration > Nanos{0}) {
               const auto left = end - std::chrono::steady_clock::now();
               if (left <= std::chrono::nanoseconds(0)) return;
               slice = std::min<std::chrono::nanoseconds>(slice, left);
             }
             {
               py::gil_scoped_release release;
               r.run(slice);
             }
             if (PyErr_CheckSignals() != 0) throw py::error_already_set();
           }
         },
         "duration"_a = 0.0, "Relays for duration seconds (0 = until interrupted).")
      .def("stop", &R::stop)
      .def("counters", [](const R& r) {
        const transport::RelayCounters c = r.counters();
        return py::dict("received"_a = c.received, "forwarded"_a = c.forwarded,
                        "dropped"_a = c.dropped, "duplicated"_a = c.duplicated,
                        "reordered"_a = c.reordered);
      });
}

}  // namespace theta_net::bindings
