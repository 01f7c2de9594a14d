// BatchArchive: the server's recent batches, bounded by count and bytes, for clients that come
// back after missing some (seed 003, catch-up). Batches are kept as the encoded DataBatch
// messages they were sent as, so a catch-up costs no re-encoding.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "theta_net/data/ops.hpp"
#include "theta_net/protocol/messages.hpp"

namespace theta_net::data {

struct ArchiveLimits {
  std::size_t max_batches = 4096;
  std::size_t max_bytes = 16u << 20;
};

class BatchArchive {
 public:
  explicit BatchArchive(ArchiveLimits limits = {}) : limits_(limits) {}

  // Appends the next batch (its base must be the newest version held, or the archive empty);
  // the oldest go when a limit is passed.
  void push(protocol::DataBatch batch);
  // Every batch after `version`, oldest first, when the archive holds them all (version at
  // least oldest base); nullopt when the client is further behind than the archive reaches.
  std::optional<std::vector<const protocol::DataBatch*>> since(Version version) const;
  std::optional<Version> oldest_base() const;
  std::size_t size() const { return batches_.size(); }
  std::size_t bytes() const { return bytes_; }

 private:
  ArchiveLimits limits_;
  std::deque<protocol::DataBatch> batches_;
  std::size_t bytes_ = 0;
};

}  // namespace theta_net::data
