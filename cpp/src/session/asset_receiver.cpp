#include "theta_net/session/asset_receiver.hpp"

#include <algorithm>

#include "theta_net/session/asset_sender.hpp"

namespace theta_net::session {

AssetReceiver::AssetReceiver(std::uint32_t transfer, assets::PartialAsset partial)
    : transfer_(transfer), partial_(std::move(partial)) {}

Result<bool> AssetReceiver::on_chunk(const protocol::AssetTransfer& chunk, Micros now) {
  auto written = partial_.write(chunk.offset, chunk.data);
  if (!written.ok()) return written.error();
  last_ = now;
  if (*written == assets::PartialAsset::Write::kDuplicate) ++duplicates_;
  return partial_.complete();
}

void AssetReceiver::on_done(Micros now) {
  sender_done_ = true;
  last_ = now;
}

void AssetReceiver::restart(Micros now) {
  sender_done_ = false;
  last_ = now;
}

std::optional<protocol::NackRequest> AssetReceiver::nack_due(Micros now, Micros delay) {
  if (!sender_done_ || partial_.complete()) return std::nullopt;
  // Quiet since the last chunk, `done` or NackRequest, whichever came last; NackRequests do not
  // count as activity (last_activity), so a sender that never answers still times out.
  if (now - std::max(last_, last_nack_) < delay) return std::nullopt;
  last_nack_ = now;
  ++nacks_;
  return asset_nack(transfer_, partial_.missing(1024));
}

}  // namespace theta_net::session
