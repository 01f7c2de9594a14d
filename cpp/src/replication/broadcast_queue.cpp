#include "theta_net/replication/broadcast_queue.hpp"

#include <algorithm>
#include <utility>

namespace theta_net::replication {

bool BroadcastQueue::push_reliable(QueuedMessage message) {
  if (resync_) return false;
  const std::size_t size = message.message.body.size();
  if (reliable_bytes_ + size > limits_.max_reliable_bytes) {
    reliable_.clear();
    reliable_bytes_ = 0;
    resync_ = true;
    ++stats_.overflows;
    return false;
  }
  reliable_bytes_ += size;
  reliable_.push_back(std::move(message));
  stats_.peak_bytes = std::max(stats_.peak_bytes, bytes());
  return true;
}

void BroadcastQueue::push_unreliable(QueuedMessage message) {
  unreliable_bytes_ += message.message.body.size();
  unreliable_.push_back(std::move(message));
  while (unreliable_.size() > std::max<std::size_t>(limits_.max_unreliable, 1)) {
    unreliable_bytes_ -= unreliable_.front().message.body.size();
    unreliable_.pop_front();
    ++stats_.superseded;
  }
  stats_.peak_bytes = std::max(stats_.peak_bytes, bytes());
}

std::vector<QueuedMessage> BroadcastQueue::drain(std::size_t credit) {
  std::vector<QueuedMessage> out;
  auto take = [&](std::deque<QueuedMessage>& q, std::size_t& bytes) {
    while (!q.empty() && q.front().message.body.size() <= credit) {
      const std::size_t size = q.front().message.body.size();
      credit -= size;
      bytes -= size;
      stats_.sent_bytes += size;
      ++stats_.sent_messages;
      out.push_back(std::move(q.front()));
      q.pop_front();
    }
  };
  take(unreliable_, unreliable_bytes_);
  take(reliable_, reliable_bytes_);
  return out;
}

}  // namespace theta_net::replication
