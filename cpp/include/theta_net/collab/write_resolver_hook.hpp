// WriteResolverHook: where conflict resolution plugs into the server's signed commands. Before
// CollabHost commits a data_write it asks `resolve` which ops to commit (a write concurrent with
// another author's may lose fields, keep them, or be merged, by the table's strategy), and after
// committing it tells `committed` (so the resolver can remember who last wrote each field, at
// which version). Both run in the commands' total order, so a replay of the log resolves the
// same way. The conflict strategies (collab/conflict_*) provide a resolver; an empty hook
// commits every write as it came.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "theta_net/core/ed25519.hpp"
#include "theta_net/data/ops.hpp"
#include "theta_net/data/store.hpp"

namespace theta_net::collab {

// What the server knows of a command besides its content: its signed header.
struct CommandOrigin {
  Ed25519PublicKey author{};
  std::uint64_t sequence = 0;
  std::uint64_t lamport = 0;
  data::Version base_version = 0;  // the version the author's state was at when it wrote
};

struct WriteResolution {
  std::vector<data::Op> ops;    // what to commit (may be fewer fields, or merged values)
  std::uint32_t conflicts = 0;  // fields resolved against another author's concurrent write
  bool refused = false;         // refused whole (CommandRefuseReason::conflict), with `text`
  std::string text;
};

struct WriteResolverHook {
  // The store as it is before the write (with the commands applied before it in this step).
  std::function<WriteResolution(const std::vector<data::Op>& ops, const CommandOrigin& origin,
                                const data::Store& store)>
      resolve;
  // The ops committed, and the version the open batch will close as.
  std::function<void(const std::vector<data::Op>& ops, const CommandOrigin& origin,
                     data::Version version)>
      committed;
};

}  // namespace theta_net::collab
