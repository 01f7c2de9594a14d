#include "theta_net/replication/entity_codec.hpp"

#include <gtest/gtest.h>

#include "test_worlds.hpp"
#include "theta_net/replication/bit_model_coder.hpp"

namespace theta_net::replication {
namespace {

using F = FieldDescriptor;

// A schema with every field kind and awkward ranges.
std::shared_ptr<const Schema> mixed_schema() {
  return Schema::make(
             {ComponentType::make(
                  "body", {F::position("x", -256, 256, 9), F::position("y", -256, 256, 9),
                           F::position("z", 0, 32, 9), F::quaternion("q", 9), F::boolean("awake")})
                  .value(),
              ComponentType::make("look", {F::angle("yaw"), F::angle("pitch", 16)}).value(),
              ComponentType::make(
                  "wide", {F::integer("big", -(std::int64_t{1} << 61), (std::int64_t{1} << 61) - 1),
                           F::integer("pair", 7, 8), F::integer("one", 3, 3)})
                  .value(),
              reference::velocity_type()})
      .value();
}

// Random valid codes for component k.
void random_component(WorldState& w, EntityId id, std::size_t k, Rng& rng) {
  const ComponentType& t = w.schema().type(k);
  std::vector<std::int64_t> codes(static_cast<std::size_t>(t.slots()));
  for (std::size_t f = 0; f < t.fields().size(); ++f) {
    const F& fd = t.fields()[f];
    auto* c = codes.data() + t.slot_of(f);
    if (fd.kind == FieldKind::kQuaternion) {
      c[0] = static_cast<std::int64_t>(rng.uniform(4));
      for (int i = 1; i < 4; ++i) c[i] = rng.uniform_int(0, fd.code_max());
    } else {
      c[0] = rng.uniform_int(fd.code_min(), fd.code_max());
    }
  }
  ASSERT_TRUE(w.set_codes(id, k, codes).ok());
}

// Nudges some fields of an entity by small amounts (what moving things do).
void nudge(WorldState& w, std::size_t index, Rng& rng) {
  const Schema& s = w.schema();
  for (std::size_t k = 0; k < s.size(); ++k) {
    if (!(w.mask(index) >> k & 1) || rng.chance(0.5)) continue;
    std::vector<std::int64_t> codes(w.codes(index, k).begin(), w.codes(index, k).end());
    const ComponentType& t = s.type(k);
    for (std::size_t f = 0; f < t.fields().size(); ++f) {
      if (rng.chance(0.4)) continue;
      const F& fd = t.fields()[f];
      const int first = fd.kind == FieldKind::kQuaternion ? 1 : 0;
      for (int i = first; i < fd.slots(); ++i) {
        auto& c = codes[static_cast<std::size_t>(t.slot_of(f) + i)];
        const std::int64_t lo = fd.kind == FieldKind::kQuaternion ? 0 : fd.code_min();
        c = std::clamp(c + rng.uniform_int(-40, 40), lo, fd.code_max());
      }
    }
    ASSERT_TRUE(w.set_codes(w.id(index), k, codes).ok());
  }
}

WorldState random_world(std::shared_ptr<const Schema> schema, std::size_t count, Rng& rng) {
  WorldState w(std::move(schema));
  for (std::size_t n = 0; n < count; ++n) {
    const EntityId id = rng.chance(0.05) ? ~std::uint64_t{0} - rng.uniform(3) : rng.uniform(5000);
    w.add_entity(id);
    for (std::size_t k = 0; k < w.schema().size(); ++k) {
      if (rng.chance(0.6)) random_component(w, id, k, rng);
    }
  }
  return w;
}

// The next frame: updates, component inserts and removals, spawns, despawns.
WorldState evolve(const WorldState& prev, Rng& rng) {
  WorldState w = prev;
  for (std::size_t i = 0; i < w.size(); ++i) {
    if (rng.chance(0.3)) nudge(w, i, rng);
  }
  for (int n = 0; n < 5 && !w.empty(); ++n) {
    const EntityId id = w.id(rng.uniform(w.size()));
    const std::size_t k = rng.uniform(w.schema().size());
    if (rng.chance(0.5)) {
      w.remove_component(id, k);
    } else {
      random_component(w, id, k, rng);
    }
  }
  for (int n = 0; n < 3 && !w.empty(); ++n) w.remove_entity(w.id(rng.uniform(w.size())));
  for (int n = 0; n < 3; ++n) {
    const EntityId id = 5000 + rng.uniform(100000);
    random_component(w, id, rng.uniform(w.schema().size()), rng);
  }
  return w;
}

TEST(EntityCodec, FullStateRoundTrips) {
  Rng rng(1);
  auto schema = mixed_schema();
  EntityCodec codec(schema);
  WorldState empty(schema);
  for (int round = 0; round < 20; ++round) {
    auto world = random_world(schema, 1 + rng.uniform(200), rng);
    const Bytes payload = codec.encode(empty, world);
    auto back = codec.decode(empty, payload);
    ASSERT_TRUE(back.ok()) << back.error().describe();
    ASSERT_EQ(*back, world) << "round " << round;
  }
}

TEST(EntityCodec, DeltasRoundTripAgainstAnyBaseline) {
  Rng rng(2);
  auto schema = mixed_schema();
  EntityCodec codec(schema);
  auto world = random_world(schema, 150, rng);
  std::vector<WorldState> history = {world};
  for (int frame = 0; frame < 60; ++frame) {
    world = evolve(world, rng);
    // Against the previous frame, an older one, and nothing.
    for (const WorldState* base : {&history.back(), &history[rng.uniform(history.size())]}) {
      auto back = codec.decode(*base, codec.encode(*base, world));
      ASSERT_TRUE(back.ok()) << back.error().describe();
      ASSERT_EQ(*back, world) << "frame " << frame;
    }
    history.push_back(world);
  }
}

TEST(EntityCodec, PartialChangeSetsDecodeToTheAppliedView) {
  Rng rng(3);
  auto schema = mixed_schema();
  EntityCodec codec(schema);
  auto base = random_world(schema, 120, rng);
  auto world = evolve(evolve(base, rng), rng);
  std::vector<EntityChange> all;
  EntityCodec::diff(base, world, all);
  ASSERT_GT(all.size(), 10u);
  for (int round = 0; round < 20; ++round) {
    std::vector<EntityChange> some;
    for (const auto& c : all) {
      if (rng.chance(0.4)) some.push_back(c);
    }
    Bytes payload;
    codec.encode(base, world, some, payload);
    auto back = codec.decode(base, payload);
    ASSERT_TRUE(back.ok()) << back.error().describe();
    EXPECT_EQ(*back, EntityCodec::apply(base, world, some));
  }
}

TEST(EntityCodec, DiffSeesTheCurrentStateThroughTheVisibleSet) {
  auto base = testing::reference_world(10, 1);
  auto world = base;
  reference::ReferenceAccess access(world.schema());
  access.set(world, 4, reference::Health{1, 20});
  access.set(world, 20, reference::Health{1, 20});                         // spawn
  const std::vector<EntityId> visible = {1, 2, 4, 5, 6, 7, 8, 9, 10, 20};  // 3 left the view
  const std::span<const EntityId> view(visible);
  std::vector<EntityChange> changes;
  EntityCodec::diff(base, world, changes, &view);
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0], (EntityChange{2, EntityChange::kNone}));   // entity 3 despawns
  EXPECT_EQ(changes[1], (EntityChange{3, 3}));                     // entity 4 updates
  EXPECT_EQ(changes[2], (EntityChange{EntityChange::kNone, 10}));  // entity 20 spawns
}

TEST(EntityCodec, NothingChangedCostsAtMostTwoBytes) {
  auto world = testing::reference_world(500, 4);
  EntityCodec codec(world.schema_ptr());
  const Bytes payload = codec.encode(world, world);
  EXPECT_LE(payload.size(), 2u);
  EXPECT_EQ(codec.decode(world, payload).value(), world);
  WorldState empty(world.schema_ptr());
  EXPECT_LE(codec.encode(empty, empty).size(), 1u);
}

TEST(EntityCodec, OutputIsDeterministic) {
  Rng a(9), b(9);
  auto schema = mixed_schema();
  EntityCodec codec(schema);
  auto wa = random_world(schema, 300, a), wb = random_world(schema, 300, b);
  auto na = evolve(wa, a), nb = evolve(wb, b);
  EXPECT_EQ(codec.encode(wa, na), codec.encode(wb, nb));
}

// Every code of every entity is one its field can hold.
bool all_codes_valid(const WorldState& w) {
  for (std::size_t i = 0; i < w.size(); ++i) {
    for (std::size_t k = 0; k < w.schema().size(); ++k) {
      if ((w.mask(i) >> k & 1) && !w.schema().type(k).check_codes(w.codes(i, k)).ok()) {
        return false;
      }
    }
  }
  return true;
}

TEST(EntityCodec, DecoderSurvivesDamagedPayloads) {
  // The payload's integrity is the frame's CRC32C; a range-coded stream has no redundancy to
  // spot every change. What the decoder guarantees for any bytes: no crash, an error or a
  // state within the limits whose every code is valid, and the same answer every time.
  Rng rng(4);
  auto schema = mixed_schema();
  EntityCodec codec(schema);
  auto base = random_world(schema, 100, rng);
  auto world = evolve(base, rng);
  const Bytes payload = codec.encode(base, world);
  ASSERT_GT(payload.size(), 40u);
  std::size_t rejected = 0, tried = 0;
  auto check = [&](const Bytes& damaged) {
    ++tried;
    auto r = codec.decode(base, damaged);
    if (!r.ok()) {
      ++rejected;
      EXPECT_EQ(codec.decode(base, damaged).error().describe(), r.error().describe());
      return;
    }
    EXPECT_TRUE(all_codes_valid(*r));
    EXPECT_LE(r->size(), base.size() + 65536);
    EXPECT_EQ(codec.decode(base, damaged).value(), *r);
  };
  for (std::size_t cut = 1; cut < payload.size(); cut += 3) {
    check(Bytes(payload.begin(), payload.end() - static_cast<std::ptrdiff_t>(cut)));
  }
  for (std::size_t n = 0; n < 200; ++n) {
    Bytes flipped = payload;
    flipped[rng.uniform(flipped.size())] ^= static_cast<std::uint8_t>(1u << rng.uniform(8));
    check(flipped);
    Bytes junk(rng.uniform(64));
    for (auto& byte : junk) byte = static_cast<std::uint8_t>(rng.next_u32());
    check(junk);
  }
  Bytes longer = payload;
  longer.insert(longer.end(), 8, 0x55);
  check(longer);
  EXPECT_GT(rejected, tried / 2);  // most damage is caught by the range and limit checks
  WorldState other(testing::seed_schema());
  EXPECT_EQ(codec.decode(other, payload).error().code, ErrorCode::kInvalidArgument);
}

TEST(EntityCodec, HonoursTheEntityLimit) {
  auto world = testing::reference_world(300, 5);
  WorldState empty(world.schema_ptr());
  const Bytes payload = EntityCodec(world.schema_ptr()).encode(empty, world);
  EntityCodec strict(world.schema_ptr(), {.max_entities = 100});
  EXPECT_EQ(strict.decode(empty, payload).error().code, ErrorCode::kLimitExceeded);
}

TEST(RangeCoder, RoundTripsSkewedAndDirectBits) {
  Rng rng(7);
  Bytes out;
  std::vector<unsigned> bits;
  std::vector<std::uint32_t> direct;
  {
    BitModelEncoder enc(out);
    BitModel m[3];
    for (int i = 0; i < 5000; ++i) {
      const unsigned bit = rng.chance(i % 3 == 0 ? 0.02 : 0.5);
      bits.push_back(bit);
      enc.encode(m[i % 3], bit);
      if (i % 97 == 0) {
        direct.push_back(rng.next_u32());
        enc.encode_direct(direct.back(), 32);
      }
    }
    enc.finish();
  }
  BitModelDecoder dec(out);
  BitModel m[3];
  std::size_t d = 0;
  for (int i = 0; i < 5000; ++i) {
    ASSERT_EQ(dec.decode(m[i % 3]), bits[static_cast<std::size_t>(i)]) << i;
    if (i % 97 == 0) {
      ASSERT_EQ(dec.decode_direct(32), direct[d++]);
    }
  }
  EXPECT_LE(dec.overrun(), 4u);
  EXPECT_EQ(dec.unread(), 0u);
  // A long run of likely bits costs little: 1,000 zeros in a handful of bytes.
  Bytes zeros;
  BitModelEncoder enc(zeros);
  BitModel z;
  for (int i = 0; i < 1000; ++i) enc.encode(z, 0);
  enc.finish();
  EXPECT_LE(zeros.size(), 8u);
}

TEST(RangeCoder, CostCounterMatchesTheEncoder) {
  Rng rng(8);
  Bytes out;
  BitModelEncoder enc(out);
  BitCostCounter counter;
  BitModel a, b;
  for (int i = 0; i < 20000; ++i) {
    const unsigned bit = rng.chance(0.1);
    enc.encode(a, bit);
    counter.encode(b, bit);
  }
  enc.finish();
  const double counted = static_cast<double>(counter.cost()) / 65536 / 8;
  EXPECT_NEAR(counted, static_cast<double>(out.size()), 4.0 + counted * 0.01);
}

TEST(RangeCoder, RunCostingEqualsBitByBitCosting) {
  for (std::size_t run : {0u, 1u, 7u, 15u, 16u, 40u, 1023u, 1024u, 1025u, 100000u}) {
    for (unsigned prior_ones : {0u, 3u, 30u}) {
      BitModel a, b;
      BitCostCounter each, runs;
      for (unsigned i = 0; i < prior_ones; ++i) {
        each.encode(a, i % 4 != 0);
        runs.encode(b, i % 4 != 0);
      }
      for (std::size_t i = 0; i < run; ++i) each.encode(a, 0);
      runs.encode_run(b, 0, run);
      EXPECT_EQ(each.cost(), runs.cost()) << run << " " << prior_ones;
      EXPECT_EQ(a.p0, b.p0);
      EXPECT_EQ(a.seen, b.seen);
    }
  }
}

}  // namespace
}  // namespace theta_net::replication
