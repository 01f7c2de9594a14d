// Seed 000's loopback convergence test: a host and two clients over SimNet for 120 frames of
// spawns, despawns and updates, with lost, duplicated and reordered datagrams (entity deltas
// and the input bundles that acknowledge them) and retransmitted reliable frames; it ends with
// byte-identical quantized state on all three.
#include <gtest/gtest.h>

#include <map>

#include "test_worlds.hpp"
#include "theta_net/protocol/frame_messages.hpp"
#include "theta_net/protocol/lane_codec.hpp"
#include "theta_net/protocol/message_codec.hpp"
#include "theta_net/replication/replication_client.hpp"
#include "theta_net/replication/replication_host.hpp"
#include "theta_net/transport/sim_net.hpp"

namespace theta_net::replication {
namespace {

using std::chrono::milliseconds;
using transport::ConnectionId;
using transport::EventKind;
using transport::Lane;

// Frames messages on each lane of one direction of one connection.
struct Framer {
  std::map<protocol::LaneId, std::uint32_t> sequence;
  Bytes frame(const protocol::EncodedMessage& m, protocol::LaneId lane) {
    Bytes out;
    protocol::write_message_frame(std::span(&m, 1), sequence[lane]++, {}, out);
    return out;
  }
  template <class M>
  Bytes frame(const M& message) {
    protocol::EncodedMessage m{static_cast<std::uint16_t>(M::kType), {}};
    EXPECT_TRUE(protocol::encode_body(message, m.body).ok());
    return frame(m, M::kLane);
  }
};

// Reads frames of each lane of one direction of one connection.
struct Deframer {
  std::map<protocol::LaneId, protocol::LaneReader> readers;
  std::vector<protocol::AnyMessage> read(Lane lane, const Bytes& frame) {
    const auto id = static_cast<protocol::LaneId>(lane);
    auto it = readers.try_emplace(id, id).first;
    auto messages = it->second.read(frame);
    if (!messages.ok()) {  // duplicates and stale datagrams are dropped, nothing else happens
      EXPECT_EQ(messages.error().code, ErrorCode::kRejected) << messages.error().describe();
      return {};
    }
    return std::move(messages).value();
  }
};

struct Remote {  // a client as the server sees it
  ReplicationHost::ClientId id = 0;
  Framer out;
  Deframer in;
};

struct Player {  // a client process
  Player(transport::SimEndpoint& e)
      : endpoint(&e), peer(reference::schema(), testing::seed_schema()) {}
  transport::SimEndpoint* endpoint;
  ConnectionId conn;
  ReplicationClient peer;
  Framer out;
  Deframer in;
  std::uint32_t input_sequence = 0;
  std::uint64_t rejected = 0;
};

// The host's world changes: spawns, despawns, moves, health and player-state changes, and
// reliable records inserted, updated and removed.
void mutate(ReplicationHost& host, Rng& rng, std::uint32_t frame) {
  WorldState& w = host.entities();
  reference::ReferenceAccess access(w.schema());
  for (std::size_t i = 0; i < w.size(); ++i) {
    if (!rng.chance(0.4)) continue;
    auto t = access.transform(w, i);
    t.x += Fx::from_raw(rng.uniform_int(-30000, 30000));
    t.z += Fx::from_raw(rng.uniform_int(-30000, 30000));
    t.yaw += static_cast<std::int32_t>(rng.uniform(2000));
    access.set(w, w.id(i), t);
    if (rng.chance(0.2))
      access.set(w, w.id(i), reference::Health{static_cast<int>(rng.uniform(21)), 20});
  }
  if (frame % 3 == 0) {
    const EntityId id = 100 + frame;
    access.set(w, id,
               reference::Transform{Fx::from_int(rng.uniform_int(-40, 40)), Fx::from_int(64),
                                    Fx::from_int(rng.uniform_int(-40, 40)), 0, 0});
    access.set(w, id, reference::Velocity{Fx::from_int(1), Fx{}, Fx{}});
  }
  if (frame % 4 == 0 && w.size() > 5) w.remove_entity(w.id(rng.uniform(w.size())));
  if (frame % 5 == 0 && w.size() > 0) {
    access.set(w, w.id(rng.uniform(w.size())),
               reference::PlayerState{true, false, true, false, 3, 1});
  }
  WorldState& r = host.records();
  testing::set_position(r, 1 + rng.uniform(30), frame, 2, 3);
  if (frame % 6 == 0 && r.size() > 3) r.remove_entity(r.id(rng.uniform(r.size())));
  if (frame % 7 == 0) testing::set_velocity(r, 1 + rng.uniform(30), 1, 0, -1);
}

class Loopback : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(Loopback, HostAndTwoClientsConvergeThroughLossAndReordering) {
  transport::SimNet net(GetParam());
  auto& server = net.add_endpoint("host");
  auto& a = net.add_endpoint("client-a");
  auto& b = net.add_endpoint("client-b");
  transport::LinkConfig link;
  link.latency = milliseconds(30);
  link.jitter = milliseconds(8);
  link.loss = 0.1;
  link.duplicate = 0.05;
  link.reorder = 0.15;
  link.reorder_delay = milliseconds(60);
  net.set_links(server, a, link);
  net.set_links(server, b, link);

  ReplicationHostConfig config;
  config.entities.update_interval = milliseconds(50);  // an entity delta every 20 Hz frame
  ReplicationHost host(reference::schema(), testing::seed_schema(), config);
  ASSERT_TRUE(host.set_position_component(reference::kTransform).ok());
  {
    host.entities() = testing::reference_world(40, 7);
    for (EntityId id = 1; id <= 30; ++id) testing::set_position(host.records(), id, id, 0, 0);
  }

  std::vector<std::unique_ptr<Player>> players;
  players.push_back(std::make_unique<Player>(a));
  players.push_back(std::make_unique<Player>(b));
  std::map<std::uint64_t, Remote> remotes;  // by server-side connection id
  Rng rng(GetParam() * 7 + 1);

  auto frame_step = [&](std::uint32_t frame, bool changing, std::size_t joined) {
    // Connect the players whose time has come.
    for (std::size_t i = 0; i < joined; ++i) {
      if (players[i]->conn.value == 0) players[i]->conn = players[i]->endpoint->connect(server);
    }
    server.poll(Nanos(0));
    while (auto e = server.next_event()) {
      if (e->kind == EventKind::kConnected) {
        Remote r;
        r.id = host.add_client();
        host.interest_of(r.id)->set_view_distance(100);
        remotes.emplace(e->conn.value, std::move(r));
      } else if (e->kind == EventKind::kMessage) {
        Remote& r = remotes.at(e->conn.value);
        for (const auto& m : r.in.read(e->lane, e->payload)) {
          ASSERT_TRUE(host.on_message(r.id, m).ok());
        }
      }
    }
    if (changing) mutate(host, rng, frame);
    host.step(frame, milliseconds(50 * frame));
    for (auto& [conn, r] : remotes) {
      for (const auto& q : host.drain(r.id, 1 << 20)) {
        ASSERT_TRUE(
            server
                .send(ConnectionId{conn}, static_cast<Lane>(q.lane), r.out.frame(q.message, q.lane))
                .ok());
      }
    }
    for (auto& p : players) {
      if (p->conn.value == 0) continue;
      p->endpoint->poll(Nanos(0));
      while (auto e = p->endpoint->next_event()) {
        if (e->kind != EventKind::kMessage) continue;
        for (const auto& m : p->in.read(e->lane, e->payload)) {
          auto st = p->peer.on_message(m);
          if (!st.ok()) {  // only a delta whose baseline was lost may be refused
            ASSERT_EQ(st.error().code, ErrorCode::kState) << st.error().describe();
            ++p->rejected;
          }
        }
      }
      if (p->endpoint->connections().empty()) continue;
      protocol::InputBundle input;
      input.last_server_tick = p->peer.ack_tick();
      input.inputs.push_back(protocol::InputFrame{frame, ++p->input_sequence, 0, 0, 0, {}, {}});
      ASSERT_TRUE(p->endpoint->send(p->conn, Lane::kInput, p->out.frame(input)).ok());
      for (const auto& m : p->peer.take_outgoing()) {
        ASSERT_TRUE(p->endpoint
                        ->send(p->conn, Lane::kReplication,
                               p->out.frame(std::get<protocol::ClientReady>(m)))
                        .ok());
      }
    }
    net.advance_by(milliseconds(50));
  };

  std::uint32_t frame = 1;
  for (; frame <= 120; ++frame) frame_step(frame, true, frame < 30 ? 1 : 2);  // B joins late
  // The world stops changing; the network does not get better. Run until both converged.
  auto converged = [&] {
    for (const auto& p : players) {
      if (p->peer.records().canonical_bytes() != host.records().canonical_bytes()) return false;
      if (p->peer.entities().canonical_bytes() != host.entities().canonical_bytes()) return false;
    }
    return true;
  };
  const std::uint32_t settle_until = frame + 100;
  while (!converged() && frame < settle_until) frame_step(frame++, false, 2);
  ASSERT_TRUE(converged()) << "not converged after " << frame << " frames";
  RecordProperty("converged_at_frame", static_cast<int>(frame));
  EXPECT_EQ(players[0]->rejected + players[1]->rejected,
            players[0]->peer.replica().stats().missing_baseline +
                players[1]->peer.replica().stats().missing_baseline);
  EXPECT_EQ(players[0]->peer.entities().digest(), host.entities().digest());
  EXPECT_EQ(players[1]->peer.records().digest(), host.records().digest());
  // The network really was hostile, and the entity lane really carried deltas.
  const auto counters = net.link_counters(server, a);
  EXPECT_GT(counters.lost, 10u);
  EXPECT_GT(counters.reordered, 10u);
  for (const auto& [conn, r] : remotes) {
    EXPECT_GT(host.replicator(r.id)->stats().packets,
              host.replicator(r.id)->stats().full_state_packets * 4);
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, Loopback, ::testing::Values(2024, 7, 123456789));

}  // namespace
}  // namespace theta_net::replication
