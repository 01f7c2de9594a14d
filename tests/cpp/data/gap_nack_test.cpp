// Gaps on the replication lane (docs/data.md, "Gaps"), with planted losses between a DataHost and
// a ClientDB carried by hand: the mirror keeps what came after the gap and asks for exactly the
// missing versions (NackRequest); the host answers from its archive (shared batches, or one
// filtered batch) or, when the archive no longer reaches back or the view depends on cells, with
// a resync. The mirror stays ready and ends byte for byte equal to the server's store.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <utility>

#include "data_host_support.hpp"
#include "theta_net/data/client_db.hpp"

namespace theta_net::data {
namespace {

using namespace host_testing;
using namespace std::chrono_literals;

// One ClientDB on a host; `lose` decides which drained messages never arrive.
struct Link {
  Link(DataHost& h, ClientDbConfig config = {}) : host(h), db(arena_schema(), std::move(config)) {
    id = host.add_client(Micros(0), true);
    db.subscribe(Micros(0));
  }
  // Carries messages both ways until quiet; returns what the client received and keeps what
  // it sent.
  std::vector<protocol::AnyMessage> pump(Micros now = Micros(0)) {
    std::vector<protocol::AnyMessage> received;
    for (int round = 0; round < 64; ++round) {
      bool moved = false;
      db.handle_timeout(now);
      for (auto& m : db.take_outgoing()) {
        sent.push_back(m);
        moved = true;
        if (lose_outgoing && lose_outgoing(m)) continue;
        EXPECT_TRUE(host.on_message(id, m, now).ok());
      }
      for (auto& m : host.drain(id, 64u << 20)) {
        moved = true;
        if (lose && lose(m)) continue;
        if (hold && hold(m)) {
          held.push_back(std::move(m));
          continue;
        }
        take(m, now);
        received.push_back(std::move(m));
      }
      if (!moved) break;
    }
    return received;
  }
  void take(const protocol::AnyMessage& m, Micros now) {
    auto taken = db.on_message(m, now);
    EXPECT_TRUE(taken.ok()) << taken.error().describe();
  }
  // Delivers what `hold` kept back (still on its way until now).
  void release(Micros now) {
    for (const auto& m : std::exchange(held, {})) take(m, now);
  }
  DataHost& host;
  ClientDB db;
  DataHost::ClientId id = 0;
  std::function<bool(const protocol::AnyMessage&)> lose, lose_outgoing, hold;
  std::vector<protocol::AnyMessage> sent, held;
};

// Loses the DataBatches of versions in [first, last], each the first `times` times it is sent.
std::function<bool(const protocol::AnyMessage&)> lose_versions(Version first, Version last,
                                                               int times = 1) {
  auto lost = std::make_shared<std::map<Version, int>>();
  return [=](const protocol::AnyMessage& m) {
    const auto* b = std::get_if<protocol::DataBatch>(&m);
    if (!b || b->version < first || b->version > last) return false;
    return ++(*lost)[b->version] <= times;
  };
}

void populate(DataHost& host) {
  Transaction tx = host.transaction();
  for (int e = 1; e <= 50; ++e) {
    EXPECT_TRUE(tx.set("players", e, "position", "x", std::int64_t{e}).ok());
    EXPECT_TRUE(tx.set("items", e, "item", "count", std::int64_t{e}).ok());
  }
  EXPECT_TRUE(host.commit(tx).ok());
  host.flush(Micros(0));
}

// Version n+1 changes player n's hp and item n's count.
void write_version(DataHost& host, int n) {
  Transaction tx = host.transaction();
  EXPECT_TRUE(tx.set("players", 1 + n % 50, "health", "hp", std::int64_t{n % 100}).ok());
  EXPECT_TRUE(tx.set("items", 1 + n % 50, "item", "count", std::int64_t{n}).ok());
  EXPECT_TRUE(host.commit(tx).ok());
  host.flush(Micros(n));
}

// Writes versions 2..11, one pump each (so each is drained alone), losing versions 4..6.
void write_with_gap(DataHost& host, Link& link) {
  link.lose = lose_versions(4, 6);
  for (int n = 1; n <= 10; ++n) {
    write_version(host, n);
    link.pump(Micros(n));
  }
  link.lose = nullptr;
}

std::vector<protocol::NackRequest> nacks(const std::vector<protocol::AnyMessage>& sent) {
  return all_of<protocol::NackRequest>(sent);
}

TEST(GapNack, AMissingRunOfVersionsIsAskedForExactlyAndFilledFromTheArchive) {
  DataHost host(arena_schema());
  populate(host);
  Link link(host);
  link.pump();
  ASSERT_EQ(link.db.status().state, SyncState::kReady);
  for (int n = 1; n <= 2; ++n) {
    write_version(host, n);
    link.pump(Micros(n));
  }
  // Versions 4 and 5 are lost on the way; the answer is held up on its way, so that the batch
  // kept after the gap is seen waiting.
  link.lose = lose_versions(4, 5);
  link.hold = [](const protocol::AnyMessage& m) {
    const auto* b = std::get_if<protocol::DataBatch>(&m);
    return b && b->version < 6;
  };
  for (int n = 3; n <= 5; ++n) {
    write_version(host, n);
    link.pump(Micros(n));
  }
  // Version 6 came (based at 5): the mirror holds 3, keeps it, and asked for 4..5.
  EXPECT_EQ(link.db.version(), 3u);
  EXPECT_EQ(link.db.status().state, SyncState::kReady) << "a gap does not end the sync";
  ASSERT_EQ(nacks(link.sent).size(), 1u);
  const protocol::NackRequest asked = nacks(link.sent)[0];
  EXPECT_EQ(asked.lane, protocol::LaneId::kReplication);
  EXPECT_EQ(asked.from_version, 3u);
  EXPECT_EQ(asked.to_version, 5u);
  EXPECT_TRUE(asked.sequences.empty());

  // The client is still ready: its writes are taken while the gap is open.
  Transaction mine(link.db.view().schema_ptr());
  ASSERT_TRUE(mine.set("items", 7, "item", "kind", std::int64_t{3}).ok());
  ASSERT_TRUE(link.db.write(mine).ok());
  // The same request again (a client that asks twice) is answered once.
  ASSERT_TRUE(host.on_message(link.id, protocol::AnyMessage{asked}, Micros(6)).ok());
  link.pump(Micros(6));

  // The answer arrives: the missing versions, then the kept one applies.
  const std::vector<protocol::AnyMessage> answer = link.held;
  link.hold = nullptr;
  link.release(Micros(6));
  const auto batches = all_of<protocol::DataBatch>(answer);
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0].base_version, 3u);
  EXPECT_EQ(batches[1].version, 5u);
  EXPECT_TRUE(all_of<protocol::DataSyncBegin>(answer).empty()) << "no new sync";
  EXPECT_EQ(link.db.version(), 6u) << "the kept batch followed the answer";
  EXPECT_EQ(link.db.gaps_filled(), 1u);
  host.flush(Micros(7));  // commits the client's write
  link.pump(Micros(7));
  EXPECT_EQ(link.db.pending_writes(), 0u);
  EXPECT_EQ(link.db.view().canonical_bytes(), host.store().canonical_bytes());
  EXPECT_EQ(host.stats(link.id)->syncs_full, 1u);
  EXPECT_EQ(host.stats(link.id)->syncs_archive, 0u);
  EXPECT_EQ(host.stats(link.id)->nacks_answered, 1u);
  EXPECT_EQ(host.stats(link.id)->nack_resyncs, 0u);
  EXPECT_EQ(host.stats(link.id)->writes_accepted, 1u);
}

TEST(GapNack, BatchesKeptAfterAGapApplyInOrderOnceItIsFilled) {
  DataHost host(arena_schema());
  populate(host);
  Link link(host);
  link.pump();
  std::vector<Version> seen;
  ASSERT_TRUE(
      link.db.on_table("items", [&](const Change&) { seen.push_back(link.db.version()); }).ok());
  write_with_gap(host, link);
  // Versions 7..11 were kept while 4..6 were asked for; the answer filled the gap and the kept
  // ones followed, each once, in order.
  EXPECT_EQ(link.db.version(), 11u);
  EXPECT_EQ(link.db.view().canonical_bytes(), host.store().canonical_bytes());
  EXPECT_EQ(nacks(link.sent).size(), 1u);
  EXPECT_EQ(nacks(link.sent)[0].from_version, 3u);
  EXPECT_EQ(nacks(link.sent)[0].to_version, 6u);
  EXPECT_EQ(link.db.nacks_sent(), 1u);
  EXPECT_EQ(link.db.gaps_filled(), 1u);
  const std::vector<Version> in_order = {2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  EXPECT_EQ(seen, in_order);
  EXPECT_EQ(host.stats(link.id)->syncs_full, 1u);
  EXPECT_EQ(host.stats(link.id)->nacks_answered, 1u);
  EXPECT_TRUE(all_of<protocol::DataSubscribe>(link.sent).size() == 1u) << "never resubscribed";
}

TEST(GapNack, AClientTakingSomeTablesGetsOneFilteredBatchForTheGap) {
  DataHost host(arena_schema());
  populate(host);
  ClientDbConfig config;
  config.tables = {"items"};
  Link link(host, config);
  link.pump();
  write_with_gap(host, link);
  EXPECT_EQ(link.db.version(), 11u);
  EXPECT_EQ(link.db.view().digest(), restricted(host.store(), {"items"}, {}).digest());
  EXPECT_EQ(host.stats(link.id)->nacks_answered, 1u);
  EXPECT_EQ(host.stats(link.id)->syncs_full, 1u);
}

TEST(GapNack, AClientRestrictedByCellsIsResyncedInstead) {
  DataHost host(arena_schema());
  populate(host);
  ClientDbConfig config;
  config.cells = {{0, 0, 0}, {1, 0, 0}, {2, 0, 0}, {3, 0, 0}};
  Link link(host, config);
  link.pump();
  write_with_gap(host, link);
  EXPECT_EQ(link.db.version(), 11u);
  EXPECT_EQ(link.db.view().digest(), restricted(host.store(), {}, config.cells).digest());
  EXPECT_EQ(host.stats(link.id)->nacks_answered, 0u);
  EXPECT_EQ(host.stats(link.id)->nack_resyncs, 1u);
  EXPECT_EQ(host.stats(link.id)->syncs_full, 2u);
}

TEST(GapNack, AGapPastTheArchiveIsAnsweredWithAResyncFromTheVersionHeld) {
  DataHostConfig config;
  config.archive.max_batches = 3;
  DataHost host(arena_schema(), config);
  populate(host);
  Link link(host);
  link.pump();
  write_with_gap(host, link);  // by the time 7 arrives the archive starts past 3
  EXPECT_EQ(link.db.version(), 11u);
  EXPECT_EQ(link.db.view().canonical_bytes(), host.store().canonical_bytes());
  EXPECT_EQ(host.stats(link.id)->nack_resyncs, 1u);
  EXPECT_EQ(host.stats(link.id)->nacks_answered, 0u);
  EXPECT_EQ(host.stats(link.id)->syncs_full, 2u);
}

TEST(GapNack, AResyncWhileAGapIsOpenStartsFromTheVersionTheClientHolds) {
  DataHost host(arena_schema());
  populate(host);
  Link link(host);
  link.pump();
  for (int n = 1; n <= 2; ++n) {
    write_version(host, n);
    link.pump(Micros(n));
  }
  // Versions 4 and 5 vanish; 6 shows the gap, but the NackRequest is slow to reach the host.
  link.lose = lose_versions(4, 5);
  link.lose_outgoing = [](const protocol::AnyMessage& m) {
    return std::holds_alternative<protocol::NackRequest>(m);
  };
  for (int n = 3; n <= 5; ++n) {
    write_version(host, n);
    link.pump(Micros(n));
  }
  ASSERT_EQ(nacks(link.sent).size(), 1u);
  // Meanwhile the host drops the client's queue (a stall): it would restart it from version 6,
  // the newest drained. The NackRequest arriving now says the client holds 3.
  write_version(host, 6);
  host.handle_timeout(Micros(6) + DataHostConfig{}.stalled_after);
  EXPECT_EQ(host.stats(link.id)->stalls, 1u);
  ASSERT_TRUE(host.on_message(link.id, protocol::AnyMessage{nacks(link.sent)[0]}, Micros(7)).ok());
  link.lose_outgoing = nullptr;
  const auto resync = link.pump(Micros(7));
  const auto begins = all_of<protocol::DataSyncBegin>(resync);
  ASSERT_EQ(begins.size(), 1u);
  EXPECT_EQ(begins[0].mode, protocol::DataSyncMode::kArchive);
  const auto batches = all_of<protocol::DataBatch>(resync);
  ASSERT_FALSE(batches.empty());
  EXPECT_EQ(batches[0].base_version, 3u) << "the catch-up starts where the client is";
  EXPECT_EQ(link.db.version(), 7u);
  EXPECT_EQ(link.db.view().canonical_bytes(), host.store().canonical_bytes());
  EXPECT_EQ(nacks(link.sent).size(), 1u) << "no second request";
  EXPECT_EQ(all_of<protocol::DataSubscribe>(link.sent).size(), 1u);
}

TEST(GapNack, ATableSyncAfterALostBatchIsNotAppliedOverTheGap) {
  DataHost host(arena_schema());
  populate(host);
  Link link(host);
  link.pump();
  Op broken;
  broken.table = kItems;
  broken.entity = 9;
  broken.writes = {{0, {{1, Value{std::int64_t{999}}}}}};
  ASSERT_TRUE(link.db.corrupt_for_testing({broken}).ok());
  // Version 2's state hash makes the mirror ask for items again (the request is slow).
  link.lose_outgoing = [](const protocol::AnyMessage& m) {
    return std::holds_alternative<protocol::DataResync>(m);
  };
  write_version(host, 1);
  link.pump(Micros(1));
  const auto resyncs = all_of<protocol::DataResync>(link.sent);
  ASSERT_EQ(resyncs.size(), 1u);
  // Version 3 changes players and is lost; the table sync of items follows it, at version 3.
  link.lose = lose_versions(3, 3);
  link.lose_outgoing = nullptr;
  write_version(host, 2);
  ASSERT_TRUE(host.on_message(link.id, protocol::AnyMessage{resyncs[0]}, Micros(2)).ok());
  link.pump(Micros(2));
  // Applying it would have moved the mirror to version 3 without version 3's players; it asked
  // for everything after 2 instead.
  EXPECT_EQ(link.db.version(), 3u);
  EXPECT_EQ(link.db.confirmed_table_hash(kPlayers), host.store().table(kPlayers).state_hash());
  EXPECT_EQ(all_of<protocol::DataSubscribe>(link.sent).size(), 2u);
  // The next state hash finds items broken still, and the table sync repairs them.
  write_version(host, 3);
  link.pump(Micros(3));
  EXPECT_EQ(link.db.table_resyncs(), 1u);
  EXPECT_EQ(link.db.view().canonical_bytes(), host.store().canonical_bytes());
}

TEST(GapNack, BadRequestsAreRefusedWithTheReason) {
  DataHost host(arena_schema());
  populate(host);
  Link link(host);
  link.pump();
  write_version(host, 1);
  link.pump(Micros(1));
  for (const auto& [from, to, says] :
       {std::tuple<Version, Version, const char*>{2, 2, "an empty range"},
        {1, 9, "the newest version sent to this client is 2"}}) {
    protocol::NackRequest nack;
    nack.lane = protocol::LaneId::kReplication;
    nack.from_version = from;
    nack.to_version = to;
    ASSERT_TRUE(host.on_message(link.id, protocol::AnyMessage{nack}, Micros(2)).ok());
    const auto refused = all_of<protocol::DataRefused>(host.drain(link.id, 1u << 20));
    ASSERT_EQ(refused.size(), 1u);
    EXPECT_EQ(refused[0].reason, protocol::DataRefuseReason::kBadVersion);
    EXPECT_NE(refused[0].text.find(says), std::string::npos) << refused[0].text;
    link.db.subscribe(Micros(2));  // the refusal stopped the sync: start another
    link.pump(Micros(2));
  }
  // Another lane's NackRequest is not the data host's: an error, nothing queued.
  protocol::NackRequest assets;
  assets.lane = protocol::LaneId::kAssets;
  EXPECT_FALSE(host.on_message(link.id, protocol::AnyMessage{assets}, Micros(3)).ok());
}

TEST(GapNack, AnOlderSessionOrAnUnansweredRequestResubscribesInstead) {
  {
    DataHost host(arena_schema());
    populate(host);
    Link link(host);
    link.pump();
    link.db.set_protocol_minor(3);  // a 1.3 server cannot answer a NackRequest for versions
    write_with_gap(host, link);
    EXPECT_TRUE(nacks(link.sent).empty());
    EXPECT_EQ(all_of<protocol::DataSubscribe>(link.sent).size(), 2u);
    EXPECT_EQ(link.db.view().canonical_bytes(), host.store().canonical_bytes());
  }
  {
    DataHost host(arena_schema());
    populate(host);
    ClientDbConfig config;
    config.nack_timeout = 100ms;
    Link link(host, config);
    link.pump();
    link.lose_outgoing = [](const protocol::AnyMessage& m) {
      return std::holds_alternative<protocol::NackRequest>(m);
    };
    write_with_gap(host, link);
    EXPECT_EQ(link.db.version(), 3u) << "waiting for the answer";
    EXPECT_EQ(all_of<protocol::DataSubscribe>(link.sent).size(), 1u);
    link.pump(Micros(10) + 100ms);
    EXPECT_EQ(all_of<protocol::DataSubscribe>(link.sent).size(), 2u);
    EXPECT_EQ(link.db.version(), 11u);
    EXPECT_EQ(link.db.view().canonical_bytes(), host.store().canonical_bytes());
  }
}

TEST(GapNack, WhatAGapKeepsIsBounded) {
  DataHost host(arena_schema());
  populate(host);
  ClientDbConfig config;
  config.max_held_back_bytes = 2 * 128 + 100;  // two small kept batches, not five
  Link link(host, config);
  link.pump();
  link.lose_outgoing = [](const protocol::AnyMessage& m) {
    return std::holds_alternative<protocol::NackRequest>(m);
  };
  write_with_gap(host, link);
  // Past the bound the mirror gave up on the gap and asked for everything after 3 instead.
  EXPECT_EQ(nacks(link.sent).size(), 1u);
  EXPECT_EQ(all_of<protocol::DataSubscribe>(link.sent).size(), 2u);
  EXPECT_EQ(link.db.version(), 11u);
  EXPECT_EQ(link.db.view().canonical_bytes(), host.store().canonical_bytes());
}

TEST(GapNack, TheSamePlantedGapsGiveByteIdenticalTraffic) {
  auto run = [] {
    DataHost host(arena_schema());
    populate(host);
    Link link(host);
    link.pump();
    write_with_gap(host, link);
    Bytes wire;
    for (const auto& m : link.sent) {
      Bytes body;
      EXPECT_TRUE(protocol::encode_body(m, body).ok());
      wire.insert(wire.end(), body.begin(), body.end());
    }
    for (const auto& b : all_of<protocol::DataBatch>(link.pump(Micros(20)))) {
      wire.insert(wire.end(), b.payload.begin(), b.payload.end());
    }
    const Bytes mirror = link.db.view().canonical_bytes();
    wire.insert(wire.end(), mirror.begin(), mirror.end());
    return wire;
  };
  EXPECT_EQ(run(), run());
}

}  // namespace
}  // namespace theta_net::data
