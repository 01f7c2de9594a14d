// CollabState: a CollabHost's signed-command state as one value, what a successor server needs
// to go on where its predecessor stopped (session/migration_bundle.hpp carries it): the log held
// in memory, each author's next sequence and last clock (so a command the predecessor took is
// refused as a repeat, and the next one taken), and the server's Lamport clock.
#pragma once

#include <cstdint>
#include <vector>

#include "theta_net/collab/command_log.hpp"
#include "theta_net/core/ed25519.hpp"

namespace theta_net::collab {

// One author of signed commands: what its next command must carry.
struct AuthorState {
  Ed25519PublicKey key{};
  std::uint64_t next_sequence = 1;
  std::uint64_t last_lamport = 0;
  bool operator==(const AuthorState&) const = default;
};

struct CollabState {
  std::uint64_t clock = 0;           // the server's Lamport clock
  std::uint64_t next_index = 1;      // the index the next log entry gets
  std::vector<AuthorState> authors;  // by key
  // The entries held in memory, in index order, the last being next_index - 1 (older ones are
  // in the server's log file, if it kept one).
  std::vector<LoggedCommand> log;
  bool operator==(const CollabState&) const = default;
};

}  // namespace theta_net::collab
