// A client's side of the assets lane, sans-I/O: publish (upload) assets from a local AssetStore
// to the server's, and fetch (download) the server's into the local one (docs/protocol.md,
// "Assets"; AssetHost is the other side).
//
// A transfer that a lost connection cut short goes on when the session is back
// (on_reconnect): an upload offers again with the resume token the server gave it and the
// server accepts from the bytes it holds verified; a download asks again from the bytes this
// side holds verified. Either way only what was not yet received is sent again (chunks that
// overtook a missing one are taken as duplicates). A download commits into the local store
// only once its SHA-256 is the one asked for; one the server no longer keeps (refused
// unknown_transfer) is asked for again from the bytes held. A transfer that hears nothing for
// idle_timeout fails.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "theta_net/assets/asset_store.hpp"
#include "theta_net/core/time.hpp"
#include "theta_net/protocol/messages.hpp"
#include "theta_net/session/asset_receiver.hpp"
#include "theta_net/session/asset_sender.hpp"

namespace theta_net::session {

struct AssetClientConfig {
  std::uint32_t chunk_size = 256u << 10;  // of uploads (a download's is the server's)
  std::uint32_t max_transfers = 8;        // unfinished, at a time
  std::uint64_t window_bytes = 4u << 20;  // chunk bytes sent and not yet acknowledged
  Micros nack_delay = std::chrono::milliseconds(200);
  // A transfer that hears nothing from the server this long fails (timed_out).
  Micros idle_timeout = std::chrono::seconds(30);
};

struct AssetTransferInfo {
  enum class State : std::uint8_t { kWaiting, kMoving, kDone, kFailed };
  std::uint32_t id = 0;
  bool upload = false;
  std::string name;              // the asset's SHA-256 in hex
  std::uint64_t size = 0;        // 0 until known (a download's offer)
  std::uint64_t bytes_done = 0;  // sent (upload) or verified from the start (download)
  State state = State::kWaiting;
  protocol::AssetError error = protocol::AssetError::kNone;
  std::string reason;
  std::uint32_t restarts = 0;          // resumed after a lost connection
  std::uint64_t duplicate_chunks = 0;  // received again (download)
  std::uint64_t chunks_resent = 0;     // sent again for a NackRequest (upload)
  std::uint64_t bytes_sent = 0;        // chunk bytes queued (upload), over every connection
};

std::string_view asset_state_name(AssetTransferInfo::State state);

class AssetClient {
 public:
  explicit AssetClient(assets::AssetStore& local, AssetClientConfig config = {});
  ~AssetClient();

  // Uploads the local store's asset `name` (its SHA-256 in hex). Returns the transfer's id.
  // Errors: kInvalidArgument (no such asset in the local store, or AssetShape::check),
  // kLimitExceeded (max_transfers unfinished already), kIo.
  Result<std::uint32_t> publish(std::string_view name);
  // Downloads the server's asset `name` into the local store (done at once if held already).
  // Errors: kInvalidArgument (not 64 lower-case hex digits), kLimitExceeded (max_transfers).
  Result<std::uint32_t> fetch(std::string_view name);

  // An AssetTransfer from the server, or its NackRequest for the assets lane.
  // Errors: kInvalidArgument (the server broke the transfer's rules: a kind it does not send, a
  // chunk outside its asset, an offer for another asset than asked).
  Status on_message(const protocol::AnyMessage& message, Micros now);
  // What to send now: offers and requests, NackRequests due, then chunks while the
  // connection's unacknowledged bytes (`backlog`) and what this call adds stay under the window.
  void take_outgoing(std::uint64_t backlog, std::vector<protocol::AnyMessage>& out, Micros now);
  // A new connection carries the session: unfinished transfers start again (see above).
  void on_reconnect(Micros now);

  const std::map<std::uint32_t, AssetTransferInfo>& transfers() const { return info_; }
  const AssetTransferInfo* transfer(std::uint32_t id) const;
  assets::AssetStore& store() { return *local_; }
  // Whether any transfer is unfinished.
  bool busy() const;

 private:
  struct Moving {
    std::optional<AssetSender> sender;      // upload, once accepted
    std::optional<AssetReceiver> receiver;  // download, once offered
    AssetToken token{};                     // upload: the server's resume token
    bool announce = true;                   // the offer or request is still to be sent
    Micros last_heard{0};                   // the announcement or the last word about it
  };

  // Numbers and records a new unfinished transfer.
  // Errors: kLimitExceeded (max_transfers unfinished already).
  Result<std::uint32_t> begin(AssetTransferInfo info);
  // A download's offer and chunks.
  // Errors: kInvalidArgument (an offer of another asset, a chunk that does not fit it).
  Status on_download_offer(const protocol::AssetTransfer& m, AssetTransferInfo& info,
                           Moving& moving, Micros now);
  // Errors: kInvalidArgument (a chunk before the offer, or one that does not fit the asset).
  Status on_download_chunk(const protocol::AssetTransfer& m, AssetTransferInfo& info,
                           Moving& moving, Micros now);
  // Moves a complete download into the local store; a hash that does not match fails it.
  void commit_download(AssetTransferInfo& info, Moving& moving);
  void fail(AssetTransferInfo& info, protocol::AssetError error, std::string reason);
  void finish(AssetTransferInfo& info);

  assets::AssetStore* local_;
  AssetClientConfig config_;
  std::uint32_t next_id_ = 1;
  std::map<std::uint32_t, AssetTransferInfo> info_;
  std::map<std::uint32_t, Moving> moving_;  // unfinished ones
};

}  // namespace theta_net::session
