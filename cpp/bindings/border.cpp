#include "border.hpp"

namespace theta_net::bindings {
namespace {

const char* class_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kError:
      return "Error";
    case ErrorKind::kCodec:
      return "CodecError";
    case ErrorKind::kProtocol:
      return "ProtocolError";
    case ErrorKind::kTransport:
      return "TransportError";
    case ErrorKind::kReplication:
      return "ReplicationError";
    case ErrorKind::kReplay:
      return "ReplayError";
    case ErrorKind::kScenario:
      return "ScenarioError";
    case ErrorKind::kData:
      return "DataError";
  }
  return "Error";
}

}  // namespace

void bad_time(double seconds) {
  throw BorderError(ErrorKind::kError, make_error(ErrorCode::kInvalidArgument,
                                                  "time must be a finite number of "
                                                  "seconds >= 0, got ",
                                                  seconds));
}

void register_error_translator() {
  py::register_exception_translator([](std::exception_ptr pending) {
    try {
      if (pending) std::rethrow_exception(pending);
    } catch (const BorderError& e) {
      py::object cls = py::module_::import("theta_net.errors").attr(class_name(e.kind()));
      py::object exc = cls(e.error().message, std::string(error_code_name(e.error().code)));
      PyErr_SetObject(cls.ptr(), exc.ptr());
    }
  });
}

BufferView::BufferView(const py::buffer& buffer) {
  if (PyObject_GetBuffer(buffer.ptr(), &view_, PyBUF_SIMPLE) != 0) {
    throw py::error_already_set();
  }
}

}  // namespace theta_net::bindings
