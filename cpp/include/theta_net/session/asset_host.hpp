// The server's side of the assets lane, sans-I/O: uploads from editors into the AssetStore and
// downloads out of it, over the same store that HTTP/3's /assets routes serve
// (docs/protocol.md, "Assets").
//
//   upload    client offer (size, SHA-256, chunk size; a resume token to continue) -> accept
//             (from which offset, with the token) or refuse (why); chunks; client done -> the
//             host commits once the hash matches (done back) or refuses checksum_mismatch and
//             stores nothing; chunks still missing after the client's done are asked for with
//             a NackRequest
//   download  client AssetRequest (SHA-256, from which offset) -> offer (size, chunk size) or
//             refuse not_found; chunks; done; a NackRequest from the client has chunks resent
//
// Who may upload is the permission table's (SessionHost refuses AssetTransfer below editor);
// how much is this host's: a largest asset and a total per session, by role (an upload that is
// not stored gives its share back). An upload whose connection ends waits, resumable by the same
// session with its token, until no chunk has come for idle_timeout; so does a connected one that
// stops moving (NackRequests do not keep it alive). A download ends with its connection (the
// client asks again from what it holds); a NackRequest for a download the host no longer keeps
// is answered refuse unknown_transfer.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "theta_net/assets/asset_store.hpp"
#include "theta_net/core/rng.hpp"
#include "theta_net/core/time.hpp"
#include "theta_net/protocol/messages.hpp"
#include "theta_net/session/asset_receiver.hpp"
#include "theta_net/session/asset_sender.hpp"

namespace theta_net::session {

struct AssetQuota {
  std::uint64_t max_asset_bytes = 0;    // one upload
  std::uint64_t max_session_bytes = 0;  // everything one session uploads
};

struct AssetHostConfig {
  std::uint32_t chunk_size = 256u << 10;  // of downloads (an upload's is the client's)
  std::uint32_t max_transfers = 8;        // per session, both ways, at a time
  // Per session: chunk bytes sent and not yet acknowledged. Under the stream transports' own
  // send backlog bound (8 MiB, StreamLink), so bulk never crowds out other lanes there.
  std::uint64_t window_bytes = 4u << 20;
  Micros idle_timeout = std::chrono::seconds(30);  // an upload that does not move is abandoned
  Micros nack_delay = std::chrono::milliseconds(200);
  // Roles without an entry upload nothing (the permission table already says so for viewers
  // and players).
  std::map<protocol::Role, AssetQuota> upload_quotas = {
      {protocol::Role::kEditor, {256ull << 20, 1ull << 30}},
      {protocol::Role::kAdmin, {256ull << 20, 4ull << 30}},
  };
};

struct AssetHostCounters {
  std::uint64_t uploads_committed = 0;
  std::uint64_t uploads_resumed = 0;
  std::uint64_t uploads_refused = 0;  // offers refused, and uploads that failed their hash
  std::uint64_t checksum_failures = 0;
  std::uint64_t uploads_timed_out = 0;
  std::uint64_t downloads_started = 0;  // requests answered with an offer (resumes too)
  std::uint64_t downloads_refused = 0;
  std::uint64_t bytes_received = 0;    // chunk bytes written
  std::uint64_t bytes_sent = 0;        // chunk bytes queued
  std::uint64_t chunks_duplicate = 0;  // received twice
  std::uint64_t chunks_resent = 0;     // sent again for a NackRequest
  std::uint64_t chunks_dropped = 0;    // of a transfer that had ended (a refusal crossed them)
  std::uint64_t nacks_sent = 0;
  std::uint64_t nacks_received = 0;

  template <class F>
  void visit(F&& f) const {
    f("uploads_committed", uploads_committed);
    f("uploads_resumed", uploads_resumed);
    f("uploads_refused", uploads_refused);
    f("checksum_failures", checksum_failures);
    f("uploads_timed_out", uploads_timed_out);
    f("downloads_started", downloads_started);
    f("downloads_refused", downloads_refused);
    f("bytes_received", bytes_received);
    f("bytes_sent", bytes_sent);
    f("chunks_duplicate", chunks_duplicate);
    f("chunks_resent", chunks_resent);
    f("chunks_dropped", chunks_dropped);
    f("nacks_sent", nacks_sent);
    f("nacks_received", nacks_received);
  }
};

class AssetHost {
 public:
  // `store` may be null: a server without an asset store refuses every transfer, saying so.
  AssetHost(assets::AssetStore* store, AssetHostConfig config, Rng rng);
  ~AssetHost();

  // An AssetTransfer or AssetRequest from an established session, or its NackRequest for the
  // assets lane. Refusals are answers (take_outgoing), not errors.
  // Errors: kInvalidArgument (the client broke the transfer's rules: a kind only a server sends,
  // a chunk that does not fit its asset, a NackRequest for a chunk the asset does not have); the
  // caller closes the connection for a protocol violation.
  Status on_message(std::uint64_t session, protocol::Role role, const protocol::AnyMessage& message,
                    Micros now);
  // What goes to `session` now: answers first, then chunks while the connection's
  // unacknowledged bytes (`backlog`) and what this call adds stay under window_bytes. A
  // download whose file cannot be read is refused store_failed.
  void take_outgoing(std::uint64_t session, std::uint64_t backlog,
                     std::vector<protocol::AnyMessage>& out, Micros now);
  // The session's connection ended (see above).
  void on_connection_end(std::uint64_t session, Micros now);
  // A session that will not come back (its resume window passed, or it was kicked): its
  // uploads are abandoned too.
  void forget_session(std::uint64_t session);
  // Uploads idle for idle_timeout are abandoned (partial files removed; refused timed_out if
  // their session is connected).
  void expire(Micros now);
  // Whether take_outgoing may have anything for `session` (answers, chunks, NackRequests).
  bool wants_to_send(std::uint64_t session) const;

  const AssetHostCounters& counters() const { return counters_; }
  assets::AssetStore* store() const { return store_; }
  // Transfers in progress (uploads, also those waiting for a resume, and downloads).
  std::size_t uploads() const { return uploads_.size(); }
  std::size_t downloads() const;
  // For tests of the NackRequest path: the next download's chunk `index` is not sent the first
  // time (a planted gap).
  void plant_download_gap(std::uint32_t index) { planted_gap_ = index; }

 private:
  struct Upload;
  struct Session;

  void on_offer(Session& s, std::uint64_t session, protocol::Role role,
                const protocol::AssetTransfer& offer, Micros now);
  // Errors: kInvalidArgument (a chunk that does not fit its upload's asset).
  Status on_chunk(Session& s, const protocol::AssetTransfer& chunk, Micros now);
  void on_client_done(Session& s, const protocol::AssetTransfer& done, Micros now);
  void on_request(Session& s, const protocol::AssetRequest& request);
  // Errors: kInvalidArgument (another lane's NackRequest, or chunks the asset does not have).
  Status on_nack(Session& s, const protocol::NackRequest& nack);
  void finish_upload(Session& s, Upload& upload);
  // Ends an upload that will not be stored: its partial file goes, and so does its charge
  // against the session's quota.
  void drop_upload(Session& s, const AssetToken& token);
  void refuse(Session& s, std::uint32_t transfer, protocol::AssetError error, std::string reason);
  std::size_t active_transfers(const Session& s) const;

  assets::AssetStore* store_;
  AssetHostConfig config_;
  Rng rng_;
  std::map<std::uint64_t, Session> sessions_;  // ordered: deterministic
  std::map<AssetToken, std::unique_ptr<Upload>> uploads_;
  AssetHostCounters counters_;
  std::int64_t planted_gap_ = -1;
};

}  // namespace theta_net::session
