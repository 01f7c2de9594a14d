// ReplicationHost's interest grid follows its entities: a moved entity is placed anew, and an
// entity that goes (with or without a position) leaves the grid and its scopes. Its clients'
// entity updates, run on a worker pool, give every client the same packets as one thread does.
#include "theta_net/replication/replication_host.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "theta_net/core/worker_pool.hpp"
#include "theta_net/replication/reference_components.hpp"

namespace theta_net::replication {
namespace {

std::vector<EntityId> seen_by(ReplicationHost& host, ReplicationHost::ClientId client) {
  std::vector<VisibleEntity> visible;
  host.interest().visible(*host.interest_of(client), visible);
  std::vector<EntityId> out;
  for (const auto& v : visible) out.push_back(v.id);
  return out;
}

TEST(ReplicationHost, TheGridFollowsMovedAndDepartedEntities) {
  ReplicationHost host(reference::schema(), reference::schema());
  ASSERT_TRUE(host.set_position_component(reference::kTransform).ok());
  const reference::ReferenceAccess ref(*reference::schema());
  auto put = [&](EntityId id, int x) {
    ref.set(host.entities(), id, reference::Transform{Fx::from_int(x), Fx{}, Fx{}, 0, 0});
  };
  for (EntityId id = 1; id <= 3; ++id) put(id, static_cast<int>(id));
  host.entities().add_entity(9);  // no position: seen through a scope only
  host.interest().set_scopes(9, {"debug.ai"});
  const auto client = host.add_client();
  host.interest_of(client)->set_view_distance(2);
  ASSERT_TRUE(host.interest_of(client)->set_scopes({"debug.ai"}).ok());
  host.step(1, Micros{0});
  EXPECT_EQ(seen_by(host, client), (std::vector<EntityId>{1, 2, 3, 9}));

  put(2, 100'000);  // far away
  host.step(2, Micros{0});
  EXPECT_EQ(seen_by(host, client), (std::vector<EntityId>{1, 3, 9}));

  host.entities().remove_entity(9);  // a position-less entity leaving
  host.step(3, Micros{0});
  EXPECT_EQ(seen_by(host, client), (std::vector<EntityId>{1, 3}));

  host.entities().remove_entity(1);
  put(4, 4);  // one going as another comes: the count stays
  host.step(4, Micros{0});
  EXPECT_EQ(seen_by(host, client), (std::vector<EntityId>{3, 4}));
  EXPECT_EQ(host.interest().size(), 3u) << "2, 3 and 4 hold a cell";
}

// 24 clients around 400 moving entities for 40 ticks of 50 ms, acknowledging now and then: what
// each client was sent, byte for byte, and how many clients had an entity update at each tick.
struct Sent {
  std::vector<std::string> bytes;
  std::vector<int> updated_at;
};
Sent sent_with(std::size_t threads, std::uint32_t phases) {
  WorkerPool pool(threads);
  ReplicationHostConfig config;
  config.entities.update_interval = Micros{100'000};
  config.update_phases = phases;
  ReplicationHost host(reference::schema(), reference::schema(), config);
  EXPECT_TRUE(host.set_position_component(reference::kTransform).ok());
  const reference::ReferenceAccess ref(*reference::schema());
  std::uint64_t state = 7;
  auto next = [&](int range) {
    state = state * 6364136223846793005u + 1442695040888963407u;
    return static_cast<int>((state >> 33) % static_cast<std::uint64_t>(range));
  };
  auto put = [&](EntityId id, int x, int z) {
    ref.set(host.entities(), id,
            reference::Transform{Fx::from_int(x), Fx::from_int(64), Fx::from_int(z),
                                 static_cast<std::int32_t>(id * 97), 0});
  };
  std::vector<std::pair<int, int>> at;
  for (EntityId id = 1; id <= 400; ++id) {
    at.emplace_back(next(160) - 80, next(160) - 80);
    put(id, at.back().first, at.back().second);
  }
  std::vector<ReplicationHost::ClientId> clients;
  for (int i = 0; i < 24; ++i) {
    clients.push_back(host.add_client());
    host.interest_of(clients.back())
        ->set_center(host.interest().cell_of(Fx::from_int(i * 6 - 72), Fx::from_int(64),
                                             Fx::from_int(i % 5 * 10 - 20)));
  }
  Sent sent;
  sent.bytes.resize(clients.size());
  for (std::uint32_t tick = 1; tick <= 40; ++tick) {
    sent.updated_at.push_back(0);
    for (std::size_t i = 0; i < at.size(); i += 1 + static_cast<std::size_t>(next(3))) {
      at[i].first += next(5) - 2;
      at[i].second += next(5) - 2;
      put(static_cast<EntityId>(i + 1), at[i].first, at[i].second);
    }
    if (tick == 20) host.entities().remove_entity(5);
    host.step(tick, Micros{tick * 50'000}, &pool);
    for (std::size_t c = 0; c < clients.size(); ++c) {
      if ((tick + c) % 3 == 0) {
        protocol::InputBundle ack;
        ack.last_server_tick = tick - 1;
        EXPECT_TRUE(host.on_message(clients[c], ack).ok());
      }
      for (const QueuedMessage& m : host.drain(clients[c], 1u << 20)) {
        sent.bytes[c] += std::to_string(m.message.type) + ":" + std::to_string(m.tick) + ":";
        sent.bytes[c].append(m.message.body.begin(), m.message.body.end());
        if (m.message.type == static_cast<std::uint16_t>(protocol::EntityDelta::kType)) {
          ++sent.updated_at.back();
        }
      }
    }
  }
  return sent;
}

TEST(ReplicationHost, EveryClientGetsTheSamePacketsWithAnyNumberOfWorkers) {
  for (std::uint32_t phases : {1u, 2u}) {
    const Sent alone = sent_with(0, phases);
    std::size_t total = 0;
    for (const std::string& s : alone.bytes) total += s.size();
    EXPECT_GT(total, 24u * 4000) << "the clients were sent entity updates";
    for (std::size_t threads : {1u, 3u}) {
      const Sent pooled = sent_with(threads, phases);
      ASSERT_EQ(pooled.bytes.size(), alone.bytes.size());
      for (std::size_t c = 0; c < alone.bytes.size(); ++c) {
        EXPECT_EQ(pooled.bytes[c], alone.bytes[c])
            << "client " << c << ", " << threads << " threads, " << phases << " phases";
      }
    }
  }
}

TEST(ReplicationHost, UpdatePhasesSpreadClientsOverTheInterval) {
  // Paced by the clock (one phase), all 24 clients update together every other tick; in two
  // phases, half of them update at every tick, each still once per two ticks.
  const Sent clock = sent_with(0, 1);
  const Sent phased = sent_with(0, 2);
  for (std::size_t t = 0; t < clock.updated_at.size(); ++t) {
    EXPECT_EQ(clock.updated_at[t], t % 2 == 0 ? 24 : 0) << "tick " << t + 1;
    EXPECT_EQ(phased.updated_at[t], 12) << "tick " << t + 1;
  }
}

}  // namespace
}  // namespace theta_net::replication
