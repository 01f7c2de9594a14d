// AuthorSequences: replay protection for signed commands. Each author (an Ed25519 public key)
// numbers its commands 1, 2, 3, ...; the server takes exactly the next one. A repeat (a command
// already taken, sent again) or a gap (one skipped) is refused and changes nothing here, so the
// author's next correct command is still taken. It also keeps the Lamport clock of the author's
// last command taken: an author's clocks must rise with its sequence, so the order the server
// applies commands in (by clock) keeps each author's own order.
//
// The sequence of a key lives as long as this object (the server's CollabHost, or a replay of
// its log): a client that comes back with the same key continues its numbering. One entry per
// author ever seen (48 bytes each).
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "theta_net/collab/collab_state.hpp"
#include "theta_net/core/ed25519.hpp"
#include "theta_net/core/result.hpp"

namespace theta_net::collab {

class AuthorSequences {
 public:
  // The sequence the author's next command must carry (1 for an author not seen yet).
  std::uint64_t expected(const Ed25519PublicKey& author) const;
  // Takes `sequence` as the author's next command.
  // Errors: kOutOfRange (not the expected sequence: the message names the expected one and the
  // one received, and whether it is a repeat or a gap; nothing changes).
  Status take(const Ed25519PublicKey& author, std::uint64_t sequence);
  // Sets the author's next expected sequence (a replay continues after the log's last).
  void set_expected(const Ed25519PublicKey& author, std::uint64_t next);
  // The Lamport clock of the author's last command taken (0: none yet).
  std::uint64_t last_lamport(const Ed25519PublicKey& author) const;
  // Records the clock of the command just taken.
  void set_last_lamport(const Ed25519PublicKey& author, std::uint64_t lamport);
  std::size_t authors() const { return authors_.size(); }
  // Every author seen, by key (a migration bundle carries them).
  std::vector<AuthorState> list() const;

 private:
  struct Author {
    std::uint64_t next = 1;
    std::uint64_t last_lamport = 0;
  };
  std::map<Ed25519PublicKey, Author> authors_;  // ordered: deterministic iteration
};

}  // namespace theta_net::collab
