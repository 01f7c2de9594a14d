#include "theta_net/data/data_client_queue.hpp"

#include "theta_net/protocol/message_codec.hpp"

namespace theta_net::data {

QueuedData queued_message(protocol::AnyMessage message) {
  thread_local Bytes body;
  body.clear();
  // The host builds its messages within the schema's limits (texts are cut to their bound,
  // payloads to theirs), so encoding succeeds; the size is what the credit counts.
  (void)protocol::encode_body(message, body);
  QueuedData q;
  q.body_bytes = body.size();
  q.message = std::make_shared<const protocol::AnyMessage>(std::move(message));
  return q;
}

bool is_accepted_result(const QueuedData& entry) {
  const auto* result =
      entry.message ? std::get_if<protocol::DataWriteResult>(&*entry.message) : nullptr;
  return result && result->accepted;
}

void DataClientQueue::push(QueuedData entry) {
  if (entry.message) {
    bytes_ += entry.body_bytes;
    if (!entry.sync) live_bytes_ += entry.body_bytes;
  }
  entries_.push_back(std::move(entry));
}

void DataClientQueue::build_head() {
  QueuedData& head = entries_.front();
  if (head.message || !head.snapshot) return;
  const SnapshotChunkData& data = head.snapshot->chunks[head.chunk];
  protocol::DataSnapshotChunk chunk;
  chunk.sync_id = head.sync_id;
  chunk.index = head.chunk;
  chunk.entities = data.entities;
  chunk.payload = data.payload;
  QueuedData built = queued_message(std::move(chunk));
  head.message = std::move(built.message);
  head.body_bytes = built.body_bytes;
  bytes_ += head.body_bytes;
}

std::vector<QueuedData> DataClientQueue::drain(std::size_t credit) {
  std::vector<QueuedData> out;
  while (!entries_.empty()) {
    build_head();
    QueuedData& head = entries_.front();
    if (head.body_bytes > credit) break;
    credit -= head.body_bytes;
    bytes_ -= head.body_bytes;
    if (!head.sync) live_bytes_ -= head.body_bytes;
    out.push_back(std::move(head));
    entries_.pop_front();
  }
  return out;
}

std::vector<QueuedData> DataClientQueue::clear_keeping_answers() {
  std::vector<QueuedData> results;
  for (QueuedData& e : entries_) {
    if (e.message && (std::holds_alternative<protocol::DataWriteResult>(*e.message) ||
                      std::holds_alternative<protocol::DataRefused>(*e.message))) {
      results.push_back(std::move(e));
    }
  }
  entries_.clear();
  bytes_ = live_bytes_ = 0;
  return results;
}

}  // namespace theta_net::data
