#include "theta_net/session/asset_host.hpp"

#include <algorithm>

#include "theta_net/protocol/message_codec.hpp"

namespace theta_net::session {

using protocol::AnyMessage;
using protocol::AssetError;
using protocol::AssetTransfer;
using protocol::AssetTransferKind;

struct AssetHost::Upload {
  AssetToken token{};
  std::uint64_t session = 0;  // the only session that may resume it
  std::uint32_t transfer = 0;
  bool connected = true;  // its session's connection is up (it may be resumed when not)
  AssetReceiver receiver;
};

struct AssetHost::Session {
  std::vector<AnyMessage> answers;
  std::map<std::uint32_t, AssetToken> uploads;  // transfer id -> token
  std::map<std::uint32_t, AssetSender> downloads;
  std::uint64_t uploaded_bytes = 0;  // offered and accepted (the quota counts promises)
};

AssetHost::AssetHost(assets::AssetStore* store, AssetHostConfig config, Rng rng)
    : store_(store), config_(std::move(config)), rng_(rng) {}

AssetHost::~AssetHost() = default;

std::size_t AssetHost::downloads() const {
  std::size_t n = 0;
  for (const auto& [id, s] : sessions_) n += s.downloads.size();
  return n;
}

std::size_t AssetHost::active_transfers(const Session& s) const {
  std::size_t n = s.uploads.size();
  for (const auto& [id, sender] : s.downloads) n += sender.idle() ? 0 : 1;
  return n;
}

void AssetHost::refuse(Session& s, std::uint32_t transfer, AssetError error, std::string reason) {
  s.answers.emplace_back(asset_refuse(transfer, error, std::move(reason)));
}

Status AssetHost::on_message(std::uint64_t session, protocol::Role role, const AnyMessage& message,
                             Micros now) {
  Session& s = sessions_[session];
  if (const auto* request = std::get_if<protocol::AssetRequest>(&message)) {
    on_request(s, *request);
    return {};
  }
  if (const auto* nack = std::get_if<protocol::NackRequest>(&message)) return on_nack(s, *nack);
  const auto* transfer = std::get_if<AssetTransfer>(&message);
  if (!transfer) {
    return make_error(ErrorCode::kInvalidArgument, "the assets lane does not take ",
                      protocol::message_name(protocol::type_of(message)));
  }
  switch (transfer->kind) {
    case AssetTransferKind::kOffer:
      on_offer(s, session, role, *transfer, now);
      return {};
    case AssetTransferKind::kChunk:
      return on_chunk(s, *transfer, now);
    case AssetTransferKind::kDone:
      on_client_done(s, *transfer, now);
      return {};
    case AssetTransferKind::kAccept:
    case AssetTransferKind::kRefuse:
      break;
  }
  return make_error(ErrorCode::kInvalidArgument, "a client does not send AssetTransfer ",
                    protocol::enum_name(transfer->kind).value_or("?"));
}

void AssetHost::on_offer(Session& s, std::uint64_t session, protocol::Role role,
                         const AssetTransfer& offer, Micros now) {
  const std::uint32_t id = offer.transfer;
  const auto refused = [&](AssetError error, std::string reason) {
    ++counters_.uploads_refused;
    refuse(s, id, error, std::move(reason));
  };
  if (!store_) return refused(AssetError::kStoreFailed, "this server has no asset store");
  if (s.uploads.contains(id) || s.downloads.contains(id))
    return refused(AssetError::kTooManyTransfers, str_cat("transfer ", id, " is in use"));
  assets::AssetShape shape{offer.sha256, offer.total_size, offer.chunk_size};
  if (offer.resume_token != AssetToken{}) {
    auto it = uploads_.find(offer.resume_token);
    if (it == uploads_.end() || it->second->receiver.partial().shape().sha256 != shape.sha256 ||
        it->second->receiver.partial().shape().size != shape.size) {
      return refused(AssetError::kBadResumeToken,
                     "no unfinished upload of that asset has this resume token");
    }
    Upload& upload = *it->second;
    if (upload.session != session) {
      // A token is a secret, but a leaked one must not let another session write into (and
      // spoil) someone's upload.
      return refused(AssetError::kBadResumeToken, "that upload belongs to another session");
    }
    if (upload.connected) s.uploads.erase(upload.transfer);  // offered again on this connection
    upload.transfer = id;
    upload.connected = true;
    upload.receiver.set_transfer(id);
    upload.receiver.restart(now);
    s.uploads[id] = upload.token;
    ++counters_.uploads_resumed;
    s.answers.emplace_back(asset_accept(id, upload.receiver.partial().shape(),
                                        upload.receiver.partial().verified_bytes(), upload.token));
    return;
  }
  if (active_transfers(s) >= config_.max_transfers) {
    return refused(AssetError::kTooManyTransfers,
                   str_cat("at most ", config_.max_transfers, " transfers at a time"));
  }
  if (Status ok = shape.check(); !ok.ok())
    return refused(AssetError::kBadChunk, ok.error().message);
  const auto quota = config_.upload_quotas.find(role);
  if (quota == config_.upload_quotas.end()) {
    return refused(
        AssetError::kOverQuota,
        str_cat("the role ", protocol::enum_name(role).value_or("?"), " has no upload quota"));
  }
  if (shape.size > quota->second.max_asset_bytes) {
    return refused(AssetError::kTooLarge,
                   str_cat("an asset of ", shape.size, " bytes is over the role's limit of ",
                           quota->second.max_asset_bytes));
  }
  const std::string name = to_hex(shape.sha256);
  if (store_->find(name)) {  // stored already: nothing needs to move
    ++counters_.uploads_committed;
    s.answers.emplace_back(asset_done(id, shape.sha256));
    return;
  }
  if (s.uploaded_bytes + shape.size > quota->second.max_session_bytes) {
    return refused(AssetError::kOverQuota, str_cat("the session's uploads would pass its quota of ",
                                                   quota->second.max_session_bytes, " bytes"));
  }
  auto partial = assets::PartialAsset::begin(*store_, shape);
  if (!partial.ok()) return refused(asset_error_of(partial.error()), partial.error().message);
  AssetToken token;
  for (std::size_t i = 0; i < token.size(); i += 8) {
    const std::uint64_t r = rng_.next_u64();
    for (std::size_t b = 0; b < 8; ++b) token[i + b] = static_cast<std::uint8_t>(r >> (8 * b));
  }
  auto upload = std::make_unique<Upload>(
      Upload{token, session, id, true, AssetReceiver(id, std::move(*partial))});
  upload->receiver.touch(now);
  s.uploaded_bytes += shape.size;
  s.uploads[id] = token;
  s.answers.emplace_back(asset_accept(id, shape, 0, token));
  Upload& held = *uploads_.emplace(token, std::move(upload)).first->second;
  // Nothing to wait for: commits at once (or, for a hash that is not the empty data's, fails
  // and is dropped like any other upload).
  if (shape.size == 0) finish_upload(s, held);
}

Status AssetHost::on_chunk(Session& s, const AssetTransfer& chunk, Micros now) {
  const auto id = s.uploads.find(chunk.transfer);
  if (id == s.uploads.end()) {
    ++counters_.chunks_dropped;  // a refusal or a timeout crossed it on the way
    return {};
  }
  Upload& upload = *uploads_.at(id->second);
  const std::uint64_t duplicates = upload.receiver.duplicate_chunks();
  auto complete = upload.receiver.on_chunk(chunk, now);
  if (!complete.ok() && complete.error().code == ErrorCode::kIo) {
    // The server's disk, not the client, failed: the upload ends, and the client is told.
    ++counters_.uploads_refused;
    const std::uint32_t transfer = upload.transfer;
    const AssetToken token = id->second;
    drop_upload(s, token);
    refuse(s, transfer, AssetError::kStoreFailed, complete.error().message);
    return {};
  }
  if (!complete.ok()) {
    return make_error(ErrorCode::kInvalidArgument, "transfer ", chunk.transfer, ": ",
                      complete.error().message);
  }
  if (upload.receiver.duplicate_chunks() == duplicates) {
    counters_.bytes_received += chunk.data.size();
  } else {
    ++counters_.chunks_duplicate;
  }
  if (*complete) finish_upload(s, upload);
  return {};
}

void AssetHost::on_client_done(Session& s, const AssetTransfer& done, Micros now) {
  const auto id = s.uploads.find(done.transfer);
  if (id == s.uploads.end()) return;  // finished already (committed when complete)
  uploads_.at(id->second)->receiver.on_done(now);
}

void AssetHost::finish_upload(Session& s, Upload& upload) {
  const std::uint32_t id = upload.transfer;
  const AssetToken token = upload.token;
  const Sha256Digest sha = upload.receiver.partial().shape().sha256;
  auto name = upload.receiver.partial().commit();
  if (name.ok()) {
    s.uploads.erase(id);
    uploads_.erase(token);  // `upload` is gone from here on; its charge stays (it was stored)
    ++counters_.uploads_committed;
    s.answers.emplace_back(asset_done(id, sha));
    return;
  }
  drop_upload(s, token);
  ++counters_.uploads_refused;
  if (name.error().code == ErrorCode::kChecksumMismatch) ++counters_.checksum_failures;
  refuse(s, id, asset_error_of(name.error()), name.error().message);
}

void AssetHost::on_request(Session& s, const protocol::AssetRequest& request) {
  const std::uint32_t id = request.transfer;
  const auto refused = [&](AssetError error, std::string reason) {
    ++counters_.downloads_refused;
    refuse(s, id, error, std::move(reason));
  };
  if (!store_) return refused(AssetError::kNotFound, "this server has no asset store");
  s.downloads.erase(id);  // the same id again: the client starts that download over
  if (s.uploads.contains(id)) return refused(AssetError::kTooManyTransfers, "transfer id in use");
  if (active_transfers(s) >= config_.max_transfers) {
    return refused(AssetError::kTooManyTransfers,
                   str_cat("at most ", config_.max_transfers, " transfers at a time"));
  }
  // Finished downloads are kept for late NackRequests, but not past the transfer limit.
  for (auto it = s.downloads.begin();
       it != s.downloads.end() && s.downloads.size() >= config_.max_transfers;) {
    it = it->second.idle() ? s.downloads.erase(it) : std::next(it);
  }
  const std::string name = to_hex(request.sha256);
  auto source = assets::AssetSource::open(*store_, name, config_.chunk_size);
  if (!source.ok()) return refused(AssetError::kNotFound, str_cat("no asset ", name));
  if (request.offset > source->shape().size) {
    return refused(AssetError::kBadChunk, str_cat("offset ", request.offset, " is past the end (",
                                                  source->shape().size, " bytes)"));
  }
  const assets::AssetShape shape = source->shape();
  const std::uint64_t from = request.offset - request.offset % shape.chunk_size;
  ++counters_.downloads_started;
  s.answers.emplace_back(asset_offer(id, shape, from, AssetToken{}, ""));
  auto [it, inserted] = s.downloads.emplace(id, AssetSender(id, std::move(*source), from));
  if (planted_gap_ >= 0) {
    it->second.skip_once(static_cast<std::uint32_t>(planted_gap_));
    planted_gap_ = -1;
  }
}

Status AssetHost::on_nack(Session& s, const protocol::NackRequest& nack) {
  if (nack.lane != protocol::LaneId::kAssets) {
    return make_error(ErrorCode::kInvalidArgument, "a NackRequest for the ",
                      protocol::enum_name(nack.lane).value_or("?"),
                      " lane (only the assets lane's are answered)");
  }
  ++counters_.nacks_received;
  const auto it = s.downloads.find(nack.transfer);
  if (it == s.downloads.end()) {
    // Ended with an earlier connection, or let go since: the client asks again from what it holds.
    refuse(s, nack.transfer, AssetError::kUnknownTransfer, "no download with that id is kept");
    return {};
  }
  return it->second.on_nack(nack.sequences);
}

void AssetHost::take_outgoing(std::uint64_t session, std::uint64_t backlog,
                              std::vector<AnyMessage>& out, Micros now) {
  auto found = sessions_.find(session);
  if (found == sessions_.end()) return;
  Session& s = found->second;
  for (AnyMessage& answer : s.answers) out.push_back(std::move(answer));
  s.answers.clear();
  for (const auto& [id, token] : s.uploads) {
    Upload& upload = *uploads_.at(token);
    if (auto nack = upload.receiver.nack_due(now, config_.nack_delay)) {
      ++counters_.nacks_sent;
      out.emplace_back(std::move(*nack));
    }
  }
  std::uint64_t room = backlog >= config_.window_bytes ? 0 : config_.window_bytes - backlog;
  for (auto it = s.downloads.begin(); it != s.downloads.end() && room > 0;) {
    AssetSender& sender = it->second;
    const std::uint64_t before = sender.bytes_sent();
    const std::uint64_t resent = sender.chunks_resent();
    if (Status pumped = sender.pump(out, room); !pumped.ok()) {
      ++counters_.downloads_refused;
      out.emplace_back(asset_refuse(it->first, AssetError::kStoreFailed, pumped.error().message));
      it = s.downloads.erase(it);
      continue;
    }
    counters_.bytes_sent += sender.bytes_sent() - before;
    counters_.chunks_resent += sender.chunks_resent() - resent;
    ++it;
  }
}

bool AssetHost::wants_to_send(std::uint64_t session) const {
  const auto found = sessions_.find(session);
  if (found == sessions_.end()) return false;
  const Session& s = found->second;
  if (!s.answers.empty() || !s.uploads.empty()) return true;  // an upload may need a NackRequest
  for (const auto& [id, sender] : s.downloads) {
    if (!sender.idle()) return true;
  }
  return false;
}

void AssetHost::on_connection_end(std::uint64_t session, Micros now) {
  auto found = sessions_.find(session);
  if (found == sessions_.end()) return;
  Session& s = found->second;
  for (const auto& [id, token] : s.uploads) {
    Upload& upload = *uploads_.at(token);
    upload.connected = false;
    upload.receiver.touch(now);  // the resume window starts now
  }
  s.uploads.clear();
  s.downloads.clear();
  s.answers.clear();
}

void AssetHost::forget_session(std::uint64_t session) {
  for (auto it = uploads_.begin(); it != uploads_.end();) {
    it = it->second->session == session ? uploads_.erase(it) : std::next(it);
  }
  sessions_.erase(session);
}

void AssetHost::drop_upload(Session& s, const AssetToken& token) {
  const auto it = uploads_.find(token);
  if (it == uploads_.end()) return;
  const std::uint64_t size = it->second->receiver.partial().shape().size;
  s.uploaded_bytes -= std::min(s.uploaded_bytes, size);  // not stored: the quota gets it back
  if (it->second->connected) s.uploads.erase(it->second->transfer);
  uploads_.erase(it);  // the PartialAsset removes its file and gives back its reservation
}

void AssetHost::expire(Micros now) {
  for (auto it = uploads_.begin(); it != uploads_.end();) {
    Upload& upload = *it->second;
    if (now - upload.receiver.last_activity() < config_.idle_timeout) {
      ++it;
      continue;
    }
    ++counters_.uploads_timed_out;
    Session& s = sessions_[upload.session];
    if (upload.connected) {
      refuse(s, upload.transfer, AssetError::kTimedOut,
             "the upload made no progress for too long; nothing was stored");
    }
    const AssetToken token = it->first;
    ++it;
    drop_upload(s, token);
  }
}

}  // namespace theta_net::session
