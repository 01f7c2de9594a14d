#include "theta_net/session/asset_client.hpp"

#include <algorithm>

#include "theta_net/protocol/message_codec.hpp"

namespace theta_net::session {

using protocol::AnyMessage;
using protocol::AssetError;
using protocol::AssetTransfer;
using protocol::AssetTransferKind;
using State = AssetTransferInfo::State;

std::string_view asset_state_name(State state) {
  switch (state) {
    case State::kWaiting:
      return "waiting";
    case State::kMoving:
      return "moving";
    case State::kDone:
      return "done";
    case State::kFailed:
      return "failed";
  }
  return "?";
}

AssetClient::AssetClient(assets::AssetStore& local, AssetClientConfig config)
    : local_(&local), config_(config) {}

AssetClient::~AssetClient() = default;

const AssetTransferInfo* AssetClient::transfer(std::uint32_t id) const {
  const auto it = info_.find(id);
  return it == info_.end() ? nullptr : &it->second;
}

bool AssetClient::busy() const {
  return !moving_.empty();
}

Result<std::uint32_t> AssetClient::begin(AssetTransferInfo info) {
  if (moving_.size() >= config_.max_transfers) {
    return make_error(ErrorCode::kLimitExceeded, "at most ", config_.max_transfers,
                      " asset transfers at a time");
  }
  info.id = next_id_++;
  moving_[info.id] = Moving{};
  const std::uint32_t id = info.id;
  info_[id] = std::move(info);
  return id;
}

Result<std::uint32_t> AssetClient::publish(std::string_view name) {
  auto source = assets::AssetSource::open(*local_, name, config_.chunk_size);
  if (!source.ok()) return source.error();
  AssetTransferInfo info;
  info.upload = true;
  info.name = std::string(name);
  info.size = source->shape().size;
  return begin(std::move(info));
}

Result<std::uint32_t> AssetClient::fetch(std::string_view name) {
  if (!sha256_from_hex(name)) {
    return make_error(ErrorCode::kInvalidArgument, "'", name,
                      "' is not an asset name (64 lower-case hex digits)");
  }
  AssetTransferInfo info;
  info.name = std::string(name);
  if (const auto held = local_->find(name)) {
    info.id = next_id_++;
    info.size = info.bytes_done = held->size;
    info.state = State::kDone;
    const std::uint32_t id = info.id;
    info_[id] = std::move(info);
    return id;
  }
  return begin(std::move(info));
}

void AssetClient::fail(AssetTransferInfo& info, AssetError error, std::string reason) {
  info.state = State::kFailed;
  info.error = error;
  info.reason = std::move(reason);
  moving_.erase(info.id);  // a download's partial file goes with it
}

void AssetClient::finish(AssetTransferInfo& info) {
  info.state = State::kDone;
  info.bytes_done = info.size;
  moving_.erase(info.id);
}

Status AssetClient::on_message(const AnyMessage& message, Micros now) {
  if (const auto* nack = std::get_if<protocol::NackRequest>(&message)) {
    if (nack->lane != protocol::LaneId::kAssets) {
      return make_error(ErrorCode::kInvalidArgument, "a NackRequest for the ",
                        protocol::enum_name(nack->lane).value_or("?"), " lane");
    }
    const auto it = moving_.find(nack->transfer);
    if (it == moving_.end() || !it->second.sender) return {};  // finished meanwhile
    return it->second.sender->on_nack(nack->sequences);
  }
  const auto* m = std::get_if<AssetTransfer>(&message);
  if (!m) {
    return make_error(ErrorCode::kInvalidArgument, "the asset client does not take ",
                      protocol::message_name(protocol::type_of(message)));
  }
  const auto it = moving_.find(m->transfer);
  if (it == moving_.end()) return {};  // of a transfer that ended here (late chunks, a done)
  AssetTransferInfo& info = info_.at(m->transfer);
  Moving& moving = it->second;
  moving.last_heard = now;
  switch (m->kind) {
    case AssetTransferKind::kRefuse:
      if (info.upload && m->error == AssetError::kBadResumeToken && moving.token != AssetToken{}) {
        // The server let the unfinished upload go: offer it afresh.
        moving.token = {};
        moving.announce = true;
        return {};
      }
      if (!info.upload && m->error == AssetError::kUnknownTransfer) {
        moving.announce = true;  // the server let the download go: ask from the bytes held
        return {};
      }
      fail(info, m->error, m->reason.empty() ? "refused by the server" : m->reason);
      return {};
    case AssetTransferKind::kDone:
      if (info.upload) {
        finish(info);  // the server committed it
      } else if (moving.receiver) {
        moving.receiver->on_done(now);
      } else {
        return make_error(ErrorCode::kInvalidArgument, "transfer ", m->transfer,
                          ": done before its offer");
      }
      return {};
    case AssetTransferKind::kAccept: {
      if (!info.upload) {
        return make_error(ErrorCode::kInvalidArgument, "transfer ", m->transfer,
                          " is a download: the server does not accept it");
      }
      // The accept's chunk size (for a resume, the one the server's partial file was cut by).
      auto source = assets::AssetSource::open(*local_, info.name, m->chunk_size);
      if (!source.ok()) {
        fail(info, asset_error_of(source.error()), source.error().message);
        return {};
      }
      moving.token = m->resume_token;
      moving.sender.emplace(m->transfer, std::move(*source), m->offset);
      info.state = State::kMoving;
      info.bytes_done = std::min(m->offset, info.size);
      return {};
    }
    case AssetTransferKind::kOffer:
      return on_download_offer(*m, info, moving, now);
    case AssetTransferKind::kChunk:
      return on_download_chunk(*m, info, moving, now);
  }
  return {};
}

Status AssetClient::on_download_offer(const AssetTransfer& m, AssetTransferInfo& info,
                                      Moving& moving, Micros now) {
  if (info.upload || to_hex(m.sha256) != info.name) {
    return make_error(ErrorCode::kInvalidArgument, "transfer ", m.transfer,
                      ": an offer of another asset than asked for");
  }
  const assets::AssetShape shape{m.sha256, m.total_size, m.chunk_size};
  if (moving.receiver && moving.receiver->partial().shape().size == shape.size &&
      moving.receiver->partial().shape().chunk_size == shape.chunk_size) {
    moving.receiver->restart(now);  // resumed: what is held stays
  } else {
    moving.receiver.reset();
    auto partial = assets::PartialAsset::begin(*local_, shape);
    if (!partial.ok()) {
      fail(info, asset_error_of(partial.error()), partial.error().message);
      return {};
    }
    moving.receiver.emplace(m.transfer, std::move(*partial));
    moving.receiver->touch(now);
  }
  info.size = shape.size;
  info.state = State::kMoving;
  if (moving.receiver->partial().complete()) commit_download(info, moving);
  return {};
}

Status AssetClient::on_download_chunk(const AssetTransfer& m, AssetTransferInfo& info,
                                      Moving& moving, Micros now) {
  if (info.upload || !moving.receiver) {
    return make_error(ErrorCode::kInvalidArgument, "transfer ", m.transfer,
                      ": a chunk for a transfer that is not an offered download");
  }
  auto complete = moving.receiver->on_chunk(m, now);
  if (!complete.ok()) {
    return make_error(ErrorCode::kInvalidArgument, "transfer ", m.transfer, ": ",
                      complete.error().message);
  }
  info.bytes_done = moving.receiver->partial().verified_bytes();
  info.duplicate_chunks = moving.receiver->duplicate_chunks();
  if (*complete) commit_download(info, moving);
  return {};
}

void AssetClient::commit_download(AssetTransferInfo& info, Moving& moving) {
  auto name = moving.receiver->partial().commit();
  if (name.ok()) {
    finish(info);
  } else {
    fail(info, asset_error_of(name.error()), name.error().message);
  }
}

void AssetClient::take_outgoing(std::uint64_t backlog, std::vector<AnyMessage>& out, Micros now) {
  for (auto it = moving_.begin(); it != moving_.end();) {
    const std::uint32_t id = it->first;
    Moving& moving = it->second;
    AssetTransferInfo& info = info_.at(id);
    ++it;  // a timeout below erases the current entry
    if (!moving.announce && now - moving.last_heard > config_.idle_timeout) {
      fail(info, AssetError::kTimedOut, "no word from the server about this transfer");
      continue;
    }
    if (moving.announce) {
      moving.announce = false;
      moving.last_heard = now;
      const auto sha = sha256_from_hex(info.name);
      if (info.upload) {
        const assets::AssetShape shape{*sha, info.size, config_.chunk_size};
        out.emplace_back(asset_offer(id, shape, 0, moving.token, info.name));
      } else {
        protocol::AssetRequest request;
        request.transfer = id;
        request.sha256 = *sha;
        request.offset = moving.receiver ? moving.receiver->partial().verified_bytes() : 0;
        out.emplace_back(std::move(request));
      }
    }
    if (moving.receiver) {
      if (auto nack = moving.receiver->nack_due(now, config_.nack_delay)) {
        out.emplace_back(std::move(*nack));
      }
    }
  }
  std::uint64_t room = backlog >= config_.window_bytes ? 0 : config_.window_bytes - backlog;
  for (auto it = moving_.begin(); it != moving_.end() && room > 0;) {
    AssetTransferInfo& info = info_.at(it->first);
    auto& sender = it->second.sender;
    ++it;  // a failure below erases the current entry
    if (!sender) continue;
    const std::uint64_t before = sender->bytes_sent();
    if (Status pumped = sender->pump(out, room); !pumped.ok()) {
      fail(info, AssetError::kStoreFailed, pumped.error().message);
      continue;
    }
    const std::uint64_t sent = sender->bytes_sent() - before;
    if (sent > 0) moving_.at(info.id).last_heard = now;  // an upload moving is not idle
    info.bytes_sent += sent;
    info.bytes_done = std::min(info.size, info.bytes_done + sent);
    info.chunks_resent = sender->chunks_resent();
  }
}

void AssetClient::on_reconnect(Micros /*now*/) {
  for (auto& [id, moving] : moving_) {
    AssetTransferInfo& info = info_.at(id);
    if (!moving.announce) ++info.restarts;  // it had begun on the connection that ended
    moving.announce = true;
    moving.sender.reset();  // the server says from where, in its accept
  }
}

}  // namespace theta_net::session
