// BatchArchive: the server's recent batches, bounded by count and bytes, for clients that come
// back after missing some (seed 003, catch-up). Batches are kept as the DataBatch messages they
// were sent as (plain encoding), shared with the client queues that still hold them, with their
// encoded body size, so a catch-up costs no re-encoding and no copy.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "theta_net/data/ops.hpp"
#include "theta_net/protocol/messages.hpp"

namespace theta_net::data {

struct ArchiveLimits {
  std::size_t max_batches = 4096;
  std::size_t max_bytes = 16u << 20;  // encoded bodies
};

// One DataBatch as queued: the message (shared, immutable) and its encoded body size.
struct SharedBatch {
  std::shared_ptr<const protocol::AnyMessage> message;  // holds a protocol::DataBatch
  std::size_t body_bytes = 0;
  const protocol::DataBatch& batch() const { return std::get<protocol::DataBatch>(*message); }
};

// A SharedBatch of `batch`, its body size measured by encoding it once.
SharedBatch share_batch(protocol::DataBatch batch);

class BatchArchive {
 public:
  explicit BatchArchive(ArchiveLimits limits = {}) : limits_(limits) {}

  // Appends the next batch. Its base should be the newest version held; when it is not (a gap:
  // the caller skipped versions), the archive starts over from this batch, since it could no
  // longer serve a catch-up across the gap. The oldest go when a limit is passed (a batch larger
  // than max_bytes on its own leaves the archive empty).
  void push(SharedBatch batch);
  // Every batch after `version`, oldest first, when the archive holds them all (version between
  // the oldest base and the newest version, inclusive: the newest gives an empty list); nullopt
  // when the client is further behind than the archive reaches, or ahead of it.
  std::optional<std::vector<SharedBatch>> since(Version version) const;
  std::optional<Version> oldest_base() const;
  std::optional<Version> newest() const;
  std::size_t size() const { return batches_.size(); }
  std::size_t bytes() const { return bytes_; }
  const ArchiveLimits& limits() const { return limits_; }

 private:
  ArchiveLimits limits_;
  std::deque<SharedBatch> batches_;
  std::size_t bytes_ = 0;
};

}  // namespace theta_net::data
