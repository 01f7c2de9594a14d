// The API border between the core's Result<T> and Python exceptions (DESIGN.md, principle 7).
// A failed Result becomes a BorderError, which the translator registered in module.cpp raises as
// the matching class of theta_net.errors (CodecError, ProtocolError, ...), carrying the code name
// and the core's message.
#pragma once

#include <pybind11/pybind11.h>

#include <exception>
#include <string>
#include <utility>

#include "theta_net/core/byte_io.hpp"
#include "theta_net/core/result.hpp"
#include "time_caster.hpp"

namespace theta_net::bindings {

namespace py = pybind11;

// The Python exception class (in theta_net.errors) an error is raised as.
enum class ErrorKind {
  kError,
  kCodec,
  kProtocol,
  kTransport,
  kReplication,
  kReplay,
  kScenario,
  kData
};

class BorderError : public std::exception {
 public:
  BorderError(ErrorKind kind, Error error)
      : kind_(kind), error_(std::move(error)), what_(error_.describe()) {}
  const char* what() const noexcept override { return what_.c_str(); }
  ErrorKind kind() const { return kind_; }
  const Error& error() const { return error_; }

 private:
  ErrorKind kind_;
  Error error_;
  std::string what_;
};

template <class T>
T unwrap(Result<T>&& result, ErrorKind kind) {
  if (!result.ok()) throw BorderError(kind, std::move(result).error());
  return std::move(result).value();
}

inline void unwrap(Status&& status, ErrorKind kind) {
  if (!status.ok()) throw BorderError(kind, std::move(status).error());
}

void register_error_translator();

// A read-only, contiguous view of any Python buffer (bytes, bytearray, memoryview, numpy).
class BufferView {
 public:
  explicit BufferView(const py::buffer& buffer);
  ~BufferView() { PyBuffer_Release(&view_); }
  BufferView(const BufferView&) = delete;
  BufferView& operator=(const BufferView&) = delete;

  ByteSpan bytes() const {
    return {static_cast<const std::uint8_t*>(view_.buf), static_cast<std::size_t>(view_.len)};
  }

 private:
  Py_buffer view_{};
};

inline py::bytes to_pybytes(const Bytes& b) {
  return py::bytes(reinterpret_cast<const char*>(b.data()), b.size());
}

// One function per module, called from module.cpp in dependency order.
void bind_core(py::module_& m);
void bind_transport(py::module_& m);
void bind_protocol(py::module_& m);
void bind_identity(py::module_& m);  // keys, the proof of key, signed controls, permissions
void bind_serve(py::module_& m);
void bind_replay(py::module_& m);
void bind_replication(py::module_& m);
void bind_codec(py::module_& m);
void bind_rules(py::module_& m);
void bind_server(py::module_& m);
void bind_data(py::module_& m);
void bind_collab(py::module_& m);  // after data: its objects take a DataHost and a ClientDB
void bind_client(py::module_& m);  // before LocalGame, whose client() returns a GameClientView
void bind_local_game(py::module_& m);
void bind_data_soak(py::module_& m);
void bind_collab_fuzz(py::module_& m);
void bind_migration(py::module_& m);  // after collab: it takes a CollabHost
void bind_netcode(py::module_& m);
void bind_netcode_inputs(py::module_& m);     // called by bind_netcode, into its submodule
void bind_netcode_input_log(py::module_& m);  // the same

}  // namespace theta_net::bindings
