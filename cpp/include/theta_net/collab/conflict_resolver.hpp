// ConflictResolver: the server's judge of concurrent writes (docs/collaboration.md, "Conflicts").
// Before a signed command's data write is committed, resolve() compares each field it writes with
// the field's recent history: the write is concurrent with another author's when it was based on
// a version older than that author's last write to the field. A concurrent field is settled by
// its strategy (data/conflict_strategy.hpp):
//
//   server   the first committed write wins: the whole command is refused, with a text naming
//            the field and the other author (its author rolls the write back)
//   lww      by Lamport clock, then author key (bytes): a winning write is committed, a losing
//            one has that field dropped from the command (the rest of it is committed)
//   merge    the field is committed as merge(base, mine, theirs) (MergeRegistry), base being
//            what the author saw: the field's value at base_version, or the author's own later
//            write to it. When the history no longer reaches back to base_version, or the merge
//            is unknown, declines or gives a value the field does not take, the field is
//            settled by lww instead and the record says why (MergeFallback).
//
// Then the caller commits the resolution's ops into the open batch and calls committed() with
// them and the version that batch will get, which records the writes in the history and the
// conflicts in the log. Call resolve() and committed() for one command at a time, in the order
// commands are committed; the same commands in the same order give the same ops, the same log
// and the same history, byte for byte (no clocks, no hash-map order).
//
// Only writes reported through committed() are in the history: the server's own transactions
// are seen when reported (with the server's key as author, for instance the all-zero key);
// writes it never saw cannot be concurrent with anything, and a base older than them is taken
// as the value they left. Removals are not settled: they are committed as they come, and
// recorded as writes of the removed fields' defaults (never concurrent with anything).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "theta_net/collab/conflict_history.hpp"
#include "theta_net/collab/conflict_log.hpp"
#include "theta_net/collab/conflict_merge.hpp"
#include "theta_net/core/result.hpp"
#include "theta_net/data/store.hpp"

namespace theta_net::collab {

// Who wrote a command and what it had seen.
struct CommandContext {
  AuthorKey author{};
  std::uint64_t lamport = 0;
  data::Version base_version = 0;  // the data version the author's state was at
};

struct Resolution {
  std::vector<data::Op> ops;  // to commit: lww losers dropped, merged values in (empty if refused)
  std::vector<ConflictRecord> conflicts;  // every concurrent field, in op order
  bool refused = false;                   // a `server` field met a concurrent write
  std::string text;  // refused: the first such field and the other author (at most 1,024 bytes)
};

struct ConflictResolverConfig {
  FieldHistoryLimits history;       // recent writes kept per field, and fields kept
  std::size_t log_capacity = 4096;  // conflict records kept
};

struct ConflictResolverStats {
  std::uint64_t commands = 0;   // resolve() calls that returned a resolution
  std::uint64_t refused = 0;    // of them, refused
  std::uint64_t conflicts = 0;  // conflict records made
  // Writes to fields without history based before forgotten_through(): they may have been
  // concurrent with a write the history let go of, and were committed unchecked.
  std::uint64_t unchecked_writes = 0;
};

class ConflictResolver {
 public:
  // `start_version`: the version of the store when the resolver starts (it vouches for the
  // values of fields it has not seen written only from there on).
  explicit ConflictResolver(std::shared_ptr<const data::DataSchema> schema,
                            ConflictResolverConfig config = {}, data::Version start_version = 0);

  // The merges `merge:<name>` strategies use; register the application's before resolving.
  MergeRegistry& merges() { return merges_; }
  const MergeRegistry& merges() const { return merges_; }

  // Settles the command's writes against the history and `store` (the server's store: the last
  // closed version plus the open batch, of this resolver's schema; theirs is read from it). A
  // refusal is logged at once (at store.version() + 1, the open batch's version); the others'
  // conflicts wait for committed(). Nothing else changes until committed().
  // Errors: kInvalidArgument (a store of another schema), and those of Store::check (ops the
  // store does not take).
  Result<Resolution> resolve(const std::vector<data::Op>& ops, const CommandContext& context,
                             const data::Store& store);
  // Records what was committed at `version` (the version the open batch will get): the writes
  // join the history and, when `ops` is the last resolve()'s for the same context, its conflicts
  // join the log at that version. Ops not from resolve() (the server's own transactions) are
  // recorded as plain writes. The ops must be ones the store took.
  void committed(const std::vector<data::Op>& ops, const CommandContext& context,
                 data::Version version);

  // Forgets the history and vouches for the store from `start_version` on, as a resolver made
  // then would (a successor server after a host migration: the predecessor's history does not
  // move). The merges, the conflict log and the figures stay.
  void restart(data::Version start_version);

  const ConflictLog& log() const { return log_; }
  ConflictLog& log() { return log_; }
  const FieldHistory& history() const { return history_; }
  const ConflictResolverStats& stats() const { return stats_; }
  const data::DataSchema& schema() const { return *schema_; }

 private:
  // What resolve() found that committed() needs: per written field, the value the author wrote
  // and (for a field without history) the value beneath it.
  struct Staged {
    CommandContext context;
    std::vector<ConflictRecord> conflicts;
    std::map<FieldKey, data::Value> intended;
    std::map<FieldKey, data::Value> before;
  };
  // Settles one concurrent field; returns whether the field's write stays in the command.
  bool settle(ConflictRecord& record, const data::FieldSpec& field, const FieldWriteRecord& theirs);

  std::shared_ptr<const data::DataSchema> schema_;
  MergeRegistry merges_;
  FieldHistory history_;
  ConflictLog log_;
  ConflictResolverStats stats_;
  std::optional<Staged> staged_;
};

}  // namespace theta_net::collab
