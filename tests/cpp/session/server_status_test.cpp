// The server's status snapshot (server_status.hpp) and the operator's actions on it: per-type
// counters against what was sent, transport kinds over every network kind, sync progress and
// version lag, a forced resync that converges, a kick that closes, and the network log's
// sequence numbers and bound.
#include "theta_net/session/server_status.hpp"

#include <gtest/gtest.h>

#include "local_game.hpp"
#include "theta_net/protocol/message_codec.hpp"

namespace theta_net::session {
namespace {

using namespace std::chrono_literals;
using protocol::MessageType;
using testing::game;
using testing::run_for;

ServerStatus status_of(LocalSession& s, std::uint64_t log_after = 0) {
  ServerStatusOptions options;
  options.log_after = log_after;
  return s.server().status(s.server_driver().transport_lookup(), &s.server_driver().tick_times(),
                           options);
}

const MessageTypeStats* stats_of(const ClientStatus& c, MessageType type) {
  for (const MessageTypeStatus& m : c.messages) {
    if (m.type == type) return &m.stats;
  }
  return nullptr;
}

std::vector<NetworkLogKind> kinds(const std::vector<NetworkLogEntry>& log) {
  std::vector<NetworkLogKind> out;
  for (const NetworkLogEntry& e : log) out.push_back(e.kind);
  return out;
}

TEST(ServerStatus, PerTypeCountersMatchWhatEachSideSent) {
  auto s = game(NetworkKind::kSim, {});
  run_for(*s, 2s);
  s->client(0).say("hello");
  s->client(0).say("there");
  run_for(*s, 1s);
  const ServerStatus status = status_of(*s);
  ASSERT_EQ(status.client_list.size(), 2u);
  const ClientStatus& a = status.client_list[0];
  EXPECT_EQ(a.name, "a");
  // What client a queued of each type is what the server read from it (a perfect link, and
  // nothing of these in flight after a second).
  const MessageTypeCounters* sent = s->client(0).session().message_counters();
  ASSERT_NE(sent, nullptr);
  for (MessageType type : {MessageType::kChatMessage, MessageType::kSessionHello,
                           MessageType::kDataSubscribe, MessageType::kClientReady}) {
    const MessageTypeStats* got = stats_of(a, type);
    ASSERT_NE(got, nullptr) << protocol::message_name(type);
    const MessageTypeStats& theirs = (*sent)[static_cast<std::size_t>(type)];
    EXPECT_EQ(got->messages_received, theirs.messages_sent) << protocol::message_name(type);
    EXPECT_EQ(got->bytes_received, theirs.bytes_sent) << protocol::message_name(type);
    EXPECT_GT(got->bytes_received, 0u);
  }
  EXPECT_EQ(stats_of(a, MessageType::kChatMessage)->messages_received, 2u);
  // And the other way: the server's SessionAck and chat lines to client b, as b read them.
  const ClientStatus& b = status.client_list[1];
  const MessageTypeCounters* read = s->client(1).session().message_counters();
  for (MessageType type : {MessageType::kSessionAck, MessageType::kChatMessage}) {
    const MessageTypeStats* out = stats_of(b, type);
    ASSERT_NE(out, nullptr) << protocol::message_name(type);
    EXPECT_EQ(out->messages_sent, (*read)[static_cast<std::size_t>(type)].messages_received);
    EXPECT_EQ(out->bytes_sent, (*read)[static_cast<std::size_t>(type)].bytes_received);
  }
  // Types never seen are left out; the list is in type id order.
  EXPECT_EQ(stats_of(a, MessageType::kAssetTransfer), nullptr);
  for (std::size_t i = 1; i < a.messages.size(); ++i) {
    EXPECT_LT(a.messages[i - 1].type, a.messages[i].type);
  }
}

TEST(ServerStatus, ServerFiguresAndSyncProgressAndVersionLag) {
  auto s = game(NetworkKind::kSim, testing::rtt100());
  run_for(*s, 3s);
  const ServerStatus status = status_of(*s);
  EXPECT_EQ(status.tick, s->server().world().tick());
  EXPECT_EQ(status.tick_rate, 20u);
  EXPECT_EQ(status.clients, 2u);
  EXPECT_EQ(status.players, 2u);
  ASSERT_TRUE(status.tick_times);
  EXPECT_EQ(status.tick_times->ticks_timed, s->server_driver().tick_times().count());
  EXPECT_EQ(status.sessions.accepted, 2u);
  EXPECT_FALSE(status.collab);
  for (const ClientStatus& c : status.client_list) {
    EXPECT_EQ(c.transport, "sim");
    EXPECT_EQ(c.role, protocol::Role::kEditor);
    // 50 ms each way.
    EXPECT_GE(c.rtt_smoothed, 90ms);
    EXPECT_LE(c.rtt_smoothed, 150ms);
    EXPECT_GT(c.bytes_sent, 0u);
    EXPECT_GT(c.lanes[transport::lane_index(transport::Lane::kEntities)].messages_sent, 0u);
    ASSERT_TRUE(c.data);
    EXPECT_EQ(c.data->sync.state, data::DataSyncStatus::State::kSynced);
    EXPECT_EQ(c.data->sync.chunks_sent, c.data->sync.chunks_total);
    EXPECT_EQ(c.data->sync.entities_sent, c.data->sync.entities_total);
    EXPECT_GT(c.data->sync.entities_total, 0u);
    EXPECT_EQ(c.data->acked_version + c.data->version_lag, status.data_version);
  }
}

TEST(ServerStatus, AClientThatJustJoinedIsSyncing) {
  auto s = game(NetworkKind::kSim, testing::rtt100(), false, 1);
  // The hello, challenge and proof take two round trips; the sync starts after the third.
  ServerStatus status;
  bool seen_syncing = false;
  for (int i = 0; i < 100 && !seen_syncing; ++i) {
    run_for(*s, 10ms);
    status = status_of(*s);
    if (!status.client_list.empty() && status.client_list[0].data &&
        status.client_list[0].data->sync.state == data::DataSyncStatus::State::kSyncing)
      seen_syncing = true;
  }
  EXPECT_TRUE(seen_syncing);
  run_for(*s, 2s);
  status = status_of(*s);
  ASSERT_EQ(status.client_list.size(), 1u);
  EXPECT_EQ(status.client_list[0].data->sync.state, data::DataSyncStatus::State::kSynced);
}

TEST(ServerStatus, AForcedResyncSendsAFreshFullSyncThatConvergesAndIsLogged) {
  auto s = game(NetworkKind::kSim, testing::rtt100());
  run_for(*s, 3s);
  const ServerStatus before = status_of(*s);
  const std::uint64_t session = before.client_list[0].session_id;
  const std::uint64_t syncs_before =
      s->server().world().data().host().stats(1)->syncs_full;  // client a's data client
  ASSERT_TRUE(s->server().resync_client(session).ok());
  run_for(*s, 3s);
  const ServerStatus after = status_of(*s, before.log_last_seq);
  const ClientStatus& a = after.client_list[0];
  ASSERT_TRUE(a.data);
  EXPECT_EQ(a.data->sync.forced, 1u);
  EXPECT_EQ(a.data->sync.state, data::DataSyncStatus::State::kSynced);
  EXPECT_EQ(s->server().world().data().host().stats(1)->syncs_full, syncs_before + 1);
  // The mirror holds the server's store again.
  EXPECT_EQ(s->client(0).data().view().digest(),
            s->server().world().data().host().store().digest());
  ASSERT_EQ(after.log.size(), 1u);
  EXPECT_EQ(after.log[0].kind, NetworkLogKind::kResync);
  EXPECT_EQ(after.log[0].cause, "forced");
  EXPECT_TRUE(after.log[0].ok);
  EXPECT_EQ(after.log[0].session_id, session);
  EXPECT_EQ(after.log[0].name, "a");
}

TEST(ServerStatus, ActionsOnAnUnknownSessionAreTypedErrorsAndLogged) {
  auto s = game(NetworkKind::kSim, {});
  run_for(*s, 1s);
  const std::uint64_t last = status_of(*s).log_last_seq;
  const Status resync = s->server().resync_client(42);
  ASSERT_FALSE(resync.ok());
  EXPECT_EQ(resync.error().code, ErrorCode::kInvalidArgument);
  const Status kick = s->server().kick_client(42, "nobody");
  ASSERT_FALSE(kick.ok());
  EXPECT_EQ(kick.error().code, ErrorCode::kInvalidArgument);
  const ServerStatus status = status_of(*s, last);
  ASSERT_EQ(status.log.size(), 2u);
  EXPECT_FALSE(status.log[0].ok);
  EXPECT_FALSE(status.log[1].ok);
  EXPECT_EQ(status.log[1].kind, NetworkLogKind::kKick);
  EXPECT_EQ(status.clients, 2u) << "nothing else happened";
}

TEST(ServerStatus, AKickClosesTheConnectionRemovesThePlayerAndIsLogged) {
  auto s = game(NetworkKind::kSim, testing::rtt100());
  run_for(*s, 2s);
  const ServerStatus before = status_of(*s);
  const std::uint64_t session = before.client_list[1].session_id;
  ASSERT_TRUE(s->server().kick_client(session, "afk").ok());
  run_for(*s, 1s);
  EXPECT_EQ(s->client(1).state(), SessionState::kRejected) << "kicked for good: no resume";
  EXPECT_EQ(s->server().world().simulation().players().size(), 1u);
  const ServerStatus after = status_of(*s, before.log_last_seq);
  EXPECT_EQ(after.clients, 1u);
  ASSERT_EQ(kinds(after.log),
            (std::vector<NetworkLogKind>{NetworkLogKind::kKick, NetworkLogKind::kSessionEnded}));
  EXPECT_EQ(after.log[0].detail, "afk");
  EXPECT_EQ(after.log[1].detail, "kicked: afk");
  EXPECT_EQ(after.log[1].name, "b");
}

TEST(ServerStatus, TheLogStartsWithTheSessionsAndItsSequenceOnlyGrows) {
  auto s = game(NetworkKind::kSim, {});
  run_for(*s, 1s);
  const ServerStatus status = status_of(*s);
  ASSERT_EQ(kinds(status.log), (std::vector<NetworkLogKind>{NetworkLogKind::kSessionStarted,
                                                            NetworkLogKind::kSessionStarted}));
  EXPECT_EQ(status.log[0].seq, 1u);
  EXPECT_EQ(status.log[1].seq, 2u);
  EXPECT_EQ(status.log_first_seq, 1u);
  EXPECT_EQ(status.log_last_seq, 2u);
  EXPECT_LE(status.log[0].time, status.log[1].time);
  EXPECT_TRUE(status_of(*s, 2).log.empty());
  EXPECT_EQ(status_of(*s, 1).log.size(), 1u);
}

TEST(NetworkLog, KeepsTheNewestPastItsBoundAndAnswersAfterASequence) {
  NetworkLog log(3);
  for (int i = 0; i < 5; ++i) {
    NetworkLogEntry e;
    e.time = Micros(i);
    e.detail = std::to_string(i);
    EXPECT_EQ(log.add(e), static_cast<std::uint64_t>(i + 1));
  }
  EXPECT_EQ(log.size(), 3u);
  EXPECT_EQ(log.dropped(), 2u);
  EXPECT_EQ(log.first_seq(), 3u);
  EXPECT_EQ(log.last_seq(), 5u);
  const auto all = log.after(0);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].seq, 3u);
  EXPECT_EQ(all[2].detail, "4");
  EXPECT_EQ(log.after(3).size(), 2u);
  EXPECT_TRUE(log.after(5).empty());
  EXPECT_TRUE(log.after(99).empty());
  const auto newest = log.after(0, 1);
  ASSERT_EQ(newest.size(), 1u);
  EXPECT_EQ(newest[0].seq, 5u);
  NetworkLog empty;
  EXPECT_EQ(empty.last_seq(), 0u);
  EXPECT_EQ(empty.first_seq(), 1u);
  EXPECT_TRUE(empty.after(0).empty());
}

class ServerStatusOverNetworks : public ::testing::TestWithParam<NetworkKind> {};

TEST_P(ServerStatusOverNetworks, NamesEachClientsTransport) {
  auto s = game(GetParam(), {}, false, 1);
  for (int i = 0; i < 200 && s->server().sessions().sessions().empty(); ++i) run_for(*s, 20ms);
  run_for(*s, 500ms);
  const ServerStatus status = status_of(*s);
  ASSERT_EQ(status.client_list.size(), 1u);
  EXPECT_EQ(status.client_list[0].transport, network_kind_name(GetParam()));
  EXPECT_GT(status.client_list[0].bytes_received, 0u);
  EXPECT_NE(stats_of(status.client_list[0], MessageType::kInputBundle), nullptr);
}

INSTANTIATE_TEST_SUITE_P(Networks, ServerStatusOverNetworks,
                         ::testing::Values(NetworkKind::kSim, NetworkKind::kQuic, NetworkKind::kTcp,
                                           NetworkKind::kWs),
                         [](const auto& param_info) {
                           return std::string(network_kind_name(param_info.param));
                         });

}  // namespace
}  // namespace theta_net::session
