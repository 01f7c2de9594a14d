// RecordLink without sockets: two links joined by hand, bytes moved in any split.
#include "theta_net/transport/record_link.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "stream_link_test_util.hpp"
#include "theta_net/core/varint.hpp"

namespace theta_net::transport {
namespace {

using namespace testing;
using namespace std::chrono_literals;
using std::chrono::nanoseconds;

struct Pair {
  explicit Pair(StreamLinkConfig config = {})
      : client(RecordLink::Role::kClient, config, 0ns),
        server(RecordLink::Role::kServer, config, 0ns) {}
  void exchange(nanoseconds now = 0ns, std::size_t chunk = 1u << 20) {
    carry(client, server, now, chunk);
    carry(server, client, now, chunk);
  }
  RecordLink client;
  RecordLink server;
};

TEST(RecordLink, OpensAndCarriesEveryLaneInOrderWhateverTheSplit) {
  for (std::size_t chunk : {std::size_t{1}, std::size_t{3}, std::size_t{1} << 20}) {
    Pair p;
    p.exchange(0ns, chunk);
    ASSERT_EQ(p.client.state(), RecordLink::State::kOpen);
    ASSERT_EQ(p.server.state(), RecordLink::State::kOpen);
    ASSERT_EQ(drain(p.client).at(0).kind, EventKind::kConnected);
    ASSERT_EQ(drain(p.server).at(0).kind, EventKind::kConnected);
    for (Lane lane : kAllLanes) {
      ASSERT_TRUE(p.client.send(lane, text_bytes(std::string(lane_name(lane)) + "-1")).ok());
      ASSERT_TRUE(p.client.send(lane, text_bytes(std::string(lane_name(lane)) + "-2")).ok());
    }
    ASSERT_TRUE(p.client.send(Lane::kChunks, Bytes(100'000, 7)).ok());
    p.exchange(0ns, chunk);
    const auto got = drain(p.server);
    ASSERT_EQ(got.size(), 2 * kLaneCount + 1);
    for (std::size_t i = 0; i < 2 * kLaneCount; ++i) {
      const Lane lane = kAllLanes[i / 2];
      EXPECT_EQ(got[i].kind, EventKind::kMessage);
      EXPECT_EQ(got[i].lane, lane);
      EXPECT_EQ(got[i].payload, text_bytes(std::string(lane_name(lane)) + (i % 2 ? "-2" : "-1")));
    }
    EXPECT_EQ(got.back().payload, Bytes(100'000, 7));
    const ConnectionStats& s = p.server.stats();
    EXPECT_EQ(s.lanes[lane_index(Lane::kChunks)].messages_received, 3u);
    EXPECT_EQ(s.bytes_received, p.client.stats().bytes_sent);
  }
}

TEST(RecordLink, ARefusedPrefaceClosesWithProtocolError) {
  RecordLink server(RecordLink::Role::kServer, {}, 0ns);
  server.receive(text_bytes("GET / HTTP/1.1\r\n"), 0ns);
  const auto events = drain(server);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, EventKind::kDisconnected);
  EXPECT_EQ(events[0].close.code, code_value(CloseCode::kProtocolError));
  EXPECT_FALSE(events[0].close.by_peer);
  EXPECT_FALSE(server.opened());
  // The close record still goes out after the preface, for a peer that can read it.
  EXPECT_GT(server.output().size(), kRecordPreface.size());
}

TEST(RecordLink, AnOversizedRecordIsRefusedBeforeItIsBuffered) {
  StreamLinkConfig config;
  config.max_message_size = 1000;
  Pair p(config);
  p.exchange();
  drain(p.server);
  Bytes header;
  ByteWriter w(header);
  write_varint(w, 1u << 30);  // declares a gigabyte; nothing of it follows
  p.server.receive(header, 0ns);
  const auto events = drain(p.server);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].close.code, code_value(CloseCode::kMessageTooLarge));
  EXPECT_EQ(p.server.state(), RecordLink::State::kClosing);
  // A message over the limit is refused at the sender too.
  EXPECT_EQ(p.client.send(Lane::kChat, Bytes(1001, 1)).error().code, ErrorCode::kInvalidArgument);
}

TEST(RecordLink, UnknownKindsAndBadControlRecordsAreProtocolErrors) {
  for (const Bytes& record :
       {Bytes{0x01, 0x42}, Bytes{0x03, 0xF0, 1, 2}, Bytes{0x00}, Bytes{0x03, 0xFF, 0x00, 0xC3}}) {
    Pair p;
    p.exchange();
    drain(p.server);
    p.server.receive(record, 0ns);
    const auto events = drain(p.server);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].close.code, code_value(CloseCode::kProtocolError))
        << events[0].close.reason;
  }
}

TEST(RecordLink, CloseCarriesCodeAndReasonAfterQueuedMessages) {
  Pair p;
  p.exchange();
  drain(p.client);
  drain(p.server);
  ASSERT_TRUE(p.server.send(Lane::kControl, text_bytes("last words")).ok());
  p.server.close(6, "kicked: spamming");
  EXPECT_EQ(p.server.send(Lane::kControl, text_bytes("too late")).error().code, ErrorCode::kClosed);
  const auto ours = drain(p.server);
  ASSERT_EQ(ours.size(), 1u);
  EXPECT_EQ(ours[0].kind, EventKind::kDisconnected);
  EXPECT_FALSE(ours[0].close.by_peer);
  p.exchange();
  const auto theirs = drain(p.client);
  ASSERT_EQ(theirs.size(), 2u);
  EXPECT_EQ(theirs[0].payload, text_bytes("last words"));
  EXPECT_EQ(theirs[1].kind, EventKind::kDisconnected);
  EXPECT_EQ(theirs[1].close.kind, CloseInfo::Kind::kApplication);
  EXPECT_EQ(theirs[1].close.code, 6u);
  EXPECT_EQ(theirs[1].close.reason, "kicked: spamming");
  EXPECT_TRUE(theirs[1].close.by_peer);
  EXPECT_EQ(p.client.state(), RecordLink::State::kClosed);
  // A reason over the bound is cut on a character boundary, still valid UTF-8 for the peer.
  Pair q;
  q.exchange();
  drain(q.client);
  std::string long_reason(1023, 'a');
  long_reason += "\xC3\xA9\xC3\xA9";  // two-byte characters straddling the 1024-byte bound
  q.server.close(0, long_reason);
  q.exchange();
  const auto cut = drain(q.client);
  ASSERT_EQ(cut.size(), 1u);
  EXPECT_EQ(cut[0].close.reason, std::string(1023, 'a'));
}

TEST(RecordLink, StaleUnreliableMessagesAreDroppedAndReliableOnesRefusedWhenBackedUp) {
  StreamLinkConfig config;
  config.unreliable_drop_backlog = 4000;
  config.max_send_backlog = 10'000;
  Pair p(config);
  p.exchange();
  drain(p.server);
  ASSERT_TRUE(p.server.send(Lane::kEntities, Bytes(1000, 1)).ok());
  ASSERT_TRUE(p.server.send(Lane::kChunks, Bytes(5000, 2)).ok());  // the socket takes nothing
  ASSERT_TRUE(p.server.send(Lane::kEntities, Bytes(1000, 3)).ok());
  EXPECT_EQ(p.server.stats().datagrams_lost, 1u);
  ASSERT_TRUE(p.server.send(Lane::kChunks, Bytes(6000, 4)).ok());
  EXPECT_EQ(p.server.send(Lane::kChunks, Bytes(10, 5)).error().code, ErrorCode::kLimitExceeded);
  p.exchange();
  const auto got = drain(p.client);
  ASSERT_EQ(got.size(), 4u);  // Connected, entities 1, chunks 2, chunks 4
  EXPECT_EQ(got[1].payload[0], 1);
  EXPECT_EQ(got[2].payload[0], 2);
  EXPECT_EQ(got[3].payload[0], 4);
  // Once the socket took the backlog, unreliable messages flow again.
  ASSERT_TRUE(p.server.send(Lane::kEntities, Bytes(10, 6)).ok());
  EXPECT_EQ(p.server.stats().datagrams_lost, 1u);
}

TEST(RecordLink, PingsMeasureTheRoundTrip) {
  StreamLinkConfig config;
  config.ping_interval = 1s;
  Pair p(config);
  p.exchange();
  EXPECT_EQ(p.client.next_deadline(), 1s);
  for (int i = 1; i <= 4; ++i) {
    const nanoseconds sent = i * 1s;
    p.client.on_time(sent);
    carry(p.client, p.server, sent + 30ms);  // 30 ms there
    carry(p.server, p.client, sent + 80ms);  // 50 ms back
  }
  const ConnectionStats& s = p.client.stats();
  EXPECT_EQ(s.rtt_smoothed, 80ms);
  EXPECT_EQ(s.rtt_min, 80ms);
  EXPECT_EQ(s.jitter, 0ns);
}

TEST(RecordLink, SilenceEndsTheLinkAfterTheIdleTimeout) {
  StreamLinkConfig config;
  config.idle_timeout = 5s;
  config.ping_interval = 0s;
  Pair p(config);
  p.exchange(1s);
  EXPECT_EQ(p.client.next_deadline(), 6s);
  p.client.on_time(5900ms);
  EXPECT_EQ(p.client.state(), RecordLink::State::kOpen);
  p.client.on_time(6s);
  const auto events = drain(p.client);
  ASSERT_EQ(events.back().kind, EventKind::kTimedOut);
  EXPECT_EQ(p.client.state(), RecordLink::State::kClosed);
  // A server link whose peer never opens times out as well, without having opened.
  RecordLink lonely(RecordLink::Role::kServer, config, 0ns);
  lonely.on_time(5s);
  EXPECT_EQ(drain(lonely).at(0).kind, EventKind::kTimedOut);
  EXPECT_FALSE(lonely.opened());
}

TEST(RecordLink, AStreamThatEndsWithoutACloseIsADisconnect) {
  Pair p;
  p.exchange();
  drain(p.client);
  p.client.receive_end(0ns);
  const auto events = drain(p.client);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, EventKind::kDisconnected);
  EXPECT_EQ(events[0].close.kind, CloseInfo::Kind::kTransport);
  EXPECT_TRUE(events[0].close.by_peer);
}

}  // namespace
}  // namespace theta_net::transport
