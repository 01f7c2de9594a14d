// ClientDB's private state and the steps its public calls are made of, shared by
// client_db.cpp (subscription and sync: the messages in order), client_db_batches.cpp (server
// batches: decode, rebase, catch-up), client_db_writes.cpp (local writes and their answers) and
// client_db_callbacks.cpp (subscriptions by name, changes found by comparing images),
// client_db_divergence.cpp (state hashes checked, table syncs applied) and client_db_gaps.cpp
// (batches kept after a gap, NackRequests for the missing versions). Every
// step that changes the view calls the callbacks last, so a callback sees a whole state and
// may call back into the ClientDB.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "change_subscriptions.hpp"
#include "entity_image.hpp"
#include "pending_writes.hpp"
#include "snapshot_assembly.hpp"
#include "theta_net/data/batch_compressor.hpp"
#include "theta_net/data/client_db.hpp"

namespace theta_net::data {

// A hash or dictionary id as messages name it: "0x" and 16 hex digits.
std::string hex64(std::uint64_t value);

struct ClientDB::Impl {
  PendingWrites pending;
  std::uint32_t next_write_id = 1;
  std::vector<std::pair<std::uint32_t, std::string>> refused;
  std::vector<std::uint32_t> lost;
  ChangeSubscriptions subscriptions;

  std::optional<SnapshotAssembly> assembly;  // a full sync's chunks so far
  bool have_store = false;                   // a sync completed: the view holds a server version
  bool have_sync = false;                    // status_.sync_id names a sync that began
  bool awaiting_begin = false;  // a DataSubscribe is out and no DataSyncBegin came since

  BatchCompressor plain;                                  // zstd without a dictionary
  std::map<std::uint64_t, BatchCompressor> dictionaries;  // by dictionary id
  std::uint64_t sync_dictionary = 0;                      // the one the current sync named

  std::vector<protocol::AnyMessage> outgoing;
  std::vector<Micros> latency;
  Version acked = 0;
  Micros next_ack_at{0};

  // --- subscription and sync (client_db.cpp)
  void send_subscribe(ClientDB& db, Version from_version);
  // A gap or a broken payload: ask again from the version held (once per answer awaited).
  void resubscribe(ClientDB& db);
  void refuse(ClientDB& db, std::string reason);
  // Checks the server's schema against the expected one (refusing locally when they are not
  // compatible) and starts the sync: a snapshot assembly, or a catch-up from the version held.
  // Errors: those of DataSchema::from_toml and kCorrupt (a hash that does not match the schema
  // text; the mirror refuses both), kState (an archive sync for a mirror without a store of
  // that schema or ahead of the sync: it asks for a full one; one with no batches to a version
  // past the one held: it asks again from that version).
  Status on_sync_begin(ClientDB& db, const protocol::DataSyncBegin& begin);
  // Errors: kState (no snapshot in progress, or another sync's), kLimitExceeded (the snapshot
  // passes max_snapshot_bytes: the mirror refuses it), and those of SnapshotAssembly::add (the
  // mirror resubscribes) and finish_snapshot.
  Status on_chunk(ClientDB& db, const protocol::DataSnapshotChunk& chunk);
  // Errors: kState (progress of a sync other than the current one, or before any).
  Status on_progress(ClientDB& db, const protocol::SyncProgress& progress);
  // Swaps the assembled store in, re-applies the pending writes on it and becomes ready.
  // Errors: those of SnapshotAssembly::finish (the mirror resubscribes).
  Status finish_snapshot(ClientDB& db);
  void become_ready(ClientDB& db);

  // --- server batches (client_db_batches.cpp)
  // A repeat is ignored and a gap is asked for (neither is an error); a batch that follows the
  // version held is applied, then the batches kept after a gap that now follow it.
  // Errors: kState (refused, no store yet, a snapshot in progress, a dictionary the mirror
  // does not hold), kCorrupt (a version not above its base), and those of
  // BatchCompressor::decompress, decode_ops and apply_batch; every error but the first three
  // kState cases resubscribes.
  Status on_batch(ClientDB& db, const protocol::DataBatch& message, Micros now);
  // Decodes and applies a batch based on the version held, and fires the callbacks.
  // Errors: kState (packed with a dictionary the mirror does not hold), and those of
  // BatchCompressor::decompress, decode_ops and apply_batch (each resubscribes).
  Status apply_message(ClientDB& db, const protocol::DataBatch& message, Micros now);
  // Applies a decoded batch that follows the version held, rebasing the pending writes over it
  // when they touch the same entities (undo, apply, re-apply), and returns the view's changes.
  // Errors: those of Store::apply (the view is then unchanged).
  Result<std::vector<Change>> apply_batch(ClientDB& db, const Batch& batch);

  // --- local writes (client_db_writes.cpp)
  // Drops the answered write from under the later ones (or keeps an accepted one until the
  // view holds its version); a refused one joins `refused`.
  // Errors: kState (no pending write has that id).
  Status on_write_result(ClientDB& db, const protocol::DataWriteResult& result);
  // Rolls every pending write back; their ids join `lost`.
  void lose_pending(ClientDB& db);
  void note_dropped(std::vector<std::pair<PendingWrite, std::string>> dropped);

  // --- divergence check (client_db_divergence.cpp)
  std::optional<SnapshotAssembly> table_assembly;  // a table sync's chunks so far
  std::uint16_t table_sync_table = 0;              // the table it replaces
  std::uint32_t declined_table_sync = 0;  // a table sync over a gap: its chunks are dropped
  std::set<std::uint16_t> resync_asked;   // DataResync sent, no table sync applied yet
  std::vector<Divergence> divergences;
  std::uint64_t hashes_checked = 0, diverged = 0, table_resyncs = 0;
  // Compares the hashes of the version held with the confirmed mirror's; a table that differs
  // (and was not asked for already) is reported and asked for with DataResync.
  // Errors: kCorrupt (a table past the schema; nothing is compared then).
  Status on_state_hash(ClientDB& db, const protocol::DataStateHash& hashes);
  // Errors: kState (no complete store, or a snapshot in progress; a schema other than the
  // view's or a version behind it: it resubscribes), kCorrupt (a table past the schema: it
  // resubscribes), and those of finish_table_sync.
  Status on_table_sync_begin(ClientDB& db, const protocol::DataSyncBegin& begin);
  // Errors: kLimitExceeded (past max_snapshot_bytes), and those of SnapshotAssembly::add and
  // finish_table_sync (each resubscribes).
  Status on_table_chunk(ClientDB& db, const protocol::DataSnapshotChunk& chunk);
  // Replaces the table with the assembled one under the pending writes, moves the version to
  // the sync's and fires the callbacks for what changed.
  // Errors: those of SnapshotAssembly::finish (it resubscribes).
  Status finish_table_sync(ClientDB& db);
  std::uint64_t confirmed_hash(const ClientDB& db, std::size_t table) const;

  // --- gaps (client_db_gaps.cpp)
  std::uint16_t protocol_minor = protocol::kProtocolMinor;
  std::map<Version, protocol::DataBatch> held_back;  // batches after a gap, by base version
  std::size_t held_back_bytes = 0;                   // their payloads
  std::optional<Version> nack_to;                    // the NackRequest out: its to_version
  Micros nack_sent{0};
  std::uint64_t nacks = 0, gaps_filled = 0;
  // A batch based past the version held: kept, and the missing versions asked for (or, when
  // the session cannot answer or the bound is reached, everything after the version held).
  void on_gap(ClientDB& db, const protocol::DataBatch& message, Micros now);
  // Applies the kept batches that follow the version held, in order; drops those it passed;
  // asks for the next gap when one is left.
  // Errors: those of apply_message (the kept batches are dropped then).
  Status apply_held_back(ClientDB& db, Micros now);
  // A NackRequest for the versions between the version held and the first kept batch, unless
  // one is out.
  void ask_for_gap(ClientDB& db, Micros now);
  // Forgets the kept batches and the NackRequest out (a sync replaces what they would bring).
  void clear_gap();

  // --- change callbacks (client_db_callbacks.cpp)
  // Images of the entities a change will touch, taken only when a subscription listens.
  std::vector<EntityImage> images_before(const ClientDB& db, std::vector<EntityKey> keys) const;
  // The changes from those images to the view now.
  std::vector<Change> changes_since(const ClientDB& db,
                                    const std::vector<EntityImage>& before) const;
  void fire(const std::vector<Change>& changes) { subscriptions.fire(changes); }
};

}  // namespace theta_net::data
