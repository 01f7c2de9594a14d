// The assets lane without a network (asset_host.hpp, asset_client.hpp): a test moves the
// messages between an AssetClient and an AssetHost by hand, so it can cut the connection
// between any two of them, drop one, or send what a well-behaved client never would.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "theta_net/core/sha256.hpp"
#include "theta_net/protocol/message_codec.hpp"
#include "theta_net/session/asset_client.hpp"
#include "theta_net/session/asset_host.hpp"

namespace theta_net::session {
namespace {

namespace fs = std::filesystem;
using protocol::AnyMessage;
using protocol::AssetError;
using protocol::AssetTransfer;
using protocol::AssetTransferKind;
using protocol::Role;
using State = AssetTransferInfo::State;

constexpr std::uint64_t kSession = 7;
constexpr std::uint32_t kChunk = 4096;

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("theta_asset_lane_" + std::to_string(::getpid()) +
                                               "_" + std::to_string(counter++));
  ~TempDir() { fs::remove_all(path); }
  static inline int counter = 0;
};

Bytes pattern(std::size_t n, std::uint8_t seed = 7) {
  Bytes out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(i * 31 + seed);
  return out;
}

Bytes read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

// Hidden files left in a store folder (partial uploads that were not cleaned up).
std::size_t hidden_files(const fs::path& dir) {
  std::size_t n = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().filename().string().starts_with(".")) ++n;
  }
  return n;
}

struct Lane {
  TempDir server_dir, client_dir;
  assets::AssetStore server_store = *assets::AssetStore::open(server_dir.path);
  assets::AssetStore client_store = *assets::AssetStore::open(client_dir.path);
  AssetHostConfig host_config = small_chunks();
  std::unique_ptr<AssetHost> host;
  AssetClient client{client_store, AssetClientConfig{kChunk, 8, 64u << 10, Micros(200'000)}};
  Micros now{1'000'000};
  Role role = Role::kEditor;
  std::uint64_t delivered_to_host = 0;

  static AssetHostConfig small_chunks() {
    AssetHostConfig c;
    c.chunk_size = kChunk;
    c.window_bytes = 64u << 10;
    return c;
  }
  AssetHost& h() {
    if (!host) host = std::make_unique<AssetHost>(&server_store, host_config, Rng(1));
    return *host;
  }
  // One round: the client's messages to the host, then the host's to the client, at most
  // `limit` of each (the rest is lost, as on a cut connection).
  void round(std::size_t limit = SIZE_MAX) {
    std::vector<AnyMessage> up, down;
    client.take_outgoing(0, up, now);
    for (std::size_t i = 0; i < up.size() && i < limit; ++i) {
      ASSERT_TRUE(h().on_message(kSession, role, up[i], now).ok());
      ++delivered_to_host;
    }
    h().take_outgoing(kSession, 0, down, now);
    for (std::size_t i = 0; i < down.size() && i < limit; ++i) {
      ASSERT_TRUE(client.on_message(down[i], now).ok());
    }
    now += Micros(10'000);
  }
  void run(std::uint32_t id, int max_rounds = 400) {
    for (int i = 0; i < max_rounds && client.transfer(id)->state <= State::kMoving; ++i) round();
  }
  void cut() {
    h().on_connection_end(kSession, now);
    client.on_reconnect(now);
  }
};

TEST(AssetLane, AnUploadIsCommittedUnderItsHashAndNothingElseIsLeft) {
  Lane lane;
  const Bytes data = pattern(10 * kChunk + 123);
  const std::string name = *lane.client_store.put(data);
  const std::uint32_t id = *lane.client.publish(name);
  lane.run(id);
  const AssetTransferInfo& info = *lane.client.transfer(id);
  EXPECT_EQ(info.state, State::kDone) << info.reason;
  EXPECT_EQ(info.bytes_done, data.size());
  EXPECT_EQ(read_file(lane.server_dir.path / name), data);
  EXPECT_EQ(lane.h().counters().uploads_committed, 1u);
  EXPECT_EQ(lane.h().counters().bytes_received, data.size());
  EXPECT_EQ(lane.h().counters().chunks_duplicate, 0u);
  EXPECT_EQ(hidden_files(lane.server_dir.path), 0u);
  EXPECT_EQ(lane.server_store.reserved_bytes(), 0u);
  EXPECT_EQ(lane.server_store.stored_bytes(), data.size());
}

TEST(AssetLane, ADownloadLandsInTheLocalStoreAndAHeldAssetIsDoneAtOnce) {
  Lane lane;
  const Bytes data = pattern(5 * kChunk + 1, 3);
  const std::string name = *lane.server_store.put(data);
  const std::uint32_t id = *lane.client.fetch(name);
  lane.run(id);
  EXPECT_EQ(lane.client.transfer(id)->state, State::kDone) << lane.client.transfer(id)->reason;
  EXPECT_EQ(read_file(lane.client_dir.path / name), data);
  EXPECT_EQ(lane.h().counters().bytes_sent, data.size());
  const std::uint32_t again = *lane.client.fetch(name);
  EXPECT_EQ(lane.client.transfer(again)->state, State::kDone);
  EXPECT_FALSE(lane.client.busy());
}

TEST(AssetLane, AnEmptyAssetMovesBothWays) {
  Lane lane;
  const std::string name = *lane.client_store.put({});
  const std::uint32_t up = *lane.client.publish(name);
  lane.run(up);
  EXPECT_EQ(lane.client.transfer(up)->state, State::kDone);
  EXPECT_TRUE(lane.server_store.find(name));
  fs::remove(lane.client_dir.path / name);
  const std::uint32_t down = *lane.client.fetch(name);
  lane.run(down);
  EXPECT_EQ(lane.client.transfer(down)->state, State::kDone) << lane.client.transfer(down)->reason;
}

TEST(AssetLane, AnUploadCutHalfwayResumesFromTheVerifiedBytesWithoutResendingThem) {
  Lane lane;
  const Bytes data = pattern(64 * kChunk);
  const std::string name = *lane.client_store.put(data);
  const std::uint32_t id = *lane.client.publish(name);
  // The window is 16 chunks a round: after two rounds (offer, then accept and 16 chunks) and a
  // third that loses half of what it carries, the connection breaks.
  lane.round();
  lane.round();
  lane.round(8);
  const std::uint64_t before_cut = lane.h().counters().bytes_received;
  ASSERT_GT(before_cut, 0u);
  ASSERT_LT(before_cut, data.size());
  lane.cut();
  lane.run(id);
  const AssetTransferInfo& info = *lane.client.transfer(id);
  ASSERT_EQ(info.state, State::kDone) << info.reason;
  EXPECT_EQ(info.restarts, 1u);
  EXPECT_EQ(lane.h().counters().uploads_resumed, 1u);
  EXPECT_EQ(lane.h().counters().chunks_duplicate, 0u);  // nothing held was sent again
  EXPECT_EQ(lane.h().counters().bytes_received, data.size());
  EXPECT_EQ(read_file(lane.server_dir.path / name), data);
}

TEST(AssetLane, ADownloadCutHalfwayResumesFromTheBytesHeld) {
  Lane lane;
  const Bytes data = pattern(64 * kChunk, 9);
  const std::string name = *lane.server_store.put(data);
  const std::uint32_t id = *lane.client.fetch(name);
  lane.round();
  lane.round();
  lane.round(5);
  const std::uint64_t held = lane.client.transfer(id)->bytes_done;
  ASSERT_GT(held, 0u);
  ASSERT_LT(held, data.size());
  const std::uint64_t sent_before = lane.h().counters().bytes_sent;
  lane.cut();
  lane.run(id);
  const AssetTransferInfo& info = *lane.client.transfer(id);
  ASSERT_EQ(info.state, State::kDone) << info.reason;
  EXPECT_EQ(info.duplicate_chunks, 0u);
  // After the cut the server sent exactly what the client did not hold.
  EXPECT_EQ(lane.h().counters().bytes_sent - sent_before, data.size() - held);
  EXPECT_EQ(read_file(lane.client_dir.path / name), data);
}

TEST(AssetLane, AMissingDownloadChunkIsAskedForByIndexAndSentOnce) {
  Lane lane;
  const Bytes data = pattern(12 * kChunk, 5);
  const std::string name = *lane.server_store.put(data);
  lane.h().plant_download_gap(3);
  const std::uint32_t id = *lane.client.fetch(name);
  std::vector<AnyMessage> up;
  std::vector<std::uint32_t> asked;
  for (int i = 0; i < 100 && lane.client.transfer(id)->state != State::kDone; ++i) {
    up.clear();
    lane.client.take_outgoing(0, up, lane.now);
    for (const AnyMessage& m : up) {
      if (const auto* nack = std::get_if<protocol::NackRequest>(&m)) {
        asked.insert(asked.end(), nack->sequences.begin(), nack->sequences.end());
      }
      ASSERT_TRUE(lane.h().on_message(kSession, lane.role, m, lane.now).ok());
    }
    std::vector<AnyMessage> down;
    lane.h().take_outgoing(kSession, 0, down, lane.now);
    for (const AnyMessage& m : down) ASSERT_TRUE(lane.client.on_message(m, lane.now).ok());
    lane.now += Micros(50'000);
  }
  EXPECT_EQ(lane.client.transfer(id)->state, State::kDone);
  EXPECT_EQ(asked, std::vector<std::uint32_t>{3});
  EXPECT_EQ(lane.h().counters().nacks_received, 1u);
  EXPECT_EQ(lane.h().counters().chunks_resent, 1u);
  EXPECT_EQ(read_file(lane.client_dir.path / name), data);
}

// A hand-driven uploader: what a client sends, message by message.
AssetTransfer offer_of(const Bytes& claimed, std::uint64_t size, std::uint32_t transfer = 1) {
  AssetTransfer m;
  m.kind = AssetTransferKind::kOffer;
  m.transfer = transfer;
  m.sha256 = sha256(claimed);
  m.total_size = size;
  m.chunk_size = kChunk;
  return m;
}

AssetTransfer chunk_of(const Bytes& data, std::uint32_t index, std::uint32_t transfer = 1) {
  AssetTransfer m;
  m.kind = AssetTransferKind::kChunk;
  m.transfer = transfer;
  m.offset = std::uint64_t{index} * kChunk;
  const std::size_t end = std::min<std::size_t>(data.size(), (index + 1) * std::size_t{kChunk});
  m.data.assign(data.begin() + static_cast<std::ptrdiff_t>(m.offset),
                data.begin() + static_cast<std::ptrdiff_t>(end));
  return m;
}

std::vector<AnyMessage> answers(Lane& lane) {
  std::vector<AnyMessage> out;
  lane.h().take_outgoing(kSession, 0, out, lane.now);
  return out;
}

AssetTransfer only_transfer(const std::vector<AnyMessage>& out) {
  EXPECT_EQ(out.size(), 1u);
  if (out.empty() || !std::holds_alternative<AssetTransfer>(out[0])) return {};
  return std::get<AssetTransfer>(out[0]);
}

TEST(AssetLane, AMissingUploadChunkIsAskedForAfterTheClientsDone) {
  Lane lane;
  const Bytes data = pattern(6 * kChunk);
  ASSERT_TRUE(lane.h().on_message(kSession, lane.role, offer_of(data, data.size()), lane.now).ok());
  EXPECT_EQ(only_transfer(answers(lane)).kind, AssetTransferKind::kAccept);
  for (std::uint32_t i = 0; i < 6; ++i) {
    if (i == 2 || i == 4) continue;
    ASSERT_TRUE(lane.h().on_message(kSession, lane.role, chunk_of(data, i), lane.now).ok());
  }
  AssetTransfer done;
  done.kind = AssetTransferKind::kDone;
  done.transfer = 1;
  ASSERT_TRUE(lane.h().on_message(kSession, lane.role, done, lane.now).ok());
  EXPECT_TRUE(answers(lane).empty());  // chunks may still be on their way: not yet
  lane.now += Micros(250'000);
  const auto nack = answers(lane);
  ASSERT_EQ(nack.size(), 1u);
  ASSERT_TRUE(std::holds_alternative<protocol::NackRequest>(nack[0]));
  EXPECT_EQ(std::get<protocol::NackRequest>(nack[0]).sequences, (std::vector<std::uint32_t>{2, 4}));
  EXPECT_EQ(std::get<protocol::NackRequest>(nack[0]).transfer, 1u);
  ASSERT_TRUE(lane.h().on_message(kSession, lane.role, chunk_of(data, 2), lane.now).ok());
  ASSERT_TRUE(lane.h().on_message(kSession, lane.role, chunk_of(data, 4), lane.now).ok());
  EXPECT_EQ(only_transfer(answers(lane)).kind, AssetTransferKind::kDone);
  EXPECT_TRUE(lane.server_store.find(to_hex(sha256(data))));
}

TEST(AssetLane, AWrongHashCommitsNothingAndSaysSo) {
  Lane lane;
  const Bytes data = pattern(3 * kChunk);
  const Bytes claimed = pattern(3 * kChunk, 99);
  ASSERT_TRUE(
      lane.h().on_message(kSession, lane.role, offer_of(claimed, data.size()), lane.now).ok());
  (void)answers(lane);
  for (std::uint32_t i = 0; i < 3; ++i)
    ASSERT_TRUE(lane.h().on_message(kSession, lane.role, chunk_of(data, i), lane.now).ok());
  const AssetTransfer refused = only_transfer(answers(lane));
  EXPECT_EQ(refused.kind, AssetTransferKind::kRefuse);
  EXPECT_EQ(refused.error, AssetError::kChecksumMismatch);
  EXPECT_NE(refused.reason.find("SHA-256"), std::string::npos) << refused.reason;
  EXPECT_EQ(lane.h().counters().checksum_failures, 1u);
  EXPECT_FALSE(lane.server_store.find(to_hex(sha256(data))));
  EXPECT_FALSE(lane.server_store.find(to_hex(sha256(claimed))));
  EXPECT_EQ(hidden_files(lane.server_dir.path), 0u);
  EXPECT_EQ(lane.server_store.reserved_bytes(), 0u);
}

TEST(AssetLane, AnEmptyUploadWithAnotherHashIsRefusedAndForgotten) {
  Lane lane;
  const Bytes claimed = pattern(kChunk);
  ASSERT_TRUE(lane.h().on_message(kSession, lane.role, offer_of(claimed, 0), lane.now).ok());
  const auto out = answers(lane);  // found by the fuzz target: this once threw
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(std::get<AssetTransfer>(out[0]).kind, AssetTransferKind::kAccept);
  EXPECT_EQ(std::get<AssetTransfer>(out[1]).error, AssetError::kChecksumMismatch);
  EXPECT_EQ(lane.h().uploads(), 0u);
  EXPECT_TRUE(answers(lane).empty());
  EXPECT_EQ(lane.server_store.reserved_bytes(), 0u);
}

TEST(AssetLane, LimitsAndQuotasAreByRole) {
  Lane lane;
  lane.host_config.upload_quotas = {{Role::kEditor, {8 * kChunk, 12 * kChunk}}};
  const Bytes big = pattern(9 * kChunk);
  ASSERT_TRUE(
      lane.h().on_message(kSession, Role::kEditor, offer_of(big, big.size()), lane.now).ok());
  EXPECT_EQ(only_transfer(answers(lane)).error, AssetError::kTooLarge);
  const Bytes first = pattern(7 * kChunk, 1), second = pattern(7 * kChunk, 2);
  ASSERT_TRUE(lane.h()
                  .on_message(kSession, Role::kEditor, offer_of(first, first.size(), 2), lane.now)
                  .ok());
  EXPECT_EQ(only_transfer(answers(lane)).kind, AssetTransferKind::kAccept);
  ASSERT_TRUE(lane.h()
                  .on_message(kSession, Role::kEditor, offer_of(second, second.size(), 3), lane.now)
                  .ok());
  EXPECT_EQ(only_transfer(answers(lane)).error, AssetError::kOverQuota);
  // A role without a quota uploads nothing, whatever the permission table says.
  ASSERT_TRUE(
      lane.h()
          .on_message(kSession + 1, Role::kAdmin, offer_of(first, first.size(), 4), lane.now)
          .ok());
  std::vector<AnyMessage> out;
  lane.h().take_outgoing(kSession + 1, 0, out, lane.now);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<AssetTransfer>(out[0]).error, AssetError::kOverQuota);
  EXPECT_EQ(lane.h().counters().uploads_refused, 3u);
}

TEST(AssetLane, AnUnknownResumeTokenAndAnUnknownAssetAreRefused) {
  Lane lane;
  const Bytes data = pattern(2 * kChunk);
  AssetTransfer offer = offer_of(data, data.size());
  offer.resume_token[0] = 1;
  ASSERT_TRUE(lane.h().on_message(kSession, lane.role, offer, lane.now).ok());
  EXPECT_EQ(only_transfer(answers(lane)).error, AssetError::kBadResumeToken);
  protocol::AssetRequest request;
  request.transfer = 9;
  request.sha256 = sha256(data);
  ASSERT_TRUE(lane.h().on_message(kSession, lane.role, request, lane.now).ok());
  EXPECT_EQ(only_transfer(answers(lane)).error, AssetError::kNotFound);
}

TEST(AssetLane, AnUploadThatStopsMovingIsAbandonedAndItsFileRemoved) {
  Lane lane;
  lane.host_config.idle_timeout = std::chrono::seconds(5);
  const Bytes data = pattern(4 * kChunk);
  ASSERT_TRUE(lane.h().on_message(kSession, lane.role, offer_of(data, data.size()), lane.now).ok());
  (void)answers(lane);
  ASSERT_TRUE(lane.h().on_message(kSession, lane.role, chunk_of(data, 0), lane.now).ok());
  EXPECT_EQ(hidden_files(lane.server_dir.path), 1u);
  EXPECT_EQ(lane.server_store.reserved_bytes(), data.size());
  lane.now += std::chrono::seconds(6);
  lane.h().expire(lane.now);
  const AssetTransfer refused = only_transfer(answers(lane));
  EXPECT_EQ(refused.error, AssetError::kTimedOut);
  EXPECT_EQ(hidden_files(lane.server_dir.path), 0u);
  EXPECT_EQ(lane.server_store.reserved_bytes(), 0u);
  EXPECT_EQ(lane.h().uploads(), 0u);
  // Its late chunks are dropped, not taken as a broken protocol.
  EXPECT_TRUE(lane.h().on_message(kSession, lane.role, chunk_of(data, 1), lane.now).ok());
  EXPECT_EQ(lane.h().counters().chunks_dropped, 1u);
}

TEST(AssetLane, AnUploadMissingChunksAfterDoneStillTimesOutThoughItKeepsAsking) {
  Lane lane;
  lane.host_config.idle_timeout = std::chrono::seconds(5);
  const Bytes data = pattern(4 * kChunk);
  ASSERT_TRUE(lane.h().on_message(kSession, lane.role, offer_of(data, data.size()), lane.now).ok());
  (void)answers(lane);
  AssetTransfer done;
  done.kind = AssetTransferKind::kDone;
  done.transfer = 1;
  ASSERT_TRUE(lane.h().on_message(kSession, lane.role, done, lane.now).ok());
  std::size_t nacks = 0;
  bool timed_out = false;
  for (int i = 0; i < 80 && !timed_out; ++i) {  // 8 s in steps of 100 ms
    lane.now += Micros(100'000);
    lane.h().expire(lane.now);
    for (const AnyMessage& m : answers(lane)) {
      nacks += std::holds_alternative<protocol::NackRequest>(m) ? 1 : 0;
      if (const auto* t = std::get_if<AssetTransfer>(&m))
        timed_out = t->error == AssetError::kTimedOut;
    }
  }
  EXPECT_TRUE(timed_out);
  EXPECT_GT(nacks, 5u);
  EXPECT_EQ(lane.server_store.reserved_bytes(), 0u);
  EXPECT_EQ(hidden_files(lane.server_dir.path), 0u);
}

TEST(AssetLane, AnUploadNotStoredGivesItsQuotaBack) {
  Lane lane;
  lane.host_config.upload_quotas = {{Role::kEditor, {8 * kChunk, 8 * kChunk}}};
  const Bytes data = pattern(6 * kChunk);
  // Cut between the offer and its accept: the client offers afresh, and the abandoned upload's
  // share must come back when it times out, or the second offer is over quota for ever.
  ASSERT_TRUE(lane.h().on_message(kSession, lane.role, offer_of(data, data.size()), lane.now).ok());
  lane.h().on_connection_end(kSession, lane.now);
  ASSERT_TRUE(lane.h().on_message(kSession, lane.role, offer_of(data, data.size()), lane.now).ok());
  EXPECT_EQ(only_transfer(answers(lane)).error, AssetError::kOverQuota);
  lane.now += std::chrono::seconds(31);
  lane.h().expire(lane.now);
  ASSERT_TRUE(lane.h().on_message(kSession, lane.role, offer_of(data, data.size()), lane.now).ok());
  EXPECT_EQ(only_transfer(answers(lane)).kind, AssetTransferKind::kAccept);
  // A wrong hash gives it back too.
  for (std::uint32_t i = 0; i < 6; ++i) {
    AssetTransfer chunk = chunk_of(pattern(6 * kChunk, 1), i);
    ASSERT_TRUE(lane.h().on_message(kSession, lane.role, chunk, lane.now).ok());
  }
  EXPECT_EQ(only_transfer(answers(lane)).error, AssetError::kChecksumMismatch);
  ASSERT_TRUE(
      lane.h().on_message(kSession, lane.role, offer_of(data, data.size(), 2), lane.now).ok());
  EXPECT_EQ(only_transfer(answers(lane)).kind, AssetTransferKind::kAccept);
}

TEST(AssetLane, OnlyTheSessionThatBeganAnUploadMayResumeIt) {
  Lane lane;
  const Bytes data = pattern(4 * kChunk);
  ASSERT_TRUE(lane.h().on_message(kSession, lane.role, offer_of(data, data.size()), lane.now).ok());
  const AssetTransfer accept = only_transfer(answers(lane));
  lane.h().on_connection_end(kSession, lane.now);
  AssetTransfer stolen = offer_of(data, data.size());
  stolen.resume_token = accept.resume_token;
  ASSERT_TRUE(lane.h().on_message(kSession + 1, lane.role, stolen, lane.now).ok());
  std::vector<AnyMessage> out;
  lane.h().take_outgoing(kSession + 1, 0, out, lane.now);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<AssetTransfer>(out[0]).error, AssetError::kBadResumeToken);
  ASSERT_TRUE(lane.h().on_message(kSession, lane.role, stolen, lane.now).ok());
  EXPECT_EQ(only_transfer(answers(lane)).kind, AssetTransferKind::kAccept);
  EXPECT_EQ(lane.h().counters().uploads_resumed, 1u);
}

TEST(AssetLane, ADownloadTheServerLetGoIsAskedForAgainFromTheBytesHeld) {
  Lane lane;
  const Bytes data = pattern(12 * kChunk, 4);
  const std::string name = *lane.server_store.put(data);
  lane.h().plant_download_gap(2);
  const std::uint32_t id = *lane.client.fetch(name);
  // Every chunk but the planted gap, and `done`.
  for (int i = 0; i < 3; ++i) lane.round();
  ASSERT_EQ(lane.client.transfer(id)->state, State::kMoving);
  // The server forgets the download (as after a reconnect, or when it prunes finished ones).
  lane.h().on_connection_end(kSession, lane.now);
  lane.now += Micros(300'000);
  lane.run(id);
  EXPECT_EQ(lane.client.transfer(id)->state, State::kDone) << lane.client.transfer(id)->reason;
  EXPECT_EQ(read_file(lane.client_dir.path / name), data);
  EXPECT_EQ(lane.h().counters().downloads_started, 2u);
}

TEST(AssetLane, NackRequestsCannotMakeTheSenderResendWithoutEnd) {
  Lane lane;
  const Bytes data = pattern(4 * kChunk, 6);
  const std::string name = *lane.server_store.put(data);
  protocol::AssetRequest request;
  request.transfer = 1;
  request.sha256 = sha256(data);
  ASSERT_TRUE(lane.h().on_message(kSession, lane.role, request, lane.now).ok());
  (void)answers(lane);
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(
        lane.h().on_message(kSession, lane.role, asset_nack(1, {0, 1, 2, 3, 0, 1}), lane.now).ok());
    (void)answers(lane);
  }
  EXPECT_EQ(lane.h().counters().chunks_resent, 4u);  // every chunk once more, then no more
}

TEST(AssetLane, WhatOnlyAServerSendsAndChunksThatDoNotFitBreakTheProtocol) {
  Lane lane;
  AssetTransfer accept;
  accept.kind = AssetTransferKind::kAccept;
  EXPECT_EQ(lane.h().on_message(kSession, lane.role, accept, lane.now).error().code,
            ErrorCode::kInvalidArgument);
  const Bytes data = pattern(3 * kChunk);
  ASSERT_TRUE(lane.h().on_message(kSession, lane.role, offer_of(data, data.size()), lane.now).ok());
  AssetTransfer shifted = chunk_of(data, 1);
  shifted.offset += 1;
  EXPECT_EQ(lane.h().on_message(kSession, lane.role, shifted, lane.now).error().code,
            ErrorCode::kInvalidArgument);
  AssetTransfer short_chunk = chunk_of(data, 0);
  short_chunk.data.pop_back();
  EXPECT_EQ(lane.h().on_message(kSession, lane.role, short_chunk, lane.now).error().code,
            ErrorCode::kInvalidArgument);
  protocol::NackRequest nack;
  nack.lane = protocol::LaneId::kReplication;
  EXPECT_FALSE(lane.h().on_message(kSession, lane.role, nack, lane.now).ok());
}

TEST(AssetLane, AServerWithoutAStoreRefusesEveryTransfer) {
  AssetHost host(nullptr, {}, Rng(1));
  const Bytes data = pattern(kChunk);
  ASSERT_TRUE(
      host.on_message(kSession, Role::kEditor, offer_of(data, data.size()), Micros{0}).ok());
  std::vector<AnyMessage> out;
  host.take_outgoing(kSession, 0, out, Micros{0});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<AssetTransfer>(out[0]).error, AssetError::kStoreFailed);
}

Bytes encoded(const AnyMessage& m) {
  Bytes out;
  EXPECT_TRUE(protocol::encode_body(m, out).ok());
  return out;
}

TEST(AssetLane, TheSameTransfersGiveTheSameMessages) {
  const auto transcript = [] {
    Lane lane;
    const std::string name = *lane.client_store.put(pattern(9 * kChunk + 5));
    const std::uint32_t id = *lane.client.publish(name);
    std::vector<Bytes> seen;
    for (int i = 0; i < 50 && lane.client.transfer(id)->state != State::kDone; ++i) {
      std::vector<AnyMessage> up, down;
      lane.client.take_outgoing(0, up, lane.now);
      for (const AnyMessage& m : up) {
        seen.push_back(encoded(m));
        EXPECT_TRUE(lane.h().on_message(kSession, lane.role, m, lane.now).ok());
      }
      lane.h().take_outgoing(kSession, 0, down, lane.now);
      for (const AnyMessage& m : down) {
        seen.push_back(encoded(m));
        EXPECT_TRUE(lane.client.on_message(m, lane.now).ok());
      }
      lane.now += Micros(10'000);
    }
    return seen;
  };
  EXPECT_EQ(transcript(), transcript());
}

}  // namespace
}  // namespace theta_net::session
