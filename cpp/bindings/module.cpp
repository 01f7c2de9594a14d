// theta_net._core: the compiled half of the theta_net Python package.
#include <pybind11/pybind11.h>

#include "border.hpp"
#include "theta_net/core/crc32c.hpp"
#include "theta_net/version.hpp"

#ifndef THETA_BUILD_TYPE
#define THETA_BUILD_TYPE "unknown"
#endif

namespace py = pybind11;

PYBIND11_MODULE(_core, m) {
  using namespace theta_net::bindings;
  m.doc() = "theta_net's C++ core (see the theta_net package for the documented API)";
  m.attr("__version__") = theta_net::kVersionString;
  m.def(
      "build_info",
      [] {
        py::dict info;
        info["version"] = theta_net::kVersionString;
        info["build_type"] = THETA_BUILD_TYPE;
        info["sanitizers"] = THETA_SANITIZERS;
        info["compiler"] = THETA_COMPILER;
        info["crc32c_hardware"] = theta_net::crc32c_hardware_accelerated();
        return info;
      },
      "How this extension was built: version, build type, sanitizers, compiler, CPU features.");

  register_error_translator();
  bind_core(m);
  bind_transport(m);
  bind_protocol(m);
  bind_identity(m);
  bind_serve(m);
  bind_replay(m);
  bind_replication(m);
  bind_codec(m);
  bind_rules(m);
  bind_data(m);
  bind_collab(m);
  bind_server(m);
  bind_client(m);
  bind_local_game(m);
  bind_data_soak(m);
  bind_collab_fuzz(m);
  bind_migration(m);
  bind_netcode(m);
}
