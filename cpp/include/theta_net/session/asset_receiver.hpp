// The receiving half of an asset transfer, either way (the server's upload, a client's
// download): chunks into a PartialAsset, and gap detection. Chunks travel on separate QUIC
// streams and may overtake each other, so a hole is not a loss until the sender has said `done`
// and nothing has arrived for a while (nack_delay); then a NackRequest names exactly the chunks
// missing, and asks again after each further quiet spell.
#pragma once

#include <cstdint>
#include <optional>

#include "theta_net/assets/partial_asset.hpp"
#include "theta_net/core/time.hpp"
#include "theta_net/protocol/messages.hpp"

namespace theta_net::session {

class AssetReceiver {
 public:
  AssetReceiver(std::uint32_t transfer, assets::PartialAsset partial);

  // One chunk (kind chunk). True when it completed the asset.
  // Errors: those of PartialAsset::write (a chunk that does not fit the asset).
  Result<bool> on_chunk(const protocol::AssetTransfer& chunk, Micros now);
  // The sender's `done`: every chunk has been sent once.
  void on_done(Micros now);
  // The NackRequest due at `now`, if the sender is done, chunks are missing and none arrived
  // for `delay` (at most 1024 chunks, the message's bound; the rest in the next one).
  std::optional<protocol::NackRequest> nack_due(Micros now, Micros delay);

  std::uint32_t transfer() const { return transfer_; }
  void set_transfer(std::uint32_t transfer) { transfer_ = transfer; }
  assets::PartialAsset& partial() { return partial_; }
  const assets::PartialAsset& partial() const { return partial_; }
  std::uint64_t duplicate_chunks() const { return duplicates_; }
  std::uint64_t nacks_sent() const { return nacks_; }
  // The last chunk or `done` (NackRequests sent are not activity).
  Micros last_activity() const { return last_; }
  void touch(Micros now) { last_ = now; }
  // A resumed transfer: the sender starts over, so a `done` from before no longer counts.
  void restart(Micros now);

 private:
  std::uint32_t transfer_;
  assets::PartialAsset partial_;
  bool sender_done_ = false;
  Micros last_{0};       // the last chunk or `done` (or restart): what idle timeouts read
  Micros last_nack_{0};  // the last NackRequest
  std::uint64_t duplicates_ = 0;
  std::uint64_t nacks_ = 0;
};

}  // namespace theta_net::session
