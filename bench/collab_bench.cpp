// What signing costs the server (docs/benchmarks.md, "Collaboration: signed commands"): writes
// verified and applied per second on one core, signed commands through a CollabHost (Ed25519
// check, sequence, role, Lamport order, the ConflictResolver over the fuzz schema's five
// strategies, commit, log) against the same writes as the data layer's unsigned DataWrites on a
// plain DataHost, in the same run. Each iteration is one flush of 64 writes by 8 authors (each
// based on the version before, so writes to the same field within a flush are concurrent), then
// the drain of every client's batch. The writes are made and signed before the timing starts;
// BM_VerifyCommand is the signature check alone.
// Run: build/release/bench/theta_collab_bench --benchmark_repetitions=5
// --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <memory>
#include <variant>
#include <vector>

#include "theta_net/collab/collab_host.hpp"
#include "theta_net/collab/command_signature.hpp"
#include "theta_net/collab/conflict_resolver.hpp"
#include "theta_net/collab/data_write_command.hpp"
#include "theta_net/core/rng.hpp"
#include "theta_net/data/client_db.hpp"
#include "theta_net/data/data_host.hpp"
#include "theta_net/data/op_codec.hpp"
#include "theta_net/session/collab_fuzz_workload.hpp"

namespace {

using namespace theta_net;

constexpr std::size_t kAuthors = 8;
constexpr std::size_t kWritesPerFlush = 64;
constexpr std::int64_t kFlushes = 200;

struct Written {
  std::size_t author = 0;
  protocol::AnyMessage message;
};

// A DataHost (and, signed, a CollabHost with a ConflictResolver) with kAuthors synced clients,
// and kFlushes batches of writes made ahead.
class Bench {
 public:
  explicit Bench(bool signed_commands)
      : schema_(session::collab_fuzz_schema()), host_(schema_), signed_(signed_commands) {
    session::CollabFuzzWorkload workload(schema_, 4, Rng(5));
    (void)host_.commit(workload.populate());
    host_.flush(now_);
    if (signed_) {
      resolver_ = std::make_unique<collab::ConflictResolver>(
          schema_, collab::ConflictResolverConfig{}, host_.version());
      collab::CollabHostConfig config;
      config.resolver.resolve = [this](const std::vector<data::Op>& ops,
                                       const collab::CommandOrigin& origin,
                                       const data::Store& store) {
        auto r =
            resolver_->resolve(ops, {origin.author, origin.lamport, origin.base_version}, store);
        if (!r.ok()) return collab::WriteResolution{ops, 0, false, {}};
        return collab::WriteResolution{std::move(r->ops),
                                       static_cast<std::uint32_t>(r->conflicts.size()), r->refused,
                                       std::move(r->text)};
      };
      config.resolver.committed = [this](const std::vector<data::Op>& ops,
                                         const collab::CommandOrigin& origin,
                                         data::Version version) {
        resolver_->committed(ops, {origin.author, origin.lamport, origin.base_version}, version);
      };
      collab_ = std::make_unique<collab::CollabHost>(host_, std::move(config));
    }
    Rng keys(9);
    for (std::size_t a = 0; a < kAuthors; ++a) {
      keys_.push_back(Ed25519KeyPair::from_rng(keys));
      ids_.push_back(host_.add_client(now_));
      dbs_.push_back(std::make_unique<data::ClientDB>(schema_));
      if (collab_)
        (void)collab_->add_client(ids_[a], keys_[a].public_key(), protocol::Role::kEditor);
      dbs_[a]->subscribe(now_);
    }
    sync();
    make_writes(workload);
  }

  // One flush of writes: taken, applied, drained to every client.
  void flush(std::size_t batch) {
    for (const Written& w : batches_[batch]) {
      if (collab_) {
        (void)collab_->on_message(ids_[w.author], w.message, now_);
      } else {
        (void)host_.on_message(ids_[w.author], w.message, now_);
      }
    }
    if (collab_) {
      collab_->flush(now_);
    } else {
      host_.flush(now_);
    }
    for (const auto id : ids_) {
      auto out = collab_ ? collab_->drain(id, 1u << 24) : host_.drain(id, 1u << 24);
      benchmark::DoNotOptimize(out);
    }
  }

  const std::vector<std::vector<Written>>& batches() const { return batches_; }
  const collab::CollabHost* collab() const { return collab_.get(); }
  const collab::ConflictResolver* resolver() const { return resolver_.get(); }
  const data::DataHost& host() const { return host_; }

 private:
  // Carries messages both ways until every client is ready (the hosts refuse writes before).
  void sync() {
    for (int round = 0; round < 16; ++round) {
      for (std::size_t a = 0; a < kAuthors; ++a) {
        for (const auto& m : dbs_[a]->take_outgoing()) {
          (void)(collab_ ? collab_->on_message(ids_[a], m, now_)
                         : host_.on_message(ids_[a], m, now_));
        }
      }
      if (collab_) {
        collab_->flush(now_);
      } else {
        host_.flush(now_);
      }
      for (std::size_t a = 0; a < kAuthors; ++a) {
        for (const auto& m :
             collab_ ? collab_->drain(ids_[a], 1u << 24) : host_.drain(ids_[a], 1u << 24)) {
          (void)dbs_[a]->on_message(m, now_);
        }
      }
    }
  }

  // Batch b is applied as version v0 + b + 1; its writes were based on v0 + b.
  void make_writes(session::CollabFuzzWorkload& workload) {
    Rng rng(11);
    const data::Version v0 = host_.version();
    std::vector<std::uint64_t> sequences(kAuthors, 0);
    std::vector<std::uint32_t> write_ids(kAuthors, 0);
    std::uint64_t lamport = 0;
    for (std::int64_t b = 0; b < kFlushes; ++b) {
      std::vector<Written> batch;
      for (std::size_t i = 0; i < kWritesPerFlush; ++i) {
        const auto a = static_cast<std::size_t>(rng.uniform(kAuthors));
        const data::Transaction tx = workload.next_write(host_.store(), a);
        const auto base = v0 + static_cast<data::Version>(b);
        if (signed_) {
          protocol::CommandLogEntry e;
          e.sequence = ++sequences[a];
          e.lamport = ++lamport;
          e.base_version = base;
          e.command = static_cast<std::uint16_t>(protocol::CommandKind::kDataWrite);
          e.payload = collab::encode_data_write(*schema_, tx.ops());
          collab::sign_command(e, keys_[a]);
          batch.push_back({a, std::move(e)});
        } else {
          batch.push_back({a, protocol::DataWrite{++write_ids[a], base,
                                                  static_cast<std::uint32_t>(tx.ops().size()),
                                                  data::encode_ops(*schema_, tx.ops())}});
        }
      }
      batches_.push_back(std::move(batch));
    }
  }

  std::shared_ptr<const data::DataSchema> schema_;
  data::DataHost host_;
  bool signed_;
  std::unique_ptr<collab::ConflictResolver> resolver_;
  std::unique_ptr<collab::CollabHost> collab_;
  std::vector<Ed25519KeyPair> keys_;
  std::vector<data::DataHost::ClientId> ids_;
  std::vector<std::unique_ptr<data::ClientDB>> dbs_;
  std::vector<std::vector<Written>> batches_;
  Micros now_{0};
};

void run(benchmark::State& state, bool signed_commands) {
  Bench bench(signed_commands);
  std::size_t batch = 0;
  for (auto _ : state) bench.flush(batch++);
  state.SetItemsProcessed(static_cast<std::int64_t>(batch * kWritesPerFlush));
  state.counters["versions"] = static_cast<double>(bench.host().version());
  if (const collab::CollabHost* c = bench.collab()) {
    state.counters["accepted"] = static_cast<double>(c->stats().accepted);
    state.counters["refused"] = static_cast<double>(c->stats().refused);
    state.counters["conflicts"] = static_cast<double>(bench.resolver()->log().total());
  }
}

void BM_SignedCommandsVerifiedAndApplied(benchmark::State& state) {
  run(state, true);
}
BENCHMARK(BM_SignedCommandsVerifiedAndApplied)->Iterations(kFlushes)->Unit(benchmark::kMicrosecond);

void BM_UnsignedDataWritesApplied(benchmark::State& state) {
  run(state, false);
}
BENCHMARK(BM_UnsignedDataWritesApplied)->Iterations(kFlushes)->Unit(benchmark::kMicrosecond);

// The Ed25519 check alone, over the signed bytes of one typical write.
void BM_VerifyCommand(benchmark::State& state) {
  Bench bench(true);
  const auto& entry = std::get<protocol::CommandLogEntry>(bench.batches()[0][0].message);
  for (auto _ : state) benchmark::DoNotOptimize(collab::verify_command(entry));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifyCommand)->Unit(benchmark::kMicrosecond);

}  // namespace
