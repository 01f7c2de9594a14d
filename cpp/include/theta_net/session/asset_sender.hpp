// The sending half of an asset transfer, either way (a client's upload, the server's download):
// the chunks of a stored asset as AssetTransfer messages, from an offset, as much as the caller's
// byte budget allows each time, then one `done`. Chunks a NackRequest names go out again first,
// followed by another `done`. Also the builders of the transfer's other messages, so both ends
// spell them alike (docs/protocol.md, "Assets").
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <vector>

#include "theta_net/assets/partial_asset.hpp"
#include "theta_net/protocol/messages.hpp"

namespace theta_net::session {

using AssetToken = std::array<std::uint8_t, 16>;

// offer (kind offer; for a download `offset` says where the chunks start), accept, done, refuse.
protocol::AssetTransfer asset_offer(std::uint32_t transfer, const assets::AssetShape& shape,
                                    std::uint64_t offset, const AssetToken& token,
                                    std::string label);
protocol::AssetTransfer asset_accept(std::uint32_t transfer, const assets::AssetShape& shape,
                                     std::uint64_t offset, const AssetToken& token);
protocol::AssetTransfer asset_done(std::uint32_t transfer, const Sha256Digest& sha256);
protocol::AssetTransfer asset_refuse(std::uint32_t transfer, protocol::AssetError error,
                                     std::string reason);
// The refusal that matches an error of the store or a PartialAsset.
protocol::AssetError asset_error_of(const Error& error);
// A NackRequest for chunks of a transfer.
protocol::NackRequest asset_nack(std::uint32_t transfer, std::vector<std::uint32_t> chunks);

class AssetSender {
 public:
  // Sends the chunks from the one holding `from_offset` on.
  AssetSender(std::uint32_t transfer, assets::AssetSource source, std::uint64_t from_offset);

  // Appends chunks while the next one fits in `room` (bytes), taking what they use from it, and
  // `done` once every chunk has gone (a window smaller than a chunk moves nothing).
  // Errors: kIo (AssetSource::read_chunk).
  Status pump(std::vector<protocol::AnyMessage>& out, std::uint64_t& room);
  // A NackRequest's chunks: sent again (each once, however often it is named), then `done`;
  // at most chunk_count resends in all, after which NackRequests are ignored.
  // Errors: kInvalidArgument (a chunk the asset does not have; nothing is queued).
  Status on_nack(std::span<const std::uint32_t> chunks);
  // Everything sent, `done` included, and nothing asked for again.
  bool idle() const { return done_sent_ && resend_.empty(); }

  std::uint32_t transfer() const { return transfer_; }
  const assets::AssetShape& shape() const { return source_.shape(); }
  std::uint64_t bytes_sent() const { return bytes_sent_; }
  std::uint64_t chunks_resent() const { return chunks_resent_; }
  // A planted gap for tests of the NackRequest path: chunk `index` is skipped the first time.
  void skip_once(std::uint32_t index) { skip_ = index; }

 private:
  // Errors: kIo (AssetSource::read_chunk).
  Status send_chunk(std::uint32_t index, std::vector<protocol::AnyMessage>& out,
                    std::uint64_t& room);

  std::uint32_t transfer_;
  assets::AssetSource source_;
  std::uint32_t next_ = 0;
  std::deque<std::uint32_t> resend_;
  std::vector<bool> queued_;  // by chunk: in resend_ (sized at the first NackRequest)
  bool done_sent_ = false;
  std::uint64_t bytes_sent_ = 0;
  std::uint64_t chunks_resent_ = 0;
  std::int64_t skip_ = -1;
};

}  // namespace theta_net::session
