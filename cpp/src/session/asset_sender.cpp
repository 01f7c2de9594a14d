#include "theta_net/session/asset_sender.hpp"

#include <algorithm>

namespace theta_net::session {

using protocol::AssetError;
using protocol::AssetTransfer;
using protocol::AssetTransferKind;

AssetTransfer asset_offer(std::uint32_t transfer, const assets::AssetShape& shape,
                          std::uint64_t offset, const AssetToken& token, std::string label) {
  AssetTransfer m;
  m.kind = AssetTransferKind::kOffer;
  m.transfer = transfer;
  m.asset = std::move(label);
  m.offset = offset;
  m.total_size = shape.size;
  m.sha256 = shape.sha256;
  m.chunk_size = shape.chunk_size;
  m.resume_token = token;
  return m;
}

AssetTransfer asset_accept(std::uint32_t transfer, const assets::AssetShape& shape,
                           std::uint64_t offset, const AssetToken& token) {
  AssetTransfer m = asset_offer(transfer, shape, offset, token, "");
  m.kind = AssetTransferKind::kAccept;
  return m;
}

AssetTransfer asset_done(std::uint32_t transfer, const Sha256Digest& sha256) {
  AssetTransfer m;
  m.kind = AssetTransferKind::kDone;
  m.transfer = transfer;
  m.sha256 = sha256;
  return m;
}

AssetTransfer asset_refuse(std::uint32_t transfer, AssetError error, std::string reason) {
  AssetTransfer m;
  m.kind = AssetTransferKind::kRefuse;
  m.transfer = transfer;
  m.error = error;
  if (reason.size() > 256) reason.resize(256);  // the field's bound; the start says enough
  m.reason = std::move(reason);
  return m;
}

AssetError asset_error_of(const Error& error) {
  switch (error.code) {
    case ErrorCode::kChecksumMismatch:
      return AssetError::kChecksumMismatch;
    case ErrorCode::kLimitExceeded:
      return AssetError::kOverQuota;
    case ErrorCode::kInvalidArgument:
      return AssetError::kBadChunk;
    default:
      return AssetError::kStoreFailed;
  }
}

protocol::NackRequest asset_nack(std::uint32_t transfer, std::vector<std::uint32_t> chunks) {
  protocol::NackRequest nack;
  nack.lane = protocol::LaneId::kAssets;
  nack.transfer = transfer;
  nack.sequences = std::move(chunks);
  return nack;
}

AssetSender::AssetSender(std::uint32_t transfer, assets::AssetSource source,
                         std::uint64_t from_offset)
    : transfer_(transfer), source_(std::move(source)) {
  const assets::AssetShape& s = source_.shape();
  next_ = static_cast<std::uint32_t>(std::min<std::uint64_t>(from_offset, s.size) / s.chunk_size);
}

Status AssetSender::send_chunk(std::uint32_t index, std::vector<protocol::AnyMessage>& out,
                               std::uint64_t& room) {
  auto data = source_.read_chunk(index);
  if (!data.ok()) return data.error();
  AssetTransfer m;
  m.kind = AssetTransferKind::kChunk;
  m.transfer = transfer_;
  m.offset = source_.shape().chunk_offset(index);
  m.total_size = source_.shape().size;
  m.sha256 = source_.shape().sha256;
  m.data = std::move(*data);
  room -= std::min<std::uint64_t>(room, m.data.size());
  bytes_sent_ += m.data.size();
  out.emplace_back(std::move(m));
  return {};
}

Status AssetSender::pump(std::vector<protocol::AnyMessage>& out, std::uint64_t& room) {
  const std::uint32_t count = source_.shape().chunk_count();
  // A chunk goes only when it fits the room: the window is a bound, not a hint.
  while (!resend_.empty() && room >= shape().chunk_bytes(resend_.front())) {
    const std::uint32_t index = resend_.front();
    resend_.pop_front();
    queued_[index] = false;
    ++chunks_resent_;
    if (Status sent = send_chunk(index, out, room); !sent.ok()) return sent;
  }
  while (next_ < count && room >= shape().chunk_bytes(next_)) {
    const std::uint32_t index = next_++;
    if (skip_ == index) {
      skip_ = -1;
      continue;
    }
    if (Status sent = send_chunk(index, out, room); !sent.ok()) return sent;
  }
  if (next_ >= count && resend_.empty() && !done_sent_) {
    out.emplace_back(asset_done(transfer_, source_.shape().sha256));
    done_sent_ = true;
  }
  return {};
}

Status AssetSender::on_nack(std::span<const std::uint32_t> chunks) {
  const std::uint32_t count = source_.shape().chunk_count();
  for (const std::uint32_t index : chunks) {
    if (index >= count) {
      return make_error(ErrorCode::kInvalidArgument, "chunk ", index, " asked for again, of ",
                        count, " chunks of transfer ", transfer_);
    }
  }
  if (queued_.size() != count) queued_.assign(count, false);
  for (const std::uint32_t index : chunks) {
    // Not yet sent: the normal run sends it; queued already: once is enough. Past the budget
    // (every chunk once more), a NackRequest is ignored: a receiver cannot make the sender read
    // and send the asset without end.
    if (index >= next_ || queued_[index] || chunks_resent_ + resend_.size() >= count) continue;
    queued_[index] = true;
    resend_.push_back(index);
  }
  if (!resend_.empty()) done_sent_ = false;  // a `done` follows the chunks sent again
  return {};
}

}  // namespace theta_net::session
