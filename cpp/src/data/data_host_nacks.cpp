// DataHost, gaps: a client that found versions missing on the way asks for exactly those
// (NackRequest on the replication lane, docs/data.md "Gaps"). The archive answers when it still
// reaches back; otherwise the client is resynced from the version it holds. What a request can
// cost is bounded: an answer is measured before it is packed and must fit the client's queue
// bound (else the client is resynced, which hurts only its own link), and a gap asked for again
// while its answer is on its way is answered once.
#include "data_host_client.hpp"
#include "theta_net/data/data_host.hpp"
#include "theta_net/data/op_codec.hpp"

namespace theta_net::data {

void DataHost::on_nack(Client& c, const protocol::NackRequest& nack) {
  const Version from = nack.from_version, to = nack.to_version;
  switch (c.phase) {
    case Client::Phase::kIdle:
    case Client::Phase::kPending:
      return;  // no sync, or a full one about to start: nothing to fill
    case Client::Phase::kResync:
      // The sync that restarts it must start from what the client holds, not from what was
      // drained to it (the lost versions were drained).
      if (c.delivered && *c.delivered > from) c.delivered = from;
      return;
    case Client::Phase::kActive:
      break;
  }
  const std::string asked = str_cat("NackRequest for the versions after ", from, " up to ", to);
  if (from >= to) {
    refuse(c, protocol::DataRefuseReason::kBadVersion, str_cat(asked, ": an empty range"),
           c.client_hash);
    return;
  }
  if (to > c.max_drained) {
    refuse(c, protocol::DataRefuseReason::kBadVersion,
           str_cat(asked, ": the newest version sent to this client is ", c.max_drained),
           c.client_hash);
    return;
  }
  // The same gap asked for again while its answer is on its way: one answer is enough.
  if (c.gap && c.gap->first <= from && to <= c.gap->second) return;
  c.gap = std::make_pair(from, to);
  if (auto range = archived_range(c, from, to)) {
    for (const SharedBatch& b : *range) {
      QueuedData entry;
      entry.message = b.message;
      entry.body_bytes = b.body_bytes;
      // Below what the client was sent already: it moves neither `delivered` nor the versions
      // queued (kNone).
      entry.effect = QueuedData::Effect::kNone;
      entry.version = b.batch().version;
      if (!push(c, std::move(entry), true)) return;  // overflowed: drop_queue resyncs from `from`
    }
    ++c.stats.nacks_answered;
    return;
  }
  // The archive no longer holds those versions, the client's view depends on cells, or the
  // answer would not fit its queue: a resync from what the client holds, once it reads again.
  drop_queue(c, c.stats.nack_resyncs);
}

std::optional<std::vector<SharedBatch>> DataHost::archived_range(const Client& c, Version from,
                                                                 Version to) const {
  if (c.interest.spatial()) return std::nullopt;  // its view at `from` depends on positions
  auto since = archive_.since(from);
  if (!since) return std::nullopt;
  std::vector<SharedBatch> range;
  for (SharedBatch& b : *since) {
    if (b.batch().version > to) break;
    range.push_back(std::move(b));
  }
  // The client's next batch is based at `to`: the answer must end there exactly. An answer the
  // client's queue could not take is not worth packing (a resync serves it).
  if (range.empty() || range.back().batch().version != to) return std::nullopt;
  std::size_t bytes = 0;
  for (const SharedBatch& b : range) bytes += b.body_bytes;
  if (c.queue.live_bytes() + bytes > config_.max_queue_bytes) return std::nullopt;
  if (!c.interest.filters()) {
    for (SharedBatch& b : range) b = pack(b, encoding_for(c, b.batch().raw_bytes));
    return range;
  }
  // A client taking some tables was sent filtered batches based on the last version it got:
  // one batch from `from` to `to` with the ops of its tables replaces the missing ones.
  std::vector<Op> ops;
  for (const SharedBatch& b : range) {
    auto decoded = decode_ops(*schema_, b.batch().payload, b.batch().ops);
    if (!decoded.ok()) return std::nullopt;  // our own bytes: cannot happen; a resync serves
    for (Op& op : *decoded) {
      if (c.interest.takes_table(op.table)) ops.push_back(std::move(op));
    }
  }
  auto merged = filtered_batch(c, from, to, micros(range.back().batch().committed_at_us), ops);
  if (!merged) return std::nullopt;
  return std::vector<SharedBatch>{std::move(*merged)};
}

void DataHost::lose_batches_for_testing(ClientId id, std::uint32_t count) {
  if (auto it = clients_.find(id); it != clients_.end()) it->second->lose_batches = count;
}

}  // namespace theta_net::data
