// CollabHost's refusals: a forged author, a bad signature, a replayed or skipped sequence, a role
// the permission hook refuses, unknown kinds, malformed payloads and clocks, a client not synced
// and a plain DataWrite are each refused with their reason, and change nothing.
#include <gtest/gtest.h>

#include "collab_room.hpp"
#include "theta_net/collab/collab_host.hpp"

namespace theta_net::collab {
namespace {

using protocol::CommandRefuseReason;
using testing::Before;
using testing::expect_refused;
using testing::Member;
using testing::Room;

constexpr std::uint16_t kDataWrite = static_cast<std::uint16_t>(protocol::CommandKind::kDataWrite);

// A room with one ready member and cell 1 at value 5 (written by the member, index 1).
struct OneMember {
  Room room;
  Member* m = nullptr;
  explicit OneMember(CollabHostConfig config = {}) : room(std::move(config)) {
    m = &room.join();
    room.pump();
    EXPECT_TRUE(
        room.host
            .on_message(m->id, testing::signed_write(*room.schema, m->key, 1, 1, 1, 5), room.now)
            .ok());
    room.host.flush(room.now);
    const auto results = testing::results_in(room.drain(*m));
    EXPECT_EQ(results.size(), 1u);
  }
  // Sends an entry, flushes, and returns the single CommandResult drained.
  protocol::CommandResult send(const protocol::CommandLogEntry& e) {
    EXPECT_TRUE(room.host.on_message(m->id, e, room.now).ok());
    room.host.flush(room.now);
    const auto results = testing::results_in(room.drain(*m));
    EXPECT_EQ(results.size(), 1u);
    return results.empty() ? protocol::CommandResult{} : results.front();
  }
};

TEST(CollabHost, AForgedAuthorIsRefusedAndChangesNothing) {
  OneMember t;
  Rng rng(77);
  const Ed25519KeyPair stranger = Ed25519KeyPair::from_rng(rng);
  const Before before(t.room);
  // Validly signed, but by a key that is not this session's.
  const auto r = t.send(testing::signed_write(*t.room.schema, stranger, 1, 5, 1, 9));
  expect_refused(r, CommandRefuseReason::kWrongAuthor, "is not this session's key");
  before.expect_unchanged(t.room);
  EXPECT_EQ(t.room.host.sequences().expected(stranger.public_key()), 1u);
  EXPECT_EQ(t.room.host.stats().wrong_author, 1u);
}

TEST(CollabHost, ABadSignatureIsRefusedAndDoesNotUseTheSequence) {
  OneMember t;
  auto e = testing::signed_write(*t.room.schema, t.m->key, 2, 5, 1, 9);
  e.payload = encode_data_write(*t.room.schema, {testing::set_value(1, 10)});  // after signing
  const Before before(t.room);
  expect_refused(t.send(e), CommandRefuseReason::kBadSignature, "does not verify");
  before.expect_unchanged(t.room);
  EXPECT_EQ(t.room.host.sequences().expected(t.m->key.public_key()), 2u);
  // The genuine command with that sequence is still taken.
  EXPECT_TRUE(t.send(testing::signed_write(*t.room.schema, t.m->key, 2, 5, 1, 9)).accepted);
}

TEST(CollabHost, AReplayedSequenceIsRefusedNamingExpectedAndReceived) {
  OneMember t;
  const Before before(t.room);
  // The very entry accepted before, sent again.
  const auto r = t.send(testing::signed_write(*t.room.schema, t.m->key, 1, 1, 1, 5));
  expect_refused(r, CommandRefuseReason::kBadSequence, "expected sequence 2, got 1 (a repeat)");
  EXPECT_EQ(r.sequence, 1u);
  before.expect_unchanged(t.room);
}

TEST(CollabHost, ASkippedSequenceIsRefusedAndChangesNothing) {
  OneMember t;
  const Before before(t.room);
  const auto r = t.send(testing::signed_write(*t.room.schema, t.m->key, 3, 5, 1, 9));
  expect_refused(r, CommandRefuseReason::kBadSequence, "expected sequence 2, got 3 (a gap)");
  before.expect_unchanged(t.room);
  EXPECT_EQ(t.room.host.stats().bad_sequence, 1u);
}

TEST(CollabHost, ARoleThePermissionHookRefusesIsDeniedNamingRoleAndCommand) {
  CollabHostConfig config;
  config.may_command = [](protocol::Role role, std::uint16_t) {
    return role != protocol::Role::kViewer;
  };
  Room room(config);
  Member& viewer = room.join(protocol::Role::kViewer);
  room.pump();
  const Before before(room);
  ASSERT_TRUE(room.host
                  .on_message(viewer.id,
                              testing::signed_write(*room.schema, viewer.key, 1, 1, 1, 1), room.now)
                  .ok());
  room.host.flush(room.now);
  const auto results = testing::results_in(room.drain(viewer));
  ASSERT_EQ(results.size(), 1u);
  expect_refused(results[0], CommandRefuseReason::kPermissionDenied,
                 "role 'viewer' may not send command data_write (1)");
  before.expect_unchanged(room);
  // The refused command used its sequence: the next one is 2. After a role change it is taken.
  ASSERT_TRUE(room.host.set_role(viewer.id, protocol::Role::kEditor).ok());
  ASSERT_TRUE(room.host
                  .on_message(viewer.id,
                              testing::signed_write(*room.schema, viewer.key, 2, 2, 1, 1), room.now)
                  .ok());
  room.host.flush(room.now);
  const auto after = testing::results_in(room.drain(viewer));
  ASSERT_EQ(after.size(), 1u);
  EXPECT_TRUE(after[0].accepted);
}

TEST(CollabHost, UnknownCommandsMalformedPayloadsAndBadClocksAreRefused) {
  OneMember t;
  const Before before(t.room);
  const auto& key = t.m->key;
  protocol::CommandLogEntry e;
  e.sequence = 2;
  e.lamport = 3;
  e.command = 7;  // a built-in kind that does not exist
  sign_command(e, key);
  expect_refused(t.send(e), CommandRefuseReason::kUnknownCommand, "kind 7");
  e.sequence = 3;
  e.lamport = 4;
  e.command = 400;  // an application kind nobody registered
  sign_command(e, key);
  expect_refused(t.send(e), CommandRefuseReason::kUnknownCommand, "kind 400");
  e.sequence = 4;
  e.lamport = 5;
  e.command = kDataWrite;
  e.payload = {0x05, 0x01};  // five ops in one byte
  sign_command(e, key);
  expect_refused(t.send(e), CommandRefuseReason::kMalformed, "data_write payload");
  e.sequence = 5;
  e.lamport = 6;
  e.payload = {0x00};  // no ops
  sign_command(e, key);
  expect_refused(t.send(e), CommandRefuseReason::kMalformed, "no ops");
  auto ahead = testing::signed_write(*t.room.schema, key, 6, 7, 1, 1, 1000);
  expect_refused(t.send(ahead), CommandRefuseReason::kMalformed, "ahead of the server's version");
  auto stale_clock = testing::signed_write(*t.room.schema, key, 7, 7, 1, 1);  // not above 7
  expect_refused(t.send(stale_clock), CommandRefuseReason::kMalformed, "Lamport clock 7");
  auto racing = testing::signed_write(*t.room.schema, key, 8, 1u << 30, 1, 1);
  expect_refused(t.send(racing), CommandRefuseReason::kMalformed, "ahead of the server's");
  auto indexed = testing::signed_write(*t.room.schema, key, 9, 9, 1, 1);
  indexed.index = 4;
  expect_refused(t.send(indexed), CommandRefuseReason::kMalformed, "the server gives indices");
  before.expect_unchanged(t.room);
  EXPECT_EQ(t.room.host.stats().refused, 8u);
}

TEST(CollabHost, ACommandBeforeTheClientIsSyncedIsRefused) {
  Room room;
  Member& m = room.join();  // subscribed, but nothing carried yet: not ready
  const Before before(room);
  ASSERT_TRUE(
      room.host.on_message(m.id, testing::signed_write(*room.schema, m.key, 1, 1, 1, 1), room.now)
          .ok());
  room.host.flush(room.now);
  const auto results = testing::results_in(room.drain(m));
  ASSERT_EQ(results.size(), 1u);
  expect_refused(results[0], CommandRefuseReason::kNotSynced, "data sync");
  before.expect_unchanged(room);
}

TEST(CollabHost, APlainDataWriteIsRefusedAsNotAllowed) {
  OneMember t;
  const Before before(t.room);
  protocol::DataWrite w;
  w.write_id = 3;
  w.ops = 1;
  ASSERT_TRUE(t.room.host.on_message(t.m->id, w, t.room.now).ok());
  t.room.host.flush(t.room.now);
  const auto out = t.room.drain(*t.m);
  ASSERT_EQ(out.size(), 1u);
  const auto& r = std::get<protocol::DataWriteResult>(out[0]);
  EXPECT_EQ(r.write_id, 3u);
  EXPECT_FALSE(r.accepted);
  EXPECT_EQ(r.reason, protocol::DataRefuseReason::kNotAllowed);
  before.expect_unchanged(t.room);
}

}  // namespace
}  // namespace theta_net::collab
