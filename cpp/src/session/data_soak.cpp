#include "theta_net/session/data_soak.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "theta_net/session/data_soak_workload.hpp"
#include "theta_net/session/local_data_session.hpp"

namespace theta_net::session {

namespace {

constexpr std::size_t kMaxClients = 1024;

Status check(const DataSoakConfig& c) {
  if (c.clients == 0 || c.clients > kMaxClients) {
    return make_error(ErrorCode::kInvalidArgument, "clients must be 1..", kMaxClients, ", not ",
                      c.clients);
  }
  if (c.entities == 0)
    return make_error(ErrorCode::kInvalidArgument, "entities must be at least 1");
  if (c.duration <= Micros{0}) {
    return make_error(ErrorCode::kInvalidArgument, "the soak's seconds must be positive");
  }
  if (!std::isfinite(c.writes_per_second) || c.writes_per_second < 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      "writes per second must be a finite number >= 0, not ", c.writes_per_second);
  }
  if (!(c.loss >= 0 && c.loss <= 1)) {
    return make_error(ErrorCode::kInvalidArgument, "loss must be in [0, 1], not ", c.loss);
  }
  if (!(c.server_share >= 0 && c.server_share <= 1)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "the server's share of writes must be in [0, 1]");
  }
  if (c.latency < Micros{0} || c.step < Micros{0} || c.drain_timeout < Micros{0} ||
      c.flush_interval < Micros{0}) {
    return make_error(ErrorCode::kInvalidArgument,
                      "latency, step, drain and flush times must be >= 0");
  }
  if (c.entities_per_transaction == 0) {
    return make_error(ErrorCode::kInvalidArgument, "entities per transaction must be at least 1");
  }
  return check_partition(c.partition, c.clients);
}

transport::LinkConfig client_link(const DataSoakConfig& c, std::size_t index) {
  transport::LinkConfig link;
  link.latency = Nanos(c.latency);
  link.loss = c.loss;
  return partitioned_link(std::move(link), c.partition, index);
}

// The run's state between steps: the session, the workload, and what was counted so far.
class SoakRun {
 public:
  SoakRun(const DataSoakConfig& config, std::unique_ptr<LocalDataSession> session)
      : config_(config),
        session_(std::move(session)),
        workload_(soak_schema(), config.entities, Rng(config.seed).fork(3)) {}

  Status start() {
    // The server holds every entity before anyone connects, a version per transaction.
    DataServer& server = session_->server();
    for (std::uint64_t first = 1; first <= config_.entities;
         first += config_.entities_per_transaction) {
      const std::uint64_t count =
          std::min(config_.entities_per_transaction, config_.entities - first + 1);
      THETA_TRY(server.commit(workload_.populate(first, count)));
      server.data().flush(session_->now());
    }
    for (std::size_t i = 0; i < config_.clients; ++i) {
      LocalDataClientSpec spec;
      spec.name = str_cat("c", i);
      spec.signed_commands = config_.signed_commands;
      spec.link = client_link(config_, i);
      spec.relay = config_.latency > Micros{0} || config_.loss > 0 || config_.partition.has_value();
      THETA_TRY_ASSIGN(const std::size_t index, session_->add_client(spec));
      if (!config_.dictionary.empty()) {
        THETA_TRY(session_->client(index).db().load_dictionary(config_.dictionary));
      }
    }
    return {};
  }

  // Writes for the configured time, then drains until settled or the deadline.
  void run() {
    const double planned = config_.writes_per_second * to_seconds(config_.duration);
    report_.writes.planned = static_cast<std::uint64_t>(std::floor(planned));
    while (session_->now() < config_.duration) {
      session_->step();
      const double elapsed = to_seconds(std::min(session_->now(), config_.duration));
      const auto due =
          std::min(report_.writes.planned,
                   static_cast<std::uint64_t>(std::floor(config_.writes_per_second * elapsed)));
      while (issued_ < due) write_once();
      collect_latencies();
    }
    Micros drain_from = config_.duration;
    if (config_.partition) {
      drain_from = std::max(drain_from, config_.partition->start + config_.partition->length);
    }
    const Micros deadline = drain_from + config_.drain_timeout;
    while (true) {
      const Micros now = session_->now();
      if (now >= drain_from && session_->settled()) {
        report_.settled = true;
        break;
      }
      if (now >= deadline) break;
      session_->step();
      collect_latencies();
    }
    report_.drain_s = to_seconds(session_->now() - config_.duration);
  }

  DataSoakReport report() {
    DataSoakReport& r = report_;
    const DataServer& server = session_->server();
    const DataServerMetrics m = server.metrics();
    const std::size_t n = session_->client_count();
    r.clients = n;
    r.transport = std::string(network_kind_name(config_.network));
    r.seconds = to_seconds(config_.duration);
    r.server_version = server.data().store().version();
    r.entities = server.data().store().size();
    r.server_store_bytes = server.data().store().memory_bytes();

    std::sort(latencies_.begin(), latencies_.end());
    r.broadcast_latency_ms.samples = latencies_.size();
    r.broadcast_latency_ms.p50 = to_milliseconds(nearest_rank(latencies_, 0.50));
    r.broadcast_latency_ms.p99 = to_milliseconds(nearest_rank(latencies_, 0.99));
    r.broadcast_latency_ms.max = latencies_.empty() ? 0 : to_milliseconds(latencies_.back());

    std::vector<Micros> full_syncs;
    for (const DataSyncRecord& sync : server.syncs()) {
      if (sync.full) full_syncs.push_back(sync.ready - sync.started);
    }
    std::sort(full_syncs.begin(), full_syncs.end());
    r.full_sync_s.syncs = full_syncs.size();
    r.full_sync_s.p50 = to_seconds(nearest_rank(full_syncs, 0.50));
    r.full_sync_s.max = full_syncs.empty() ? 0 : to_seconds(full_syncs.back());

    r.catchups.archive = m.syncs_archive;
    r.catchups.full = m.syncs_full - std::min<std::uint64_t>(m.syncs_full, n);
    r.peak_queue_bytes = m.peak_queue_bytes;
    r.batches_sent = m.batches_sent;
    r.overflows = m.overflows;
    r.stalls = m.stalls;
    r.protocol_violations = m.protocol_violations;
    r.writes.accepted = m.writes_accepted;
    r.writes.refused = m.writes_refused;
    r.packets_dropped = session_->network().packets_dropped();

    std::uint64_t wire = 0, store = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (const auto stats = session_->client_driver(i).stats()) {
        wire += stats->bytes_sent + stats->bytes_received;
      }
      store += session_->client(i).db().view().memory_bytes();
      r.reconnects += session_->client_driver(i).counters().reconnects;
      r.resumes += session_->client(i).counters().resumes;
      r.divergences += session_->client(i).db().divergences();
      r.table_resyncs += session_->client(i).db().table_resyncs();
      if (session_->converged(i)) ++r.clients_converged;
    }
    r.wire_bytes_per_client = wire / n;
    r.client_store_bytes = store / n;
    r.data_bytes_per_client = m.bytes_sent / n;
    r.converged = r.clients_converged == n;
    return r;
  }

 private:
  void write_once() {
    ++issued_;
    const std::optional<std::size_t> writer =
        workload_.next_writer(config_.clients, config_.server_share);
    const data::Transaction tx = workload_.next_write();
    if (writer) {
      DataClient& client = session_->client(*writer);
      if (client.db().status().state == data::SyncState::kReady && client.write(tx).ok()) {
        ++report_.writes.client;
        return;
      }
      ++report_.writes.client_fallbacks;  // its turn goes to the server
    }
    if (session_->server().commit(tx).ok()) {
      ++report_.writes.server;
    } else {
      ++report_.writes.server_refused;
    }
  }

  void collect_latencies() {
    for (std::size_t i = 0; i < session_->client_count(); ++i) {
      data::ClientDB& db = session_->client(i).db();
      for (const Micros sample : db.take_latency_samples()) latencies_.push_back(sample);
      report_.writes.lost += db.take_lost_writes().size();
    }
  }

  const DataSoakConfig& config_;
  std::unique_ptr<LocalDataSession> session_;
  SoakWorkload workload_;
  DataSoakReport report_;
  std::uint64_t issued_ = 0;
  std::vector<Micros> latencies_;
};

}  // namespace

Result<DataSoakReport> run_data_soak(const DataSoakConfig& config) {
  THETA_TRY(check(config));
  LocalDataSessionConfig session;
  session.network.network = config.network;
  session.network.seed = config.seed;
  session.network.step = config.step > Micros{0} ? config.step
                         : config.network == NetworkKind::kSim
                             ? Micros(std::chrono::milliseconds(1))
                             : Micros(std::chrono::milliseconds(2));
  session.server.flush_interval = config.flush_interval;
  if (config.bytes_per_second > 0) session.server.bytes_per_second = config.bytes_per_second;
  session.server.data.record_batch = config.record_batch;
  session.server.signed_commands = config.signed_commands;
  THETA_TRY_ASSIGN(auto local, LocalDataSession::create(soak_schema(), session));
  if (!config.dictionary.empty())
    THETA_TRY(local->server().data().set_dictionary(config.dictionary));
  SoakRun run(config, std::move(local));
  THETA_TRY(run.start());
  run.run();
  return run.report();
}

}  // namespace theta_net::session
