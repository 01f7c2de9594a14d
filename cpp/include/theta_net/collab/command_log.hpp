// CommandLog: the server's ordered log of accepted signed commands. Each accepted command gets
// the next index (from 1, never reused) and the data version of the flush that applied it; the
// log is what the server replicates to clients and what a replay applies to a fresh store
// (collab/command_replay.hpp).
//
// Memory. The log holds the newest entries only, at most max_entries of them and at most
// max_bytes (each entry counted as its payload plus kLoggedCommandOverhead); older entries are
// dropped from memory as new ones come. Nothing is lost when the application gives an on_append
// sink: it sees every entry as it is appended, in index order (CommandLogFileWriter appends them
// to a file, the complete log). Without a sink, the dropped entries are gone (evicted() counts
// them), and clients or replays that need them cannot have them.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <vector>

#include "theta_net/core/result.hpp"
#include "theta_net/data/ops.hpp"
#include "theta_net/protocol/messages.hpp"

namespace theta_net::collab {

struct LoggedCommand {
  protocol::CommandLogEntry entry;  // its index set
  // The data version the flush that applied it closed (the newest, when the flush closed
  // several); the version the store held when that flush closed none (the command wrote
  // nothing). A replay flushes where this changes.
  data::Version version = 0;
  bool operator==(const LoggedCommand&) const = default;
};

// What an entry counts for in CommandLogLimits::max_bytes besides its payload: the fixed
// fields and the container's share.
inline constexpr std::size_t kLoggedCommandOverhead = 192;

struct CommandLogLimits {
  std::size_t max_entries = 1u << 20;  // held in memory
  std::size_t max_bytes = 256u << 20;  // held in memory (payloads plus overhead)
};

using CommandLogSink = std::function<void(const LoggedCommand&)>;

class CommandLog {
 public:
  explicit CommandLog(CommandLogLimits limits = {}, CommandLogSink on_append = {});

  // Appends the entry with the next index (its index field is overwritten) and returns it.
  std::uint64_t append(protocol::CommandLogEntry entry, data::Version version);

  // Takes over another server's log (a migration): `entries` (in index order, the last being
  // next_index - 1) are held as if appended here, within the limits; the on_append sink does
  // not see them (they are in the predecessor's file). Only an empty log restores.
  // Errors: kState (this log has entries already), kInvalidArgument (next_index 0, or entries
  // whose indices are not consecutive up to next_index - 1).
  Status restore(std::vector<LoggedCommand> entries, std::uint64_t next_index);

  // The index the next append gets (1 for an empty log).
  std::uint64_t next_index() const { return next_index_; }
  // The oldest index held in memory (next_index() when none is).
  std::uint64_t first_index() const { return next_index_ - entries_.size(); }
  // The entry at `index`, or nullptr when it is not held (dropped from memory, or not yet).
  const LoggedCommand* at(std::uint64_t index) const;
  // Up to `max_count` held entries from `index` on (from first_index() when `index` is older).
  std::vector<LoggedCommand> from(std::uint64_t index, std::size_t max_count) const;
  const std::deque<LoggedCommand>& entries() const { return entries_; }

  std::size_t held_bytes() const { return held_bytes_; }
  std::uint64_t evicted() const { return evicted_; }
  const CommandLogLimits& limits() const { return limits_; }

 private:
  CommandLogLimits limits_;
  CommandLogSink on_append_;
  std::deque<LoggedCommand> entries_;
  std::uint64_t next_index_ = 1;
  std::size_t held_bytes_ = 0;
  std::uint64_t evicted_ = 0;
};

}  // namespace theta_net::collab
