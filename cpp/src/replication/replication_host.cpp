#include "theta_net/replication/replication_host.hpp"

#include <algorithm>
#include <utility>

#include "theta_net/protocol/message_codec.hpp"

namespace theta_net::replication {
namespace {

template <class M>
QueuedMessage queued(const M& message, std::uint32_t tick) {
  QueuedMessage q;
  q.lane = M::kLane;
  q.message.type = static_cast<std::uint16_t>(M::kType);
  q.tick = tick;
  // Our own messages always satisfy the schema's limits (the encoder checks; a failure here is
  // a bug, and an empty body would be refused by the peer rather than misread).
  (void)protocol::encode_body(message, q.message.body);
  return q;
}

}  // namespace

namespace {

// Paced by steps (update_phases), a client's replicator is due whenever the host asks.
ClientReplicatorConfig replicator_config(const ReplicationHostConfig& config) {
  ClientReplicatorConfig c = config.entities;
  if (config.update_phases > 1) c.update_interval = Micros{0};
  return c;
}

}  // namespace

ReplicationHost::Client::Client(const ReplicationHost& host)
    : replicator(host.entities_.schema_ptr(), replicator_config(host.config_)),
      tracker(host.records_.schema_ptr()),
      queue(host.config_.queue) {
  interest.set_view_distance(host.config_.view_distance);
}

ReplicationHost::ReplicationHost(std::shared_ptr<const Schema> entity_schema,
                                 std::shared_ptr<const Schema> record_schema,
                                 ReplicationHostConfig config)
    : config_(config),
      entities_(std::move(entity_schema)),
      records_(std::move(record_schema)),
      grid_(config.interest) {}

Status ReplicationHost::set_position_component(std::string_view name) {
  const auto k = entities_.schema().index_of_name(name);
  if (!k) {
    return make_error(ErrorCode::kInvalidArgument, "no component '", name,
                      "' in the entity schema");
  }
  const ComponentType& type = entities_.schema().type(*k);
  const char* axes[3] = {"x", "y", "z"};
  for (int a = 0; a < 3; ++a) {
    const int f = type.field_index(axes[a]);
    if (f < 0 || type.fields()[static_cast<std::size_t>(f)].kind != FieldKind::kFixed) {
      return make_error(ErrorCode::kInvalidArgument, "component '", name,
                        "' has no fixed-point field '", axes[a], "'");
    }
    position_slots_[a] = type.slot_of(static_cast<std::size_t>(f));
  }
  position_component_ = *k;
  return {};
}

ReplicationHost::ClientId ReplicationHost::add_client() {
  const ClientId id = next_client_++;
  // The phase with the fewest clients (the lowest on a tie): deterministic, and balanced as
  // clients come and go.
  std::vector<std::size_t> load(std::max<std::uint32_t>(config_.update_phases, 1), 0);
  for (const auto& [other, c] : clients_) ++load[c.phase];
  const auto phase =
      static_cast<std::uint32_t>(std::min_element(load.begin(), load.end()) - load.begin());
  auto [it, added] = clients_.emplace(std::piecewise_construct, std::forward_as_tuple(id),
                                      std::forward_as_tuple(*this));
  it->second.phase = phase;
  return id;
}

void ReplicationHost::remove_client(ClientId id) {
  clients_.erase(id);
}

std::vector<ReplicationHost::ClientId> ReplicationHost::clients() const {
  std::vector<ClientId> out;
  for (const auto& [id, c] : clients_) out.push_back(id);
  return out;
}

ClientInterest* ReplicationHost::interest_of(ClientId id) {
  auto it = clients_.find(id);
  return it == clients_.end() ? nullptr : &it->second.interest;
}

Status ReplicationHost::on_message(ClientId id, const protocol::AnyMessage& message) {
  auto it = clients_.find(id);
  if (it == clients_.end()) {
    return make_error(ErrorCode::kInvalidArgument, "no replication client ", id);
  }
  Client& c = it->second;
  // Both input messages carry the entity acknowledgement: the reference game's and the one of
  // an application's own input schema.
  if (const auto* input = std::get_if<protocol::InputBundle>(&message)) {
    c.replicator.acknowledge(input->last_server_tick);
    return {};
  }
  if (const auto* input = std::get_if<protocol::GameInput>(&message)) {
    c.replicator.acknowledge(input->last_server_tick);
    return {};
  }
  if (const auto* update = std::get_if<protocol::InterestUpdate>(&message)) {
    return c.interest.apply(*update);
  }
  if (const auto* ready = std::get_if<protocol::ClientReady>(&message)) {
    c.stats.ready_snapshot = ready->snapshot_id;
    return {};
  }
  return make_error(ErrorCode::kInvalidArgument, "replication host does not take message type ",
                    static_cast<int>(protocol::type_of(message)));
}

void ReplicationHost::set_last_input_sequence(ClientId id, std::uint32_t sequence) {
  if (auto it = clients_.find(id); it != clients_.end()) it->second.last_input_sequence = sequence;
}

void ReplicationHost::place_entities() {
  if (!position_component_) return;
  const std::size_t k = *position_component_;
  const auto offset = static_cast<std::size_t>(entities_.schema().row_offset(k));
  std::vector<std::int64_t> raw(static_cast<std::size_t>(entities_.schema().type(k).slots()));
  // Cost follows change: an entity whose position codes are those it was last placed with (at
  // the same index, the usual case: entities come and go rarely) is not placed again. The ids
  // by index say whether any entity went: only then is the grid searched for the gone.
  bool ids_changed = placed_.size() != entities_.size();
  placed_.resize(entities_.size());
  for (std::size_t i = 0; i < entities_.size(); ++i) {
    const EntityId id = entities_.id(i);
    ids_changed = ids_changed || placed_[i].id != id;
    if (!(entities_.mask(i) >> k & 1)) {
      grid_.remove(id);
      placed_[i] = Placed{false, id, {0, 0, 0}};
      continue;
    }
    const auto row = entities_.row(i);
    Placed now{true,
               id,
               {row[offset + static_cast<std::size_t>(position_slots_[0])],
                row[offset + static_cast<std::size_t>(position_slots_[1])],
                row[offset + static_cast<std::size_t>(position_slots_[2])]}};
    if (placed_[i] == now) continue;
    placed_[i] = now;
    entities_.get_raw(i, k, raw);
    grid_.place(id, Fx::from_raw(raw[static_cast<std::size_t>(position_slots_[0])]),
                Fx::from_raw(raw[static_cast<std::size_t>(position_slots_[1])]),
                Fx::from_raw(raw[static_cast<std::size_t>(position_slots_[2])]));
  }
  if (ids_changed) grid_.retain([&](EntityId id) { return entities_.find(id).has_value(); });
}

void ReplicationHost::reliable_step(Client& c, std::uint32_t tick) {
  if (c.queue.needs_resync()) {
    // Wait until the client reads again, then start over from a fresh snapshot.
    if (!c.reading) return;
    c.queue.clear_resync();
    c.snapshot_due = true;
  }
  if (c.snapshot_due) {
    const auto chunks =
        WorldSnapshotBuilder(config_.snapshot).build(records_, next_snapshot_, tick);
    protocol::SyncProgress announce;
    announce.snapshot_id = next_snapshot_++;
    announce.total = static_cast<std::uint32_t>(chunks.size());
    for (const auto& chunk : chunks) announce.bytes += chunk.payload.size();
    bool ok = c.queue.push_reliable(queued(announce, tick));
    for (const auto& chunk : chunks) ok = ok && c.queue.push_reliable(queued(chunk, tick));
    c.tracker.reset_to(records_);
    c.snapshot_due = false;
    ++c.stats.snapshots;
    if (!ok) c.reading = false;
    return;
  }
  for (const auto& delta : c.tracker.diff(records_, tick)) {
    if (!c.queue.push_reliable(queued(delta, tick))) {
      c.reading = false;  // overflowed: a resync follows once it reads again
      return;
    }
  }
}

void ReplicationHost::update_entities(Client& c, std::uint32_t tick, Micros now,
                                      std::vector<VisibleEntity>& visible) const {
  grid_.visible(c.interest, visible);
  if (auto delta = c.replicator.update(entities_, visible, tick, now, c.last_input_sequence)) {
    c.queue.push_unreliable(queued(*delta, tick));
  }
}

void ReplicationHost::step(std::uint32_t tick, Micros now, WorkerPool* workers) {
  place_entities();
  due_.clear();
  for (auto& [id, c] : clients_) {
    reliable_step(c, tick);  // on this thread: snapshots number themselves in client order
    c.stats.resyncing = c.queue.needs_resync();
    if (config_.update_phases > 1 && tick % config_.update_phases != c.phase) continue;
    if (c.replicator.due(now)) due_.push_back(&c);  // the entity update rate (10 Hz by default)
  }
  const std::size_t threads = workers ? workers->threads() : 0;
  // A few batches per thread, of consecutive clients: a thread that finishes early takes the
  // next batch (an update costs far more than handing a batch over).
  const std::size_t batches = std::clamp<std::size_t>(due_.size(), 1, 4 * (threads + 1));
  if (visible_.size() < batches) visible_.resize(batches);
  if (threads == 0 || batches == 1) {
    for (Client* c : due_) update_entities(*c, tick, now, visible_[0]);
    return;
  }
  std::vector<WorkerPool::Ticket> tickets;
  tickets.reserve(batches);
  try {
    for (std::size_t b = 0; b < batches; ++b) {
      const std::size_t begin = due_.size() * b / batches, end = due_.size() * (b + 1) / batches;
      tickets.push_back(workers->submit([this, b, begin, end, tick, now] {
        for (std::size_t i = begin; i < end; ++i) {
          update_entities(*due_[i], tick, now, visible_[b]);
        }
      }));
    }
  } catch (...) {
    // Out of memory while queueing: the batches queued use this step's state, so they finish
    // before the error goes on.
    try {
      workers->wait_all(tickets);
    } catch (...) {
    }
    throw;
  }
  workers->wait_all(tickets);  // this thread takes batches too
}

void ReplicationHost::set_shedding(bool on) {
  const std::size_t cap = on ? config_.entities.max_payload_bytes / 4 : SIZE_MAX;
  for (auto& [id, c] : clients_) c.replicator.set_payload_cap(cap);
}

std::vector<QueuedMessage> ReplicationHost::drain(ClientId id, std::size_t credit) {
  auto it = clients_.find(id);
  if (it == clients_.end()) return {};
  if (credit > 0) it->second.reading = true;
  return it->second.queue.drain(credit);
}

const BroadcastQueue* ReplicationHost::queue(ClientId id) const {
  auto it = clients_.find(id);
  return it == clients_.end() ? nullptr : &it->second.queue;
}

const ClientReplicator* ReplicationHost::replicator(ClientId id) const {
  auto it = clients_.find(id);
  return it == clients_.end() ? nullptr : &it->second.replicator;
}

const HostClientStats* ReplicationHost::client_stats(ClientId id) const {
  auto it = clients_.find(id);
  return it == clients_.end() ? nullptr : &it->second.stats;
}

}  // namespace theta_net::replication
