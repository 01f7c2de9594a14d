// CollabHost's per-client state and the waiting commands, shared by its source files.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "theta_net/collab/collab_host.hpp"

namespace theta_net::collab {

// An answer queued for a client, with its encoded body size measured once.
struct QueuedAnswer {
  protocol::AnyMessage message;
  std::size_t bytes = 0;
};

// What a command's write, once committed, answers with (DataWriteResult -> CommandResult).
struct WriteAnswer {
  std::uint64_t sequence = 0;
  std::uint64_t index = 0;
  std::uint32_t conflicts = 0;
};

struct CollabHost::Client {
  Ed25519PublicKey key{};
  protocol::Role role = protocol::Role::kViewer;
  bool replicate = true;
  std::uint64_t next_entry = 1;                 // the log index it gets next
  std::deque<QueuedAnswer> answers;             // refusals, in order
  std::map<std::uint32_t, WriteAnswer> writes;  // by the write id given to the DataHost
  std::uint32_t next_write = 1;
};

struct CollabHost::Waiting {
  std::optional<ClientId> client;  // none: the server's own command (submit)
  protocol::CommandLogEntry entry;
  std::vector<data::Op> ops;  // a data_write's, decoded
};

// The first 8 bytes of a key in hex (for messages).
std::string key_prefix(const Ed25519PublicKey& key);
// "data_write (1)" or "kind 300".
std::string command_name(std::uint16_t command);
// CommandResult.text within its bound (cut at a UTF-8 boundary).
std::string answer_text(std::string text);
// The encoded body size of a message (0 if it cannot be encoded).
std::size_t body_bound(const protocol::AnyMessage& message);

}  // namespace theta_net::collab
