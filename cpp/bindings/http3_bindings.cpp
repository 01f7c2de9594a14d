// Python access to Http3Client: HTTP/3 requests (GET with ranges, HEAD, PUT) to a theta_net server
// or any HTTP/3 server, bodies into bytes or straight into a file. Every call that waits (connect,
// request, poll) releases the GIL.
#include <Python.h>
#include <pybind11/stl.h>

#include "endpoint_bindings.hpp"
#include "theta_net/transport/http3_client.hpp"
#include "time_caster.hpp"

namespace theta_net::bindings {

using namespace pybind11::literals;
using namespace theta_net::transport;

namespace {

// Headers from Python: a dict or an iterable of (name, value) pairs; names are lower-cased, as
// HTTP/3 requires.
std::vector<HttpHeader> headers_from(const py::object& given) {
  std::vector<HttpHeader> out;
  if (given.is_none()) return out;
  const py::iterable pairs =
      py::isinstance<py::dict>(given) ? py::iterable(given.attr("items")()) : py::iterable(given);
  for (const py::handle item : pairs) {
    const auto pair = item.cast<std::pair<std::string, std::string>>();
    std::string name = pair.first;
    for (char& c : name) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    out.push_back({std::move(name), pair.second});
  }
  return out;
}

HttpClientRequest make_request(const std::string& method, const std::string& path,
                               const py::object& headers, const py::object& body,
                               const std::string& save_to) {
  HttpClientRequest r;
  r.method = method;
  r.path = path;
  r.headers = headers_from(headers);
  if (!body.is_none()) {
    BufferView view(body.cast<py::buffer>());
    r.body.assign(view.bytes().begin(), view.bytes().end());
  }
  r.save_to = save_to;
  return r;
}

void bind_response(py::module_& m) {
  py::class_<HttpClientResponse>(m, "Http3Response", "One HTTP/3 response.")
      .def_readonly("status", &HttpClientResponse::status)
      .def_property_readonly("headers",
                             [](const HttpClientResponse& r) {
                               std::vector<std::pair<std::string, std::string>> out;
                               for (const HttpHeader& h : r.headers)
                                 out.emplace_back(h.name, h.value);
                               return out;
                             })
      .def_property_readonly("body", [](const HttpClientResponse& r) { return to_pybytes(r.body); })
      .def_readonly("body_bytes", &HttpClientResponse::body_bytes)
      .def_readonly("saved_to", &HttpClientResponse::saved_to)
      .def(
          "header",
          [](const HttpClientResponse& r, const std::string& name) -> std::optional<std::string> {
            if (auto v = r.header(name)) return std::string(*v);
            return std::nullopt;
          },
          "name"_a, "The first field with this (lower-case) name, or None.")
      .def("__repr__", [](const HttpClientResponse& r) {
        return str_cat("Http3Response(status=", r.status, ", ", r.body_bytes, " body bytes",
                       r.saved_to.empty() ? std::string() : str_cat(" in ", r.saved_to), ")");
      });
}

}  // namespace

void bind_http3(py::module_& m) {
  bind_response(m);
  py::class_<Http3Client>(
      m, "Http3Client",
      "HTTP/3 client (ALPN h3) on theta_net's QUIC stack: GET with Range, HEAD, PUT; bodies in "
      "memory (up to max_body_bytes) or written to save_to (complete files only). One thread at "
      "a time: give each thread its own client.")
      .def(
          py::init([](std::uint16_t port, const std::string& host, const std::string& pinned_sha256,
                      const std::string& server_name, Nanos timeout, Nanos idle_timeout,
                      std::size_t max_body_bytes, const std::string& qlog_dir,
                      const std::string& keylog_file, std::uint64_t direct_io_min_bytes) {
            Http3ClientConfig c;
            c.host = host;
            c.port = port;
            c.pinned_sha256 = pinned_sha256;
            c.server_name = server_name;
            c.handshake_timeout = timeout;
            c.idle_timeout = idle_timeout;
            c.max_body_bytes = max_body_bytes;
            c.qlog_dir = qlog_dir;
            c.keylog_file = keylog_file;
            c.direct_io_min_bytes = direct_io_min_bytes;
            py::gil_scoped_release release;
            return unwrap(Http3Client::connect(std::move(c)), ErrorKind::kTransport);
          }),
          "port"_a, "host"_a = "127.0.0.1", "pinned_sha256"_a = "", "server_name"_a = "localhost",
          "timeout"_a = 5.0, "idle_timeout"_a = 10.0, "max_body_bytes"_a = 64u << 20,
          "qlog_dir"_a = "", "keylog_file"_a = "", "direct_io_min_bytes"_a = 8u << 20,
          "Connects and completes the handshake (raises TransportError if it cannot). A body "
          "saved to a file whose content-length is at least direct_io_min_bytes is written with "
          "O_DIRECT, past the page cache, where the file system has it (0 = never).")
      .def(
          "request",
          [](Http3Client& c, const std::string& method, const std::string& path,
             const py::object& headers, const py::object& body, const std::string& save_to,
             Nanos timeout) {
            HttpClientRequest r = make_request(method, path, headers, body, save_to);
            py::gil_scoped_release release;
            return unwrap(c.fetch(std::move(r), timeout), ErrorKind::kTransport);
          },
          "method"_a, "path"_a, "headers"_a = py::none(), "body"_a = py::none(), "save_to"_a = "",
          "timeout"_a = 30.0,
          "Sends one request and waits for its whole response (TransportError: timeout, reset, "
          "body over max_body_bytes, connection gone).")
      .def(
          "get",
          [](Http3Client& c, const std::string& path, const py::object& headers,
             const std::string& save_to, Nanos timeout) {
            HttpClientRequest r = make_request("GET", path, headers, py::none(), save_to);
            py::gil_scoped_release release;
            return unwrap(c.fetch(std::move(r), timeout), ErrorKind::kTransport);
          },
          "path"_a, "headers"_a = py::none(), "save_to"_a = "", "timeout"_a = 30.0,
          "GET path (headers e.g. {'range': 'bytes=0-99'}); save_to writes the body to a file.")
      .def(
          "submit",
          [](Http3Client& c, const std::string& method, const std::string& path,
             const py::object& headers, const py::object& body, const std::string& save_to,
             bool body_follows) {
            HttpClientRequest r = make_request(method, path, headers, body, save_to);
            r.body_follows = body_follows;
            return unwrap(c.submit(std::move(r)), ErrorKind::kTransport);
          },
          "method"_a, "path"_a, "headers"_a = py::none(), "body"_a = py::none(), "save_to"_a = "",
          "body_follows"_a = false,
          "Queues a request without waiting; returns its id for take(). With body_follows the "
          "body continues through send_body(id, data, fin).")
      .def(
          "send_body",
          [](Http3Client& c, std::uint64_t id, const py::buffer& data, bool fin) {
            BufferView view(data);
            unwrap(c.send_body(id, view.bytes(), fin), ErrorKind::kTransport);
          },
          "id"_a, "data"_a, "fin"_a = false,
          "More body for a request submitted with body_follows; fin=True ends it.")
      .def("body_bytes_unacked", &Http3Client::body_bytes_unacked, "id"_a,
           "Body bytes of request id given but not yet acknowledged by the server.")
      .def(
          "poll",
          [](Http3Client& c, Nanos timeout) {
            py::gil_scoped_release release;
            c.poll(timeout);
          },
          "timeout"_a = 0.0, "Sends, receives and runs timers, waiting at most timeout seconds.")
      .def(
          "take",
          [](Http3Client& c, std::uint64_t id) -> std::optional<HttpClientResponse> {
            auto r = c.take(id);
            if (!r) return std::nullopt;
            return unwrap(std::move(*r), ErrorKind::kTransport);
          },
          "id"_a,
          "The response to request id once complete (None while under way); raises the "
          "request's TransportError if it failed. Each outcome is handed over once.")
      .def("cancel", &Http3Client::cancel, "id"_a, "Resets a request still under way.")
      .def_property_readonly("connected", &Http3Client::connected)
      .def(
          "stats",
          [](const Http3Client& c) -> std::optional<py::dict> {
            if (auto s = c.stats()) return metrics_dict(*s);
            return std::nullopt;
          },
          "The connection's RTT, congestion and byte counters, or None once it is gone.")
      .def("close", &Http3Client::close, "Closes the connection; open requests fail.")
      .def("__enter__", [](Http3Client& c) -> Http3Client& { return c; })
      .def("__exit__", [](Http3Client& c, const py::args&) { c.close(); });
}

}  // namespace theta_net::bindings
