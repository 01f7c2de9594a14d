#include "theta_net/data/batch_archive.hpp"

#include <algorithm>

#include "theta_net/protocol/message_codec.hpp"

namespace theta_net::data {

SharedBatch share_batch(protocol::DataBatch batch) {
  thread_local Bytes body;
  body.clear();
  // The host builds batches within the schema's limits (payloads are bounded by
  // kMaxRawBatchBytes); the size is what the queue and the credit count.
  (void)protocol::encode_body(batch, body);
  SharedBatch shared;
  shared.body_bytes = body.size();
  shared.message = std::make_shared<const protocol::AnyMessage>(std::move(batch));
  return shared;
}

void BatchArchive::push(SharedBatch batch) {
  if (!batches_.empty() && batches_.back().batch().version != batch.batch().base_version) {
    batches_.clear();
    bytes_ = 0;
  }
  bytes_ += batch.body_bytes;
  batches_.push_back(std::move(batch));
  while (!batches_.empty() &&
         (batches_.size() > limits_.max_batches || bytes_ > limits_.max_bytes)) {
    bytes_ -= batches_.front().body_bytes;
    batches_.pop_front();
  }
}

std::optional<std::vector<SharedBatch>> BatchArchive::since(Version version) const {
  if (batches_.empty()) return std::nullopt;
  if (version < batches_.front().batch().base_version ||
      version > batches_.back().batch().version) {
    return std::nullopt;
  }
  // Versions ascend along the deque: find the first batch that ends after `version`.
  auto it = std::partition_point(batches_.begin(), batches_.end(), [&](const SharedBatch& b) {
    return b.batch().version <= version;
  });
  // A batch that merged several versions may straddle `version`: the client cannot apply half
  // of it, so the archive cannot serve it.
  if (it != batches_.end() && it->batch().base_version != version) return std::nullopt;
  return std::vector<SharedBatch>(it, batches_.end());
}

std::optional<Version> BatchArchive::oldest_base() const {
  if (batches_.empty()) return std::nullopt;
  return batches_.front().batch().base_version;
}

std::optional<Version> BatchArchive::newest() const {
  if (batches_.empty()) return std::nullopt;
  return batches_.back().batch().version;
}

}  // namespace theta_net::data
