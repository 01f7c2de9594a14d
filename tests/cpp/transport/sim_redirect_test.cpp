// SimEndpoint::redirect, the SimNet side of a host migration: the next dial goes to the named
// endpoint (a ":port" after the name is ignored); an unknown name is refused and changes nothing.
#include <gtest/gtest.h>

#include "theta_net/transport/sim_net.hpp"

namespace theta_net::transport {
namespace {

using std::chrono::milliseconds;

// Advances until `endpoint` reports Connected, or 2 s pass; the peer it connected to is the one
// whose events show the matching Connected too.
bool connected(SimNet& net, SimEndpoint& endpoint, SimEndpoint& server) {
  bool client_up = false, server_up = false;
  for (int i = 0; i < 2000 && !(client_up && server_up); ++i) {
    net.advance_by(milliseconds(1));
    endpoint.poll(std::chrono::nanoseconds(0));
    server.poll(std::chrono::nanoseconds(0));
    while (auto e = endpoint.next_event()) client_up |= e->kind == EventKind::kConnected;
    while (auto e = server.next_event()) server_up |= e->kind == EventKind::kConnected;
  }
  return client_up && server_up;
}

TEST(SimRedirect, TheNextDialGoesToTheNamedEndpoint) {
  SimNet net(1);
  SimEndpoint& old_server = net.add_endpoint("old");
  SimEndpoint& successor = net.add_endpoint("successor");
  SimEndpoint& client = net.add_endpoint("client");
  client.connect(old_server);
  ASSERT_TRUE(connected(net, client, old_server));

  EXPECT_EQ(client.redirect("nobody:4433").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(client.connections().size(), 1u);  // a refused redirect changes nothing

  ASSERT_TRUE(client.redirect("successor:4433").ok());
  EXPECT_TRUE(client.connections().empty());  // the open connection was closed
  ASSERT_TRUE(client.dial().ok());
  EXPECT_TRUE(connected(net, client, successor));
  // The old server saw its connection end.
  old_server.poll(std::chrono::nanoseconds(0));
  bool ended = false;
  while (auto e = old_server.next_event()) ended |= e->kind == EventKind::kDisconnected;
  EXPECT_TRUE(ended);
  EXPECT_TRUE(old_server.connections().empty());
}

TEST(SimRedirect, AnEndpointThatNeverConnectedCanBePointedAtAPeer) {
  SimNet net(1);
  SimEndpoint& lone = net.add_endpoint("lone");
  net.add_endpoint("other");
  // A SimEndpoint that never connected may still be pointed somewhere: redirect names the peer.
  ASSERT_TRUE(lone.redirect("other").ok());
  EXPECT_TRUE(lone.dial().ok());
}

}  // namespace
}  // namespace theta_net::transport
