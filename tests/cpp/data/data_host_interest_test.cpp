// DataHost interest and packing: batches filtered by table and by cell (entities entering and
// leaving a client's cells), zstd with and without a dictionary, and byte-identical output for
// identical input.
#include <gtest/gtest.h>

#include "data_host_support.hpp"
#include "theta_net/core/rng.hpp"

namespace theta_net::data {
namespace {

using namespace host_testing;

TEST(DataHostInterest, AClientOfOneTableGetsOnlyItsOpsAndSkipsOtherVersions) {
  DataHost host(arena_schema());
  const auto all = host.add_client(Micros(0));
  const auto some = host.add_client(Micros(0));
  Mirror ma(arena_schema()), ms(arena_schema());
  ms.tables = {"items"};
  ASSERT_TRUE(host.on_message(all, ma.subscribe(), Micros(0)).ok());
  ASSERT_TRUE(host.on_message(some, ms.subscribe(), Micros(0)).ok());
  pump(host, all, ma);
  pump(host, some, ms);
  put_player(host, 1, 0, 0, 0);
  put_item(host, 10, 2, 5);
  host.flush(Micros(1));  // v1: both tables
  put_player(host, 2, 0, 0, 0);
  host.flush(Micros(2));  // v2: players only
  put_item(host, 11, 3, 1);
  host.flush(Micros(3));  // v3: items
  pump(host, all, ma);
  const auto messages = pump(host, some, ms);
  EXPECT_EQ(ma.store, host.store());
  const auto batches = all_of<protocol::DataBatch>(messages);
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0].base_version, 0u);
  EXPECT_EQ(batches[0].version, 1u);
  EXPECT_EQ(batches[0].ops, 1u);
  EXPECT_EQ(batches[1].base_version, 1u);  // version 2 held nothing for it
  EXPECT_EQ(batches[1].version, 3u);
  EXPECT_EQ(ms.store.digest(), restricted(host.store(), {"items"}, {}).digest());
  EXPECT_EQ(ms.store.version(), 3u);
}

TEST(DataHostInterest, ATableSubsetCatchesUpFromTheArchiveInOneBatch) {
  DataHost host(arena_schema());
  for (int v = 1; v <= 6; ++v) {
    put_player(host, static_cast<EntityId>(v), v, 0, 0);
    if (v % 2 == 0) put_item(host, static_cast<EntityId>(v), v % 16, v);
    host.flush(Micros(v));
  }
  const auto c = host.add_client(Micros(0));
  Mirror m(arena_schema());
  m.tables = {"items"};
  ASSERT_TRUE(host.on_message(c, m.subscribe(), Micros(7)).ok());
  pump(host, c, m);
  for (int v = 7; v <= 12; ++v) {
    put_player(host, static_cast<EntityId>(v), v, 0, 0);
    if (v % 3 == 0) put_item(host, static_cast<EntityId>(v), v % 16, v);
    host.flush(Micros(v));
  }
  const auto again = host.add_client(Micros(13));
  ASSERT_TRUE(host.on_message(again, m.subscribe(6), Micros(13)).ok());
  const auto messages = pump(host, again, m);
  EXPECT_EQ(std::get<protocol::DataSyncBegin>(messages.at(0)).mode,
            protocol::DataSyncMode::kArchive);
  const auto batches = all_of<protocol::DataBatch>(messages);
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].base_version, 6u);
  EXPECT_EQ(batches[0].version, 12u);
  EXPECT_EQ(m.store.digest(), restricted(host.store(), {"items"}, {}).digest());
}

TEST(DataHostInterest, EntitiesEnteringAndLeavingCellsAreSentWholeOrRemoved) {
  DataHost host(arena_schema());
  const auto c = host.add_client(Micros(0));
  Mirror m(arena_schema());
  m.cells = {{0, 0, 0}, {1, 0, 0}};   // x in [0, 32) blocks, y and z in [0, 16)
  put_player(host, 1, 5, 5, 5, 90);   // inside
  put_player(host, 2, 40, 5, 5, 80);  // outside
  put_item(host, 9, 1, 1);            // not spatial: always seen
  host.flush(Micros(1));
  ASSERT_TRUE(host.on_message(c, m.subscribe(), Micros(1)).ok());
  const auto synced = pump(host, c, m);
  EXPECT_EQ(std::get<protocol::DataSyncBegin>(synced.at(0)).entities_total, 2u);
  EXPECT_EQ(m.store.digest(), restricted(host.store(), {}, m.cells).digest());

  put_player(host, 2, 20, 5, 5, 80);  // enters
  put_player(host, 1, -1, 5, 5, 90);  // leaves (x = -1 is cell -1)
  host.flush(Micros(2));
  auto messages = pump(host, c, m);
  auto batch = all_of<protocol::DataBatch>(messages).at(0);
  auto ops = decode_ops(host.schema(), batch.payload, batch.ops);
  ASSERT_TRUE(ops.ok());
  ASSERT_EQ(ops->size(), 2u);
  EXPECT_EQ((*ops)[0].entity, 2u);
  EXPECT_EQ((*ops)[0].kind, OpKind::kUpsert);
  EXPECT_EQ((*ops)[0].writes.size(), 2u);  // whole: position and health
  EXPECT_EQ((*ops)[1].entity, 1u);
  EXPECT_EQ((*ops)[1].kind, OpKind::kRemoveEntity);
  EXPECT_EQ(m.store.digest(), restricted(host.store(), {}, m.cells).digest());

  // Moving outside, changing outside, or a profile of an unseen player: nothing for it.
  put_player(host, 1, -50, 5, 5, 10);
  host.flush(Micros(3));
  EXPECT_TRUE(all_of<protocol::DataBatch>(pump(host, c, m)).empty());  // items' hash only
  // Losing the position component takes it out of every cell.
  Transaction drop = host.transaction();
  ASSERT_TRUE(drop.remove_component("players", 2, "position").ok());
  ASSERT_TRUE(host.commit(drop).ok());
  host.flush(Micros(4));
  pump(host, c, m);
  EXPECT_EQ(m.store.digest(), restricted(host.store(), {}, m.cells).digest());
  EXPECT_FALSE(m.store.table(kPlayers).find(2).has_value());
}

TEST(DataHostInterest, RandomMovesKeepEveryViewEqualToItsRestrictedStore) {
  DataHost host(arena_schema());
  struct View {
    DataHost::ClientId id;
    Mirror m;
  };
  std::vector<View> views;
  const std::vector<std::vector<protocol::Vec3i>> cells = {
      {}, {{0, 0, 0}}, {{-1, 0, 0}, {0, 0, 0}, {1, 0, 0}}, {{2, 0, 0}}};
  for (const auto& c : cells) {
    View v{host.add_client(Micros(0)), Mirror(arena_schema())};
    v.m.cells = c;
    ASSERT_TRUE(host.on_message(v.id, v.m.subscribe(), Micros(0)).ok());
    views.push_back(std::move(v));
  }
  Rng rng(7);
  for (int step = 1; step <= 200; ++step) {
    for (int k = 0; k < 4; ++k) {
      const EntityId e = 1 + rng.uniform(12);
      const int roll = static_cast<int>(rng.uniform(10));
      if (roll == 0) {
        Transaction tx = host.transaction();
        ASSERT_TRUE(tx.remove_entity("players", e).ok());
        ASSERT_TRUE(host.commit(tx).ok());
      } else if (roll == 1) {
        Transaction tx = host.transaction();
        ASSERT_TRUE(
            tx.set("players", e, "profile", "title", std::string("p") + std::to_string(step)).ok());
        ASSERT_TRUE(host.commit(tx).ok());
      } else {
        put_player(host, e, static_cast<int>(rng.uniform_int(-20, 50)),
                   static_cast<int>(rng.uniform(16)), 3, static_cast<int>(rng.uniform(101)));
      }
    }
    host.flush(Micros(step));
    for (auto& v : views) {
      if (rng.uniform(3) != 0) pump(host, v.id, v.m, Micros(step));
    }
  }
  for (auto& v : views) {
    pump(host, v.id, v.m);
    EXPECT_EQ(v.m.store.digest(), restricted(host.store(), {}, v.m.cells).digest());
    // State hashes come of the tables mirrored whole only (players by cell are not), each equal
    // to the mirror's at the version it holds.
    EXPECT_EQ(v.m.hash_mismatches, 0);
    for (const auto& h : v.m.state_hashes) {
      EXPECT_EQ(h.tables.size(), v.m.cells.empty() ? 2u : 1u);
    }
  }
  EXPECT_FALSE(views[0].m.state_hashes.empty());
}

TEST(DataHostInterest, BigBatchesGoCompressedWhenAgreed) {
  DataHostConfig config;
  config.compress_above = 256;
  DataHost host(arena_schema(), config);
  const auto plain = host.add_client(Micros(0), false);
  const auto packed = host.add_client(Micros(0), true);
  Mirror mp(arena_schema()), mz(arena_schema());
  ASSERT_TRUE(host.on_message(plain, mp.subscribe(), Micros(0)).ok());
  ASSERT_TRUE(host.on_message(packed, mz.subscribe(), Micros(0)).ok());
  pump(host, plain, mp);
  pump(host, packed, mz);
  for (EntityId e = 1; e <= 60; ++e) put_player(host, e, 1, 2, 3, 50);
  host.flush(Micros(1));
  put_player(host, 1, 1, 2, 4);  // a small batch stays plain
  host.flush(Micros(2));
  const auto p = all_of<protocol::DataBatch>(pump(host, plain, mp));
  const auto z = all_of<protocol::DataBatch>(pump(host, packed, mz));
  ASSERT_EQ(p.size(), 2u);
  ASSERT_EQ(z.size(), 2u);
  EXPECT_EQ(p[0].encoding, protocol::DataEncoding::kPlain);
  EXPECT_EQ(z[0].encoding, protocol::DataEncoding::kZstd);
  EXPECT_LT(z[0].payload.size() * 3, p[0].payload.size());
  EXPECT_EQ(z[0].raw_bytes, p[0].payload.size());
  EXPECT_EQ(z[1].encoding, protocol::DataEncoding::kPlain);
  EXPECT_EQ(mp.store, host.store());
  EXPECT_EQ(mz.store, host.store());
}

TEST(DataHostInterest, ARecordedDictionaryShrinksBatchesFurther) {
  std::vector<Bytes> recording;
  DataHostConfig config;
  config.compress_above = 64;
  config.record_batch = [&](Version, ByteSpan payload) {
    recording.emplace_back(payload.begin(), payload.end());
  };
  auto play = [](DataHost& host, Rng& rng, int batches) {
    for (int b = 0; b < batches; ++b) {
      for (int k = 0; k < 6; ++k) {
        Transaction tx = host.transaction();
        const EntityId e = 1000 + rng.uniform(50);
        EXPECT_TRUE(tx.set("players", e, "health", "hp",
                           std::int64_t{static_cast<int>(rng.uniform(5)) * 20})
                        .ok());
        EXPECT_TRUE(
            tx.set("players", e, "profile", "title",
                   std::string(rng.uniform(2) ? "knight of the realm" : "wandering merchant"))
                .ok());
        EXPECT_TRUE(host.commit(tx).ok());
      }
      host.flush(Micros(b));
    }
  };
  DataHost recorder(arena_schema(), config);
  Rng rng(11);
  play(recorder, rng, 300);
  ASSERT_EQ(recording.size(), 300u);
  auto dictionary = BatchCompressor::train(recording, 4096);
  ASSERT_TRUE(dictionary.ok()) << dictionary.error().describe();

  DataHost host(arena_schema(), config);
  ASSERT_TRUE(host.set_dictionary(*dictionary).ok());
  const auto without = host.add_client(Micros(0), true);
  const auto with = host.add_client(Micros(0), true);
  Mirror m0(arena_schema()), m1(arena_schema());
  m1.dictionary_ids = {host.dictionary_id()};
  ASSERT_TRUE(m1.zstd.set_dictionary(*dictionary).ok());
  ASSERT_TRUE(host.on_message(without, m0.subscribe(), Micros(0)).ok());
  ASSERT_TRUE(host.on_message(with, m1.subscribe(), Micros(0)).ok());
  const auto begin0 = std::get<protocol::DataSyncBegin>(pump(host, without, m0).at(0));
  const auto begin1 = std::get<protocol::DataSyncBegin>(pump(host, with, m1).at(0));
  EXPECT_EQ(begin0.dictionary_id, 0u);
  EXPECT_EQ(begin1.dictionary_id, host.dictionary_id());
  Rng fresh(12);  // unseen batches of the same shape
  play(host, fresh, 100);
  std::size_t raw = 0, zstd = 0, dict = 0;
  for (const auto& b : all_of<protocol::DataBatch>(pump(host, without, m0))) {
    raw += b.raw_bytes;
    zstd += b.payload.size();
  }
  for (const auto& b : all_of<protocol::DataBatch>(pump(host, with, m1))) {
    EXPECT_EQ(b.encoding, protocol::DataEncoding::kZstdDictionary);
    dict += b.payload.size();
  }
  EXPECT_LT(dict * 3, zstd * 2) << "raw " << raw << ", zstd " << zstd << ", zstd+dictionary "
                                << dict;
  EXPECT_EQ(m0.store, host.store());
  EXPECT_EQ(m1.store, host.store());
}

// One scripted run: every message any client received, encoded.
std::vector<Bytes> scripted_run() {
  DataHostConfig config;
  config.snapshot_chunk_bytes = 200;
  config.compress_above = 128;
  config.max_queue_bytes = 3000;
  DataHost host(arena_schema(), config);
  std::vector<DataHost::ClientId> ids;
  std::vector<Mirror> mirrors;
  for (int i = 0; i < 4; ++i) {
    ids.push_back(host.add_client(Micros(0), i % 2 == 1));
    mirrors.emplace_back(arena_schema());
  }
  mirrors[2].tables = {"players"};
  mirrors[3].cells = {{0, 0, 0}, {1, 1, 0}};
  std::vector<Bytes> out;
  Rng rng(99);
  for (int step = 1; step <= 120; ++step) {
    for (int k = 0; k < 3; ++k) {
      put_player(host, 1 + rng.uniform(30), static_cast<int>(rng.uniform_int(-10, 40)),
                 static_cast<int>(rng.uniform(20)), 0, static_cast<int>(rng.uniform(101)));
    }
    if (step % 7 == 0) put_item(host, rng.uniform(10), 1, static_cast<int>(rng.uniform(100)));
    host.flush(Micros(step * 1000));
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (step == static_cast<int>(5 * i + 1)) {
        EXPECT_TRUE(host.on_message(ids[i], mirrors[i].subscribe(), Micros(step)).ok());
      }
      if (rng.uniform(4) == 0) continue;
      for (auto& body :
           encoded(pump(host, ids[i], mirrors[i], Micros(step), 1 + rng.uniform(900)))) {
        out.push_back(std::move(body));
      }
    }
  }
  return out;
}

TEST(DataHostInterest, TheSameInputGivesByteIdenticalMessages) {
  const auto a = scripted_run();
  const auto b = scripted_run();
  EXPECT_GT(a.size(), 200u);
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace theta_net::data
