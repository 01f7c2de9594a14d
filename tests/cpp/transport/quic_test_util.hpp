// Helpers for the QUIC tests: configurations of a server and of a client that dials it.
#pragma once

#include "endpoint_test_util.hpp"
#include "theta_net/transport/quic_client.hpp"
#include "theta_net/transport/quic_server.hpp"

namespace theta_net::transport::testing {

using namespace std::chrono_literals;

inline QuicServerConfig server_config() {
  QuicServerConfig c;
  c.host = "127.0.0.1";
  c.port = 0;
  return c;
}

inline QuicClientConfig client_config(const QuicServer& server) {
  QuicClientConfig c;
  c.host = "127.0.0.1";
  c.port = server.port();
  c.reconnect.enabled = false;
  return c;
}

}  // namespace theta_net::transport::testing
