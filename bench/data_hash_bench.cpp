// The divergence check's cost (docs/data.md, "Divergence check"): a 100,000-entity store (the
// data benchmark's units table: position x y z, health hp alive) takes a batch of 10 upserts per
// version. Table state hashes are kept up to date inside Table::apply, two entity hashes per op:
// BM_EntityHashesOfABatch is that hashing alone, BM_ApplyBatchHashed the whole version with it.
// Next to them, in the same run, the baselines: the table hashed from scratch (BM_RehashTable)
// and Store::digest, either of which a version would cost without the incremental sum; and what
// building the store costs (BM_Populate: its inserts hash each entity once; BM_RehashTable is
// that share).
// Run: build/release/bench/theta_data_hash_bench --benchmark_repetitions=5
// --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "theta_net/core/rng.hpp"
#include "theta_net/data/data_schema.hpp"
#include "theta_net/data/store.hpp"

namespace {

using namespace theta_net;
using namespace theta_net::data;

constexpr const char* kUnits = R"(
[schema]
name = "bench"
version = "1.0"

[[table]]
name = "units"

[[table.component]]
name = "position"
fields = [
  { name = "x", type = "fixed", frac_bits = 4, min = -4096, max = 4096 },
  { name = "y", type = "fixed", frac_bits = 4, min = -64, max = 320 },
  { name = "z", type = "fixed", frac_bits = 4, min = -4096, max = 4096 },
]

[[table.component]]
name = "health"
fields = [
  { name = "hp", type = "int", min = 0, max = 100, default = 100 },
  { name = "alive", type = "bool", default = true },
]
)";

constexpr std::uint64_t kEntities = 100'000;
constexpr int kOpsPerBatch = 10;

Op unit(EntityId id, Rng& rng) {
  Op op;
  op.entity = id;
  op.writes = {{0,
                {{0, rng.uniform_int(-65536, 65536)},
                 {1, rng.uniform_int(-1024, 5120)},
                 {2, rng.uniform_int(-65536, 65536)}}},
               {1, {{0, rng.uniform_int(0, 100)}, {1, rng.uniform_int(0, 1)}}}};
  return op;
}

const std::shared_ptr<const DataSchema>& schema() {
  static const auto parsed = DataSchema::from_toml(kUnits).value();
  return parsed;
}

Store populated() {
  Store store(schema());
  Rng rng(1);
  std::vector<Op> ops;
  for (EntityId id = 1; id <= kEntities; ++id) ops.push_back(unit(id, rng));
  (void)store.apply(Batch{0, 1, Micros{0}, ops});
  return store;
}

// One version: a batch of 10 upserts of random entities, then the table's hash read (what a
// DataHost publishes). The hashing is inside apply.
void BM_ApplyBatchHashed(benchmark::State& state) {
  Store store = populated();
  Rng rng(2);
  std::uint64_t sink = 0;
  for (auto _ : state) {
    Batch batch{store.version(), store.version() + 1, Micros{0}, {}};
    for (int i = 0; i < kOpsPerBatch; ++i)
      batch.ops.push_back(unit(1 + rng.uniform(kEntities), rng));
    (void)store.apply(batch);
    sink += store.table(0).state_hash();
  }
  benchmark::DoNotOptimize(sink);
  state.counters["ops"] = kOpsPerBatch;
}
BENCHMARK(BM_ApplyBatchHashed);

// The incremental hashing of one version by itself: two entity hashes per op.
void BM_EntityHashesOfABatch(benchmark::State& state) {
  Store store = populated();
  Rng rng(2);
  std::uint64_t sink = 0;
  for (auto _ : state) {
    for (int i = 0; i < 2 * kOpsPerBatch; ++i) {
      sink += store.table(0).entity_hash(rng.uniform(kEntities));
    }
  }
  benchmark::DoNotOptimize(sink);
}
BENCHMARK(BM_EntityHashesOfABatch);

// The baseline: the table hashed from scratch at every version.
void BM_RehashTable(benchmark::State& state) {
  const Store store = populated();
  for (auto _ : state) {
    std::uint64_t sum = 0;
    const Table& table = store.table(0);
    for (std::size_t row = 0; row < table.size(); ++row) sum += table.entity_hash(row);
    benchmark::DoNotOptimize(sum);
  }
}
BENCHMARK(BM_RehashTable)->Unit(benchmark::kMillisecond);

// The other baseline: the whole store's digest (canonical bytes, then one SipHash).
void BM_StoreDigest(benchmark::State& state) {
  const Store store = populated();
  for (auto _ : state) benchmark::DoNotOptimize(store.digest());
}
BENCHMARK(BM_StoreDigest)->Unit(benchmark::kMillisecond);

// What the hash adds to building a store: 100,000 inserts (a snapshot's assembly).
void BM_Populate(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(populated().size());
}
BENCHMARK(BM_Populate)->Unit(benchmark::kMillisecond);

}  // namespace
