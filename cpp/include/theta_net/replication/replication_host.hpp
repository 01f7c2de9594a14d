// ReplicationHost: the server side of replication for many clients, sans-I/O. The game keeps
// two states current every tick: entities() (high-rate state on the unreliable entities lane:
// per-client interest, priority, budget, acknowledged baselines) and records() (low-rate state
// on the reliable replication lane: a WorldSnapshot on join, then ComponentDelta messages).
// step() fills each client's BroadcastQueue; the driver drains each queue as that client's
// connection allows and sends the messages (framed by a LaneWriter) on their lanes.
//
// On the reliable lane a snapshot is announced by a SyncProgress (snapshot_id, received 0,
// total chunks, bytes) before its chunks, so that an empty world (zero chunks) is announced
// too; the client answers ClientReady once it applied it.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "theta_net/core/worker_pool.hpp"
#include "theta_net/protocol/messages.hpp"
#include "theta_net/replication/broadcast_queue.hpp"
#include "theta_net/replication/client_replicator.hpp"
#include "theta_net/replication/delta_tracker.hpp"
#include "theta_net/replication/interest_grid.hpp"
#include "theta_net/replication/world_snapshot.hpp"

namespace theta_net::replication {

struct ReplicationHostConfig {
  ClientReplicatorConfig entities;
  WorldSnapshotOptions snapshot;
  BroadcastQueueLimits queue;
  InterestConfig interest;
  std::uint32_t view_distance = 4;  // a new client's, in cells
  // When above 1, entity updates are paced by steps (ticks) instead of by
  // entities.update_interval on the clock: a client updates once every update_phases steps, on
  // the steps of its phase (step's tick modulo update_phases), and a new client takes the phase
  // with the fewest clients. So each tick updates about the same number of clients rather than
  // every client on the same tick when they all joined together, and the spread holds on a real
  // clock too, whose late wake-ups would let clock-paced clients drift into the same tick. Steps
  // must then come on consecutive ticks (a tick skipped skips that phase's updates).
  std::uint32_t update_phases = 1;
};

struct HostClientStats {
  std::uint32_t snapshots = 0;       // snapshots queued (1 + resynchronisations)
  std::uint32_t ready_snapshot = 0;  // the last snapshot the client reported applied
  bool resyncing = false;
};

class ReplicationHost {
 public:
  using ClientId = std::uint64_t;

  ReplicationHost(std::shared_ptr<const Schema> entity_schema,
                  std::shared_ptr<const Schema> record_schema, ReplicationHostConfig config = {});

  WorldState& entities() { return entities_; }
  WorldState& records() { return records_; }
  const WorldState& entities() const { return entities_; }
  const WorldState& records() const { return records_; }
  InterestGrid& interest() { return grid_; }
  // Places every entity that has component `name` in the interest grid by its fields named
  // x, y and z (fixed point) at each step. Without one, entities are seen only through scopes
  // and ClientInterest::always_see.
  // Errors: kInvalidArgument (no component `name` in the entity schema, or one without
  // fixed-point fields x, y and z).
  Status set_position_component(std::string_view name);

  ClientId add_client();
  void remove_client(ClientId id);
  std::vector<ClientId> clients() const;
  ClientInterest* interest_of(ClientId id);

  // A message from a client: InputBundle or GameInput (its acknowledgement), InterestUpdate,
  // ClientReady.
  // Errors: kInvalidArgument (no client `id`, or a message of another type), and for an
  // InterestUpdate those of ClientInterest::apply.
  Status on_message(ClientId id, const protocol::AnyMessage& message);
  // Sets the newest input of this client that the game applied (echoed in entity deltas).
  void set_last_input_sequence(ClientId id, std::uint32_t sequence);

  // Produces this tick's messages for every client, in client id order. With `workers`, the
  // clients' entity updates (the bulk of a busy step: diff, rank, encode) run on the pool and
  // on this thread at once; each reads only the world and the interest grid, fixed during the
  // step, and writes only its own client's state, so every client gets the same packets with
  // any number of threads.
  void step(std::uint32_t tick, Micros now, WorkerPool* workers = nullptr);
  // While on, each client's entity updates carry a quarter of their usual payload, the
  // highest-priority changes first (ClientReplicator::set_payload_cap): a server over its tick
  // budget sheds the low-priority entity updates before it slows the simulation.
  void set_shedding(bool on);
  // The client's queued messages that fit `credit` bytes (see BroadcastQueue::drain).
  std::vector<QueuedMessage> drain(ClientId id, std::size_t credit);

  const BroadcastQueue* queue(ClientId id) const;
  const ClientReplicator* replicator(ClientId id) const;
  const HostClientStats* client_stats(ClientId id) const;

 private:
  struct Client {
    Client(const ReplicationHost& host);
    ClientReplicator replicator;
    DeltaTracker tracker;
    BroadcastQueue queue;
    ClientInterest interest;
    bool snapshot_due = true;
    bool reading = true;  // drained since its last overflow
    std::uint32_t last_input_sequence = 0;
    std::uint32_t phase = 0;  // of config_.update_phases
    HostClientStats stats;
  };
  void reliable_step(Client& c, std::uint32_t tick);
  void place_entities();
  void update_entities(Client& c, std::uint32_t tick, Micros now,
                       std::vector<VisibleEntity>& visible) const;

  ReplicationHostConfig config_;
  WorldState entities_, records_;
  InterestGrid grid_;
  std::optional<std::size_t> position_component_;
  int position_slots_[3] = {0, 1, 2};
  std::map<ClientId, Client> clients_;  // ordered: deterministic iteration
  ClientId next_client_ = 1;
  std::uint32_t next_snapshot_ = 1;
  // Scratch for step(): the clients due an entity update, and one visible list per batch of
  // them (batch 0 when they run one after another).
  std::vector<Client*> due_;
  std::vector<std::vector<VisibleEntity>> visible_;
  // What place_entities saw at each index of entities_: the id and, when it has a position,
  // the position codes it was placed with.
  struct Placed {
    bool valid = false;
    EntityId id = 0;
    std::int64_t codes[3] = {0, 0, 0};
    bool operator==(const Placed&) const = default;
  };
  std::vector<Placed> placed_;
};

}  // namespace theta_net::replication
