#include "theta_net/session/collab_fuzz.hpp"

#include <algorithm>
#include <deque>
#include <set>
#include <utility>
#include <vector>

#include "theta_net/collab/command_log_file.hpp"
#include "theta_net/core/sha256.hpp"
#include "theta_net/session/collab_fuzz_workload.hpp"
#include "theta_net/session/local_data_session.hpp"

namespace theta_net::session {

namespace {

constexpr std::size_t kMaxClients = 1024;
constexpr std::uint64_t kMaxOps = 1'000'000;
constexpr std::uint64_t kMaxEntities = 1000;

bool is_rate(double p) {
  return p >= 0 && p <= 1;
}  // false for NaN

Status check(const CollabFuzzConfig& c) {
  if (c.clients == 0 || c.clients > kMaxClients) {
    return make_error(ErrorCode::kInvalidArgument, "clients must be 1..", kMaxClients, ", not ",
                      c.clients);
  }
  if (c.ops > kMaxOps) {
    return make_error(ErrorCode::kInvalidArgument, "ops must be 0..", kMaxOps, ", not ", c.ops);
  }
  if (c.entities == 0 || c.entities > kMaxEntities) {
    return make_error(ErrorCode::kInvalidArgument, "entities must be 1..", kMaxEntities, ", not ",
                      c.entities);
  }
  if (!is_rate(c.loss)) {
    return make_error(ErrorCode::kInvalidArgument, "loss must be in [0, 1], not ", c.loss);
  }
  if (!is_rate(c.reorder)) {
    return make_error(ErrorCode::kInvalidArgument, "reorder must be in [0, 1], not ", c.reorder);
  }
  if (!is_rate(c.duplicate)) {
    return make_error(ErrorCode::kInvalidArgument, "duplicate must be in [0, 1], not ",
                      c.duplicate);
  }
  if (c.duration <= Micros{0}) {
    return make_error(ErrorCode::kInvalidArgument, "duration must be positive");
  }
  if (c.step <= Micros{0}) return make_error(ErrorCode::kInvalidArgument, "step must be positive");
  if (c.latency < Micros{0}) {
    return make_error(ErrorCode::kInvalidArgument, "latency must be >= 0");
  }
  if (c.drain_timeout < Micros{0}) {
    return make_error(ErrorCode::kInvalidArgument, "drain timeout must be >= 0");
  }
  return check_partition(c.partition, c.clients);
}

transport::LinkConfig client_link(const CollabFuzzConfig& c, std::size_t index) {
  transport::LinkConfig link;
  link.latency = Nanos(c.latency);
  link.loss = c.loss;
  link.reorder = c.reorder;
  link.duplicate = c.duplicate;
  return partitioned_link(std::move(link), c.partition, index);
}

double quantile_ms(const std::vector<Micros>& sorted, double q) {
  return sorted.empty() ? 0 : to_milliseconds(nearest_rank(sorted, q));
}

// A writer's writes: due (planned and not yet issued), and issued but not yet confirmed.
struct Writer {
  std::uint64_t due = 0;
  std::deque<std::pair<std::uint32_t, Micros>> unconfirmed;  // write id, when written
};

class FuzzRun {
 public:
  FuzzRun(const CollabFuzzConfig& config, std::unique_ptr<LocalDataSession> session)
      : config_(config),
        session_(std::move(session)),
        workload_(collab_fuzz_schema(), config.entities, Rng(config.seed).fork(7)),
        writers_(config.clients) {
    // The plan: K (time, writer) pairs from the seed, in time order (ties by draw order).
    Rng plan = Rng(config.seed).fork(8);
    const auto span = static_cast<std::uint64_t>(config.duration.count());
    for (std::uint64_t i = 0; i < config.ops; ++i) {
      const Micros at{static_cast<Micros::rep>(plan.uniform(span))};
      plan_.emplace_back(at, static_cast<std::size_t>(plan.uniform(config.clients)));
    }
    std::stable_sort(plan_.begin(), plan_.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
  }

  Status start() {
    DataServer& server = session_->server();
    THETA_TRY(server.commit(workload_.populate()));
    server.data().flush(session_->now());
    for (std::size_t i = 0; i < config_.clients; ++i) {
      LocalDataClientSpec spec;
      spec.name = str_cat("c", i);
      spec.signed_commands = config_.signed_commands;
      spec.link = client_link(config_, i);
      THETA_TRY(session_->add_client(spec));
    }
    return {};
  }

  void run() {
    Micros quiet_from = config_.duration;
    if (config_.partition) {
      quiet_from = std::max(quiet_from, config_.partition->start + config_.partition->length);
    }
    const Micros deadline = quiet_from + config_.drain_timeout;
    while (true) {
      session_->step();
      const Micros now = session_->now();
      while (next_planned_ < plan_.size() && plan_[next_planned_].first <= now) {
        ++writers_[plan_[next_planned_].second].due;
        ++next_planned_;
      }
      for (std::size_t i = 0; i < writers_.size(); ++i) {
        track(i, now);
        issue(i, now);
      }
      if (now >= quiet_from && next_planned_ == plan_.size() && nothing_due() &&
          session_->settled()) {
        report_.settled = true;
        break;
      }
      if (now >= deadline) break;
    }
    // The confirmations of the last step.
    for (std::size_t i = 0; i < writers_.size(); ++i) track(i, session_->now());
  }

  CollabFuzzReport report() {
    CollabFuzzReport& r = report_;
    const DataServer& server = session_->server();
    const std::size_t n = session_->client_count();
    r.clients = n;
    r.seconds = to_seconds(session_->now());
    r.server_version = server.data().store().version();
    const Bytes store = server.data().store().canonical_bytes();
    const Sha256Digest digest = sha256(store);
    r.state_hash = to_hex(digest);
    for (std::size_t i = 0; i < n; ++i) {
      if (sha256(session_->client(i).db().view().canonical_bytes()) == digest) {
        ++r.clients_converged;
      }
      r.reconnects += session_->client_driver(i).counters().reconnects;
    }
    r.converged = r.settled && r.clients_converged == n;
    if (const collab::CollabHost* host = server.collab()) {
      r.log_entries = host->log().next_index() - 1;
      auto file =
          collab::encode_command_log({host->log().entries().begin(), host->log().entries().end()});
      if (file.ok()) r.command_log = std::move(*file);
      r.commands_refused = host->stats().refused;
    }
    if (const collab::ConflictResolver* resolver = server.conflicts()) {
      const auto& by = resolver->log().by_strategy();
      const auto count = [&by](std::string_view strategy) -> std::uint64_t {
        const auto it = by.find(std::string(strategy));
        return it == by.end() ? 0 : it->second;
      };
      r.conflicts.server = count(kCollabFuzzStrategies[0]);
      r.conflicts.lww = count(kCollabFuzzStrategies[1]);
      r.conflicts.merge_counter = count(kCollabFuzzStrategies[2]);
      r.conflicts.merge_set = count(kCollabFuzzStrategies[3]);
      r.conflicts.merge_text = count(kCollabFuzzStrategies[4]);
    }
    r.writes.planned = config_.ops;
    for (const Writer& w : writers_) r.writes.waiting += w.due;
    std::sort(latencies_.begin(), latencies_.end());
    r.confirm_latency_ms.samples = latencies_.size();
    r.confirm_latency_ms.p50 = quantile_ms(latencies_, 0.50);
    r.confirm_latency_ms.p99 = quantile_ms(latencies_, 0.99);
    r.confirm_latency_ms.max = latencies_.empty() ? 0 : to_milliseconds(latencies_.back());
    r.packets_dropped = session_->network().packets_dropped();
    return r;
  }

 private:
  bool nothing_due() const {
    return std::all_of(writers_.begin(), writers_.end(),
                       [](const Writer& w) { return w.due == 0; });
  }

  // Refused and lost writes leave the writer's list; of the rest, the oldest are confirmed as
  // the mirror's pending count drops (one author's writes are answered, and applied, in order).
  void track(std::size_t index, Micros now) {
    Writer& w = writers_[index];
    data::ClientDB& db = session_->client(index).db();
    std::set<std::uint32_t> gone;
    for (const auto& [id, text] : db.take_refused_writes()) {
      gone.insert(id);
      ++report_.writes.refused;
    }
    for (const std::uint32_t id : db.take_lost_writes()) {
      gone.insert(id);
      ++report_.writes.lost;
    }
    if (!gone.empty()) {
      std::erase_if(w.unconfirmed, [&gone](const auto& u) { return gone.count(u.first) != 0; });
    }
    while (w.unconfirmed.size() > db.pending_writes()) {
      latencies_.push_back(now - w.unconfirmed.front().second);
      w.unconfirmed.pop_front();
      ++report_.writes.accepted;
    }
  }

  // Issues the writer's due writes while its mirror takes them.
  void issue(std::size_t index, Micros now) {
    Writer& w = writers_[index];
    DataClient& client = session_->client(index);
    while (w.due > 0 && client.db().status().state == data::SyncState::kReady) {
      const data::Transaction tx = workload_.next_write(client.db().view(), index);
      Result<std::uint32_t> id = client.write(tx);
      if (!id.ok()) return;  // max_pending_writes unconfirmed: it waits for answers
      w.unconfirmed.emplace_back(*id, now);
      --w.due;
      ++report_.writes.issued;
    }
  }

  const CollabFuzzConfig& config_;
  std::unique_ptr<LocalDataSession> session_;
  CollabFuzzWorkload workload_;
  std::vector<std::pair<Micros, std::size_t>> plan_;
  std::size_t next_planned_ = 0;
  std::vector<Writer> writers_;
  std::vector<Micros> latencies_;
  CollabFuzzReport report_;
};

}  // namespace

Result<CollabFuzzReport> run_collab_fuzz(const CollabFuzzConfig& config) {
  THETA_TRY(check(config));
  LocalDataSessionConfig session;
  session.network.network = NetworkKind::kSim;
  session.network.seed = config.seed;
  session.network.step = config.step;
  session.server.signed_commands = config.signed_commands;
  THETA_TRY_ASSIGN(auto local, LocalDataSession::create(collab_fuzz_schema(), session));
  FuzzRun run(config, std::move(local));
  THETA_TRY(run.start());
  run.run();
  return run.report();
}

Result<std::string> replay_collab_fuzz_log(ByteSpan log_file, std::uint64_t entities) {
  if (entities < 1 || entities > 1000) {
    return make_error(ErrorCode::kInvalidArgument, "entities must be 1..1000, not ", entities);
  }
  THETA_TRY_ASSIGN(auto commands, collab::decode_command_log(log_file));
  DataServerConfig config;
  config.signed_commands = true;
  Rng rng(1);
  DataServer server(collab_fuzz_schema(), config, Ed25519KeyPair::from_rng(rng), rng.fork(1));
  const CollabFuzzWorkload workload(collab_fuzz_schema(), entities, Rng(1));
  THETA_TRY(server.commit(workload.populate()));
  server.data().flush(Micros{0});
  THETA_TRY(server.collab()->replay(commands, Micros{0}));
  return to_hex(sha256(server.data().store().canonical_bytes()));
}

}  // namespace theta_net::session
