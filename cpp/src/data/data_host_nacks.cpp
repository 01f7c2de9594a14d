// DataHost, gaps: a client that found versions missing on the way asks for exactly those
// (NackRequest on the replication lane, docs/data.md "Gaps"). The archive answers when it still
// reaches back; otherwise the client is resynced from the version it holds. What a request can
// cost is bounded like everything queued: answers count against the client's queue bound, and
// a client that asks for more than it can take is resynced (it hurts only its own link).
#include "data_host_client.hpp"
#include "theta_net/data/data_host.hpp"
#include "theta_net/data/op_codec.hpp"

namespace theta_net::data {

void DataHost::on_nack(Client& c, const protocol::NackRequest& nack) {
  // Between syncs (none, or one about to start) there is nothing to fill: the sync brings it.
  if (c.phase != Client::Phase::kActive) return;
  const std::string asked =
      str_cat("NackRequest for the versions after ", nack.from_version, " up to ", nack.to_version);
  if (nack.from_version >= nack.to_version) {
    refuse(c, protocol::DataRefuseReason::kBadVersion, str_cat(asked, ": an empty range"),
           c.client_hash);
    return;
  }
  if (nack.to_version > c.max_drained) {
    refuse(c, protocol::DataRefuseReason::kBadVersion,
           str_cat(asked, ": the newest version sent to this client is ", c.max_drained),
           c.client_hash);
    return;
  }
  if (auto range = archived_range(c, nack.from_version, nack.to_version)) {
    ++c.stats.nacks_answered;
    for (const SharedBatch& b : *range) {
      QueuedData entry;
      entry.message = b.message;
      entry.body_bytes = b.body_bytes;
      // Below what the client was sent already: it moves neither `delivered` nor the versions
      // queued (kNone).
      entry.effect = QueuedData::Effect::kNone;
      entry.version = b.batch().version;
      if (!push(c, std::move(entry), true)) return;  // overflowed: the resync brings it all
    }
    return;
  }
  // The archive no longer holds those versions (or the client's view depends on cells): a
  // resync from what the client holds, once it reads again.
  drop_queue(c, c.stats.nack_resyncs);
  c.delivered = nack.from_version;
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
  // The client's next batch is based at `to`: the answer must end there exactly.
  if (range.empty() || range.back().batch().version != to) return std::nullopt;
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
